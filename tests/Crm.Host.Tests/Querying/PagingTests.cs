using System.Text;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Querying;

/// <summary>Cursor paging (first/after, last/before), pageInfo and totalCount.</summary>
public abstract class PagingTests(HostFixture fixture)
{
    private const string PageQuery = """
        query($where: ContactFilterInput, $order: [ContactSortInput!], $first: Int, $after: String, $last: Int, $before: String) {
          contacts(where: $where, order: $order, first: $first, after: $after, last: $last, before: $before) {
            edges { cursor node { id } }
            nodes { id }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          }
        }
        """;

    private CrmHost Host => fixture.Host;

    private sealed record Page(IReadOnlyList<string> Ids, IReadOnlyList<string> Cursors, bool HasNextPage, bool HasPreviousPage, string? StartCursor, string? EndCursor);

    private static object MarkerFilter(string marker) => new { name = new { startsWith = marker } };

    private static object[]? Order(string order) =>
        order.Length == 0
            ? null
            : order.Split(", ").Select(k => k.Split(' ')).Select(k => (object)new Dictionary<string, string> { [k[0]] = k[1] }).ToArray();

    private async Task<Page> PageAsync(string marker, string order, int? first = null, string? after = null, int? last = null, string? before = null)
    {
        var response = (await Host.QueryAsync(PageQuery, new { where = MarkerFilter(marker), order = Order(order), first, after, last, before })).ShouldSucceed();
        var connection = response.Data!["contacts"]!;
        var edges = connection["edges"]!.AsArray();
        var ids = edges.Select(e => e!["node"]!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(ids, Records.Ids(connection["nodes"]));
        var info = connection["pageInfo"]!;
        return new Page(
            ids,
            edges.Select(e => e!["cursor"]!.GetValue<string>()).ToList(),
            info["hasNextPage"]!.GetValue<bool>(),
            info["hasPreviousPage"]!.GetValue<bool>(),
            info["startCursor"]?.GetValue<string>(),
            info["endCursor"]?.GetValue<string>());
    }

    /// <summary>Seven contacts with repeated and missing last names and birthdates.</summary>
    private async Task<(string Marker, IReadOnlyList<string> Ids)> SeedAsync()
    {
        var m = Records.NewMarker("Pg");
        var ids = new List<string>();
        var rows = new (string? LastName, string? Birthdate, bool Opened)[]
        {
            ("Lee", "1990-01-01", true),
            (null, null, false),
            ("Adams", "1980-05-05", true),
            ("Lee", null, false),
            (null, "1990-01-01", true),
            ("Brown", "1970-12-12", false),
            ("Adams", "1980-05-05", true),
        };
        for (var i = 0; i < rows.Length; i++)
        {
            ids.Add(await Host.CreateContactAsync(new { name = $"{m} {(char)('a' + i)}", lastName = rows[i].LastName, birthdate = rows[i].Birthdate, opened = rows[i].Opened }));
        }

        return (m, ids);
    }

    private static void AssertCursors(Page page)
    {
        Assert.Equal(page.Cursors.FirstOrDefault(), page.StartCursor);
        Assert.Equal(page.Cursors.LastOrDefault(), page.EndCursor);
        Assert.Equal(page.Cursors.Count, page.Cursors.Distinct().Count());
    }

    public static TheoryData<string> Orders() =>
    [
        "",
        "lastName ASC",
        "lastName DESC",
        "birthdate DESC, name ASC",
        "opened ASC, lastName DESC",
        "lastName ASC, birthdate ASC",
        "createdAt DESC",
    ];

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Walking_forward_with_first_and_after_gives_every_record_once_in_order(string order)
    {
        var (m, ids) = await SeedAsync();
        var all = await PageAsync(m, order, first: 50);
        Assert.Equal(ids.Order().ToList(), all.Ids.Order().ToList());
        Assert.False(all.HasNextPage);
        Assert.False(all.HasPreviousPage);

        foreach (var size in new[] { 1, 2, 3, 6, 7, 8 })
        {
            var seen = new List<string>();
            string? after = null;
            var pages = 0;
            while (true)
            {
                var page = await PageAsync(m, order, first: size, after: after);
                pages++;
                AssertCursors(page);
                seen.AddRange(page.Ids);
                Assert.Equal(after is not null, page.HasPreviousPage);
                Assert.Equal(seen.Count < ids.Count, page.HasNextPage);
                Assert.Equal(Math.Min(size, ids.Count - (seen.Count - page.Ids.Count)), page.Ids.Count);
                if (!page.HasNextPage)
                {
                    break;
                }

                after = page.EndCursor;
                Assert.True(pages <= ids.Count, "The walk does not end.");
            }

            Assert.Equal(all.Ids, seen);
            Assert.Equal((ids.Count + size - 1) / size, pages);
        }
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Walking_backward_with_last_and_before_gives_every_record_once_in_order(string order)
    {
        var (m, ids) = await SeedAsync();
        var all = await PageAsync(m, order, first: 50);

        foreach (var size in new[] { 1, 2, 3, 6, 7, 8 })
        {
            var seen = new List<string>();
            string? before = null;
            var pages = 0;
            while (true)
            {
                var page = await PageAsync(m, order, last: size, before: before);
                pages++;
                AssertCursors(page);
                seen.InsertRange(0, page.Ids);
                Assert.Equal(before is not null, page.HasNextPage);
                Assert.Equal(seen.Count < ids.Count, page.HasPreviousPage);
                if (!page.HasPreviousPage)
                {
                    break;
                }

                before = page.StartCursor;
                Assert.True(pages <= ids.Count, "The walk does not end.");
            }

            Assert.Equal(all.Ids, seen);
            Assert.Equal((ids.Count + size - 1) / size, pages);
        }
    }

    [Theory]
    [InlineData("lastName ASC")]
    [InlineData("lastName DESC")]
    [InlineData("birthdate ASC, lastName DESC")]
    public async Task Every_cursor_of_a_nullable_order_resumes_right_after_its_record(string order)
    {
        var (m, _) = await SeedAsync();
        var all = await PageAsync(m, order, first: 50);
        for (var i = 0; i < all.Ids.Count; i++)
        {
            var after = await PageAsync(m, order, first: 50, after: all.Cursors[i]);
            Assert.Equal(all.Ids.Skip(i + 1), after.Ids);
            var before = await PageAsync(m, order, last: 50, before: all.Cursors[i]);
            Assert.Equal(all.Ids.Take(i), before.Ids);
        }
    }

    [Fact]
    public async Task After_and_before_together_give_the_records_between()
    {
        var (m, _) = await SeedAsync();
        var all = await PageAsync(m, "lastName ASC", first: 50);

        var between = await PageAsync(m, "lastName ASC", first: 10, after: all.Cursors[1], before: all.Cursors[5]);
        Assert.Equal(all.Ids.Skip(2).Take(3), between.Ids);
        Assert.True(between.HasPreviousPage);

        var window = await PageAsync(m, "lastName ASC", last: 2, after: all.Cursors[1], before: all.Cursors[5]);
        Assert.Equal(all.Ids.Skip(3).Take(2), window.Ids);
        Assert.True(window.HasPreviousPage);
        Assert.True(window.HasNextPage);
    }

    [Fact]
    public async Task Past_the_end_a_page_is_empty_with_null_cursors()
    {
        var (m, _) = await SeedAsync();
        var all = await PageAsync(m, "lastName DESC", first: 50);

        var past = await PageAsync(m, "lastName DESC", first: 3, after: all.EndCursor);
        Assert.Empty(past.Ids);
        Assert.False(past.HasNextPage);
        Assert.True(past.HasPreviousPage);
        Assert.Null(past.StartCursor);
        Assert.Null(past.EndCursor);

        var before = await PageAsync(m, "lastName DESC", last: 3, before: all.StartCursor);
        Assert.Empty(before.Ids);
        Assert.False(before.HasPreviousPage);
        Assert.True(before.HasNextPage);
    }

    private static string Forge(string json) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static TheoryData<string, string, string> BadCursors() => new()
    {
        { "", "after", "garbage!" },
        { "", "before", "not-a-cursor" },
        { "", "after", "" },
        { "", "after", Forge("{}") },
        { "", "after", Forge("[1, 2]") }, // two values, one key
        { "", "after", Forge("[\"x\"]") },
        { "", "before", Forge("[null]") }, // the id is never null
        { "lastName ASC", "after", Forge("[\"Lee\"]") },
        { "birthdate ASC", "after", Forge("[\"Lee\", 1]") },
        { "createdAt ASC", "after", Forge("[null, 1]") },
        { "createdAt ASC", "before", Forge("[\"2024-01-01T00:00:00\", 1]") }, // a time without zone
        { "createdAt ASC", "after", Forge("[\"2024-01-01T00:00:00+02:00\", 1]") },
        { "opened ASC", "after", Forge("[\"yes\", 1]") },
    };

    [Theory]
    [MemberData(nameof(BadCursors))]
    public async Task An_invalid_or_forged_cursor_is_INVALID_CURSOR(string order, string argument, string cursor)
    {
        var response = await Host.QueryAsync(PageQuery, new Dictionary<string, object?>
        {
            ["order"] = Order(order),
            [argument] = cursor,
            [argument == "after" ? "first" : "last"] = 5,
        });
        Assert.Equal(["INVALID_CURSOR"], response.ErrorCodes);
        Assert.Null(response.Data?["contacts"]);
    }

    [Fact]
    public async Task A_cursor_of_another_order_is_INVALID_CURSOR()
    {
        var (m, _) = await SeedAsync();
        var byLastName = await PageAsync(m, "lastName ASC", first: 50);
        var cursor = byLastName.Cursors[0]; // Adams: a last name, not a date

        var response = await Host.QueryAsync(PageQuery, new { order = Order("birthdate ASC"), first = 2, after = cursor });
        Assert.Equal(["INVALID_CURSOR"], response.ErrorCodes);
        response = await Host.QueryAsync(PageQuery, new { first = 2, after = cursor });
        Assert.Equal(["INVALID_CURSOR"], response.ErrorCodes);
    }

    [Fact]
    public async Task First_and_last_together_are_refused()
    {
        var response = await Host.QueryAsync(PageQuery, new { first = 2, last = 2 });
        Assert.Equal(["VALIDATION"], response.ErrorCodes);
        Assert.Null(response.Data?["contacts"]);

        response = await Host.QueryAsync(PageQuery, new { first = -1 });
        Assert.Equal(["VALIDATION"], response.ErrorCodes);
    }

    [Fact]
    public async Task TotalCount_counts_every_match_and_only_when_asked_for()
    {
        var (m, ids) = await SeedAsync();
        const string withTotal = """
            query($where: ContactFilterInput, $first: Int, $after: String, $last: Int) {
              contacts(where: $where, first: $first, after: $after, last: $last) { totalCount nodes { id } pageInfo { endCursor } }
            }
            """;
        const string withoutTotal = """
            query($where: ContactFilterInput, $first: Int, $after: String, $last: Int) {
              contacts(where: $where, first: $first, after: $after, last: $last) { nodes { id } pageInfo { endCursor } }
            }
            """;

        var first = (await Host.QueryAsync(withTotal, new { where = MarkerFilter(m), first = 2 })).ShouldSucceed();
        Assert.Equal(ids.Count, first.Data!["contacts"]!["totalCount"]!.GetValue<int>());
        Assert.Equal(2, first.Data!["contacts"]!["nodes"]!.AsArray().Count);

        // The count is of the whole list, whichever page is read.
        var after = first.Data!["contacts"]!["pageInfo"]!["endCursor"]!.GetValue<string>();
        var second = (await Host.QueryAsync(withTotal, new { where = MarkerFilter(m), first = 2, after })).ShouldSucceed();
        Assert.Equal(ids.Count, second.Data!["contacts"]!["totalCount"]!.GetValue<int>());
        var lastPage = (await Host.QueryAsync(withTotal, new { where = MarkerFilter(m), last = 3 })).ShouldSucceed();
        Assert.Equal(ids.Count, lastPage.Data!["contacts"]!["totalCount"]!.GetValue<int>());

        var narrower = new { and = new object[] { MarkerFilter(m), new { lastName = new { eq = "Lee" } } } };
        var lees = (await Host.QueryAsync(withTotal, new { where = narrower, first = 1 })).ShouldSucceed();
        Assert.Equal(2, lees.Data!["contacts"]!["totalCount"]!.GetValue<int>());
        var none = (await Host.QueryAsync(withTotal, new { where = new { name = new { eq = m + " nobody" } } })).ShouldSucceed();
        Assert.Equal(0, none.Data!["contacts"]!["totalCount"]!.GetValue<int>());

        // Counting costs one statement, and none when totalCount is not selected.
        var counted = (await Host.QueryAsync(withTotal, new { where = MarkerFilter(m), first = 2, after })).ShouldSucceed();
        var uncounted = (await Host.QueryAsync(withoutTotal, new { where = MarkerFilter(m), first = 2, after })).ShouldSucceed();
        Assert.Equal(uncounted.Statements + 1, counted.Statements);
        Assert.Equal(1, uncounted.Statements);
    }

    [Fact]
    public async Task TotalCount_is_counted_under_an_alias_and_in_a_fragment()
    {
        var (m, ids) = await SeedAsync();

        var aliased = (await Host.QueryAsync(
            "query($where: ContactFilterInput) { contacts(where: $where, first: 1) { howMany: totalCount } }",
            new { where = MarkerFilter(m) })).ShouldSucceed();
        Assert.Equal(ids.Count, aliased.Data!["contacts"]!["howMany"]!.GetValue<int>());

        var fragment = (await Host.QueryAsync(
            "query($where: ContactFilterInput) { contacts(where: $where, first: 1) { ...Counted } } fragment Counted on ContactsConnection { totalCount }",
            new { where = MarkerFilter(m) })).ShouldSucceed();
        Assert.Equal(ids.Count, fragment.Data!["contacts"]!["totalCount"]!.GetValue<int>());

        var both = (await Host.QueryAsync(
            "query($where: ContactFilterInput) { contacts(where: $where, first: 1) { a: totalCount b: totalCount } }",
            new { where = MarkerFilter(m) })).ShouldSucceed();
        Assert.Equal(ids.Count, both.Data!["contacts"]!["a"]!.GetValue<int>());
        Assert.Equal(ids.Count, both.Data!["contacts"]!["b"]!.GetValue<int>());
        Assert.Equal(2, both.Statements);
    }

    [Fact]
    public async Task Companies_page_alike()
    {
        var m = Records.NewMarker("Pgc");
        var ids = new List<string>();
        foreach (var industry in new[] { "IT", null, "TELECOM", null, "IT" })
        {
            ids.Add(await Host.CreateCompanyAsync(new { title = m, industry }));
        }

        const string query = """
            query($title: String, $after: String, $before: String, $first: Int, $last: Int) {
              companies(where: { title: { eq: $title } }, order: [{ industry: DESC }], first: $first, after: $after, last: $last, before: $before) {
                totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
              }
            }
            """;
        var seen = new List<string>();
        string? after = null;
        JsonNode connection;
        do
        {
            connection = (await Host.QueryAsync(query, new { title = m, first = 2, after })).ShouldSucceed().Data!["companies"]!;
            Assert.Equal(ids.Count, connection["totalCount"]!.GetValue<int>());
            seen.AddRange(Records.Ids(connection["nodes"]));
            after = connection["pageInfo"]!["endCursor"]?.GetValue<string>();
        }
        while (connection["pageInfo"]!["hasNextPage"]!.GetValue<bool>());

        Assert.Equal(ids.Pick(1, 3, 2, 0, 4), seen);

        var backward = new List<string>();
        string? before = null;
        do
        {
            connection = (await Host.QueryAsync(query, new { title = m, last = 2, before })).ShouldSucceed().Data!["companies"]!;
            backward.InsertRange(0, Records.Ids(connection["nodes"]));
            before = connection["pageInfo"]!["startCursor"]?.GetValue<string>();
        }
        while (connection["pageInfo"]!["hasPreviousPage"]!.GetValue<bool>());

        Assert.Equal(seen, backward);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class PagingTestsOnSqlite(SqliteHost fixture) : PagingTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class PagingTestsOnPostgres(PostgresHost fixture) : PagingTests(fixture), IClassFixture<PostgresHost>;
