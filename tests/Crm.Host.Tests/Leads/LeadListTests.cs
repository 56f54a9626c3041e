using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Leads;

/// <summary>The list of leads: its own fields filtered and sorted, paged both ways with cursors, and searched.</summary>
public abstract class LeadListTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    /// <summary>
    /// Seven leads under one marker (their titles start with it), with gaps and ties in every
    /// field the tests look at:
    /// <code>
    ///   title    status      source opportunity currency post   birthdate  opened phone
    /// 0 Alpha    NEW         WEB    100         EUR      CTO    1980-01-01 yes    +48 nnn nnn nn1 MOBILE
    /// 1 Bravo    IN_PROCESS  CALL   2500        USD      -      -          no     -
    /// 2 Charlie  PROCESSED   WEB    -           -        CEO    1990-05-05 no     nnnnnnnn3 WORK
    /// 3 Delta    JUNK        EMAIL  700         EUR      -      1975-12-31 yes    -
    /// 4 Echo     NEW         -      2500        EUR      Buyer  -          no     +1 555 0100 MOBILE
    /// 5 Foxtrot  IN_PROCESS  WEB    50          PLN      -      -          no     -
    /// 6 Golf     NEW         CALL   -           -        -      -          yes    -
    /// </code>
    /// </summary>
    private async Task<(string Marker, string Digits, IReadOnlyList<string> Ids)> SeedAsync()
    {
        var m = Records.NewMarker("LL");
        // Phones are searched by their last nine digits: unique ones per seed. No 5 among them, so that
        // the filter on Echo's "555" never finds a random number too.
        var digits = string.Concat(Enumerable.Range(0, 8).Select(i => "12346789"[Random.Shared.Next(8)]));
        var rows = new (string Name, string Status, string? Source, decimal? Opportunity, string? Currency, string? Post, string? Birthdate, bool Opened, string? Phone, string? PhoneType)[]
        {
            ("Alpha", "NEW", "WEB", 100m, "EUR", "CTO", "1980-01-01", true, $"+48 {digits[..3]} {digits[3..6]} {digits[6..]}1", "MOBILE"),
            ("Bravo", "IN_PROCESS", "CALL", 2500m, "USD", null, null, false, null, null),
            ("Charlie", "PROCESSED", "WEB", null, null, "CEO", "1990-05-05", false, digits + "3", "WORK"),
            ("Delta", "JUNK", "EMAIL", 700m, "EUR", null, "1975-12-31", true, null, null),
            ("Echo", "NEW", null, 2500m, "EUR", "Buyer", null, false, "+1 555 0100", "MOBILE"),
            ("Foxtrot", "IN_PROCESS", "WEB", 50m, "PLN", null, null, false, null, null),
            ("Golf", "NEW", "CALL", null, null, null, null, true, null, null),
        };
        var ids = new List<string>();
        foreach (var row in rows)
        {
            ids.Add(await Host.CreateLeadAsync(new Dictionary<string, object?>
            {
                ["title"] = $"{m} {row.Name}",
                ["name"] = row.Name,
                ["lastName"] = "Lister" + m,
                ["companyTitle"] = $"{row.Name} Corp {m}",
                ["statusId"] = row.Status,
                ["sourceId"] = row.Source,
                ["opportunity"] = row.Opportunity,
                ["currencyId"] = row.Currency,
                ["post"] = row.Post,
                ["birthdate"] = row.Birthdate,
                ["opened"] = row.Opened,
                ["phones"] = row.Phone is null ? Array.Empty<object>() : new object[] { new { value = row.Phone, valueType = row.PhoneType } },
                ["emails"] = new[] { new { value = $"{row.Name.ToLowerInvariant()}.{m}@example.com", valueType = "WORK" } },
            }));
        }

        return (m, digits, ids);
    }

    private async Task<IReadOnlyList<string>> ListAsync(string marker, string where, string order = "[{ id: ASC }]")
    {
        var response = (await Host.QueryAsync(
            $"query($m: String!) {{ leads(where: {{ and: [{{ title: {{ startsWith: $m }} }}{(where.Length == 0 ? "" : $", {{ {where} }}")}] }}, order: {order}, first: 50) {{ nodes {{ id }} totalCount }} }}",
            new { m = marker })).ShouldSucceed();
        var ids = Records.Ids(response.Data!["leads"]!["nodes"]);
        Assert.True(ids.Count == response.Data!["leads"]!["totalCount"]!.GetValue<int>(), $"totalCount differs from the {ids.Count} lead(s) listed for {where}");
        return ids;
    }

    public static TheoryData<string, int[]> Filters() => new()
    {
        { "statusId: { in: [\"NEW\", \"IN_PROCESS\"] }", [0, 1, 4, 5, 6] },
        { "statusId: { nin: [\"NEW\"] }, opportunity: { gte: 700 }", [1, 3] },
        { "sourceId: { isNull: true }", [4] },
        { "sourceId: { eq: \"WEB\" }, currencyId: { neq: \"EUR\" }", [2, 5] },
        { "opportunity: { lt: 1000 }", [0, 3, 5] },
        { "opportunity: { isNull: true }", [2, 6] },
        { "post: { isNull: false }", [0, 2, 4] },
        { "post: { startsWith: \"c\" }", [0, 2] },
        { "birthdate: { gte: \"1980-01-01\" }", [0, 2] },
        { "birthdate: { lt: \"1980-01-01\" }", [3] },
        { "opened: { eq: true }", [0, 3, 6] },
        { "title: { contains: \"ECHO\" }", [4] },
        { "companyTitle: { startsWith: \"GOLF CORP\" }", [6] },
        { "phones: { some: { valueType: MOBILE } }", [0, 4] },
        { "phones: { none: { valueType: MOBILE } }", [1, 2, 3, 5, 6] },
        { "phones: { some: { value: { contains: \"555\" } } }", [4] },
        { "emails: { some: { value: { startsWith: \"bravo.\" } } }", [1] },
        { "or: [{ title: { endsWith: \"Alpha\" } }, { companyTitle: { startsWith: \"Golf\" } }]", [0, 6] },
        { "or: [{ statusId: { eq: \"JUNK\" } }, { and: [{ statusId: { eq: \"NEW\" } }, { opened: { eq: false } }] }]", [3, 4] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Leads_filter_on_their_own_fields(string where, int[] expected)
    {
        var (m, _, ids) = await SeedAsync();

        Assert.Equal(ids.Pick(expected), await ListAsync(m, where));
    }

    public static TheoryData<string, int[]> Orders() => new()
    {
        { "[{ opportunity: ASC }]", [5, 0, 3, 1, 4, 2, 6] },
        { "[{ opportunity: DESC }]", [2, 6, 1, 4, 3, 0, 5] },
        { "[{ statusId: ASC }, { title: DESC }]", [5, 1, 3, 6, 4, 0, 2] },
        { "[{ birthdate: DESC }]", [1, 4, 5, 6, 2, 0, 3] },
        { "[{ currencyId: ASC }, { opportunity: DESC }]", [4, 3, 0, 5, 1, 2, 6] },
        { "[{ opened: DESC }, { post: ASC }]", [0, 3, 6, 4, 2, 1, 5] },
        { "[{ title: DESC }]", [6, 5, 4, 3, 2, 1, 0] },
        { "[{ createdAt: DESC }]", [6, 5, 4, 3, 2, 1, 0] },
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Leads_sort_with_empty_values_last_ascending_and_first_descending(string order, int[] expected)
    {
        var (m, _, ids) = await SeedAsync();

        Assert.Equal(ids.Pick(expected), await ListAsync(m, "", order));
    }

    [Fact]
    public async Task Leads_page_forward_and_back_by_cursor_in_any_order()
    {
        var (m, _, ids) = await SeedAsync();
        const string page = """
            query($m: String!, $first: Int, $after: String, $last: Int, $before: String) {
              leads(where: { title: { startsWith: $m } }, order: [{ opportunity: DESC }], first: $first, after: $after, last: $last, before: $before) {
                totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
              }
            }
            """;
        async Task<(IReadOnlyList<string> Ids, bool Next, bool Previous, string? Start, string? End)> PageAsync(int? first = null, string? after = null, int? last = null, string? before = null)
        {
            var leads = (await Host.QueryAsync(page, new { m, first, after, last, before })).ShouldSucceed().Data!["leads"]!;
            Assert.Equal(7, leads["totalCount"]!.GetValue<int>());
            var info = leads["pageInfo"]!;
            return (Records.Ids(leads["nodes"]), info["hasNextPage"]!.GetValue<bool>(), info["hasPreviousPage"]!.GetValue<bool>(),
                info["startCursor"]?.GetValue<string>(), info["endCursor"]?.GetValue<string>());
        }

        // Forward: the ties at 2,500 (1 and 4) and the empty values (2 and 6) never split or repeat.
        var first = await PageAsync(first: 3);
        Assert.Equal(ids.Pick(2, 6, 1), first.Ids);
        Assert.True(first.Next);
        var second = await PageAsync(first: 3, after: first.End);
        Assert.Equal(ids.Pick(4, 3, 0), second.Ids);
        var third = await PageAsync(first: 3, after: second.End);
        Assert.Equal(ids.Pick(5), third.Ids);
        Assert.False(third.Next);

        // Backward from the end, then from the start of that page.
        var last = await PageAsync(last: 3);
        Assert.Equal(ids.Pick(3, 0, 5), last.Ids);
        Assert.True(last.Previous);
        var before = await PageAsync(last: 3, before: last.Start);
        Assert.Equal(ids.Pick(6, 1, 4), before.Ids);
        var rest = await PageAsync(last: 3, before: before.Start);
        Assert.Equal(ids.Pick(2), rest.Ids);
        Assert.False(rest.Previous);
    }

    [Fact]
    public async Task Leads_are_searched_by_name_company_email_and_phone_and_the_search_pages_like_a_filter()
    {
        var (m, digits, ids) = await SeedAsync();
        async Task ShouldFindAsync(string search, string what, params int[] expected)
        {
            var found = Records.Ids((await Host.QueryAsync("query($s: String!, $m: String!) { leads(search: $s, where: { title: { startsWith: $m } }, first: 50) { nodes { id } } }", new { s = search, m }))
                .ShouldSucceed().Data!["leads"]!["nodes"]);
            Assert.True(found.SequenceEqual(ids.Pick(expected)), $"Searching leads by {what} ('{search}') found [{string.Join(", ", found)}], not [{string.Join(", ", ids.Pick(expected))}]");
        }

        await ShouldFindAsync($"charlie corp {m}", "company title", 2);
        await ShouldFindAsync($"DELTA.{m}@example.com", "e-mail", 3);
        await ShouldFindAsync($"({digits[..3]}) {digits[3..6]}-{digits[6..]}3", "a phone written otherwise", 2);
        await ShouldFindAsync($"0048 {digits}1", "a phone with its country code", 0);
        await ShouldFindAsync($"charlie delta {m}", "words of two leads (every word must match)");

        // Search, filter, order and cursor together, with related lists loaded in batches.
        const string searched = """
            query($s: String!, $after: String) {
              leads(search: $s, where: { statusId: { neq: "JUNK" } }, order: [{ opportunity: DESC }], first: 2, after: $after) {
                totalCount nodes { id status { name } source { name } } pageInfo { endCursor hasNextPage }
              }
            }
            """;
        var walked = new List<string>();
        var statements = new List<int>();
        string? after = null;
        do
        {
            var response = (await Host.QueryAsync(searched, new { s = "lister" + m, after })).ShouldSucceed();
            var leads = response.Data!["leads"]!;
            Assert.Equal(6, leads["totalCount"]!.GetValue<int>());
            walked.AddRange(Records.Ids(leads["nodes"]));
            statements.Add(response.Statements);
            after = leads["pageInfo"]!["hasNextPage"]!.GetValue<bool>() ? leads["pageInfo"]!["endCursor"]!.GetValue<string>() : null;
        }
        while (after is not null);

        Assert.Equal(ids.Pick(2, 6, 1, 4, 0, 5), walked);
        // Every page costs the same: the count, the page, and the lists once (read once per request).
        Assert.Single(statements.Distinct());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class LeadListOnSqlite(SqliteHost fixture) : LeadListTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class LeadListOnPostgres(PostgresHost fixture) : LeadListTests(fixture), IClassFixture<PostgresHost>;
