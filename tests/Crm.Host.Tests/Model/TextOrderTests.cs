using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Data;

namespace Crm.Host.Tests.Model;

/// <summary>
/// Text sorts and matches the same way on both engines, for non-ASCII text too: by its folded
/// form (case and diacritics aside), then by code point; <c>contains</c> ignores case in every script.
/// </summary>
public abstract class TextOrderTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private static readonly string[] Expected = ["Ann", "ann", "bob deal", "de la Cruz", "Émile", "Walsh", "Żak", "Zimmer"];

    private async Task<(string Marker, Dictionary<string, string> Ids)> PeopleAsync()
    {
        var marker = Records.NewMarker("Txt");
        var ids = new Dictionary<string, string>();
        foreach (var lastName in new[] { "Walsh", "bob deal", "Żak", "Zimmer", "de la Cruz", "ann", "Émile", "Ann" })
        {
            ids[lastName] = await Host.CreateContactAsync(new { name = marker, lastName });
        }

        return (marker, ids);
    }

    private async Task<List<string>> LastNamesAsync(string marker, string order, int first = 50, string? after = null, string? where = null)
    {
        var response = (await Host.QueryAsync(
            $"query($m: String!, $after: String) {{ contacts(where: {{ name: {{ eq: $m }}{where} }}, order: [{order}], first: {first}, after: $after) {{ nodes {{ lastName }} pageInfo {{ endCursor hasNextPage }} }} }}",
            new { m = marker, after })).ShouldSucceed();
        return response.Data!["contacts"]!["nodes"]!.AsArray().Select(n => n!["lastName"]!.GetValue<string>()).ToList();
    }

    [Fact]
    public async Task Text_sorts_by_its_letters_whatever_their_case_and_marks()
    {
        var (marker, _) = await PeopleAsync();
        Assert.Equal(Expected, await LastNamesAsync(marker, "{ lastName: ASC }"));
        Assert.Equal(Expected.Reverse(), await LastNamesAsync(marker, "{ lastName: DESC }"));
    }

    [Theory]
    [InlineData("ASC")]
    [InlineData("DESC")]
    public async Task Paging_one_by_one_follows_the_same_order(string direction)
    {
        var (marker, _) = await PeopleAsync();
        var seen = new List<string>();
        string? after = null;
        for (var i = 0; i < Expected.Length + 1; i++)
        {
            var response = (await Host.QueryAsync(
                $"query($m: String!, $after: String) {{ contacts(where: {{ name: {{ eq: $m }} }}, order: [{{ lastName: {direction} }}], first: 1, after: $after) {{ nodes {{ lastName }} pageInfo {{ endCursor hasNextPage }} }} }}",
                new { m = marker, after })).ShouldSucceed().Data!["contacts"]!;
            seen.AddRange(response["nodes"]!.AsArray().Select(n => n!["lastName"]!.GetValue<string>()));
            if (!response["pageInfo"]!["hasNextPage"]!.GetValue<bool>())
            {
                break;
            }

            after = response["pageInfo"]!["endCursor"]!.GetValue<string>();
        }

        Assert.Equal(direction == "ASC" ? Expected : Expected.Reverse(), seen);
    }

    [Fact]
    public async Task Contains_ignores_case_beyond_ascii_but_not_marks()
    {
        var (marker, ids) = await PeopleAsync();
        async Task<IReadOnlyList<string>> MatchAsync(string op, string text)
        {
            var response = (await Host.QueryAsync(
                $"query($m: String!, $t: String!) {{ contacts(where: {{ name: {{ eq: $m }}, lastName: {{ {op}: $t }} }}) {{ nodes {{ id }} }} }}", new { m = marker, t = text })).ShouldSucceed();
            return Records.Ids(response.Data!["contacts"]!["nodes"]);
        }

        Assert.Equal([ids["Żak"]], await MatchAsync("contains", "żak"));
        Assert.Equal([ids["Żak"]], await MatchAsync("contains", "ŻAK"));
        Assert.Equal([ids["Żak"]], await MatchAsync("startsWith", "ża"));
        Assert.Equal([ids["Émile"]], await MatchAsync("endsWith", "MILE"));
        Assert.Equal([ids["Émile"]], await MatchAsync("contains", "émi"));
        Assert.Empty(await MatchAsync("contains", "zak"));
        Assert.DoesNotContain(ids["Żak"], await MatchAsync("ncontains", "żA"));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class TextOrderOnSqlite(SqliteHost fixture) : TextOrderTests(fixture), IClassFixture<SqliteHost>
{
    [Fact]
    public async Task No_index_of_the_database_needs_a_function_of_the_platform()
    {
        // Other programs that write the file do not have the platform's functions: no index, view or trigger may call one.
        var objects = await fixture.Host.QueryRowsAsync("SELECT name, sql FROM sqlite_master WHERE sql GLOB '*crm_*'");
        Assert.Empty(objects);
    }
}

[Trait("Engine", "Postgres")]
public sealed class TextOrderOnPostgres(PostgresHost fixture) : TextOrderTests(fixture), IClassFixture<PostgresHost>
{
    [Fact]
    public async Task The_database_folds_every_character_as_dotnet_does()
    {
        // Every character from the space to the end of Cyrillic, the table and the ones kept ahead of it included.
        var everyCode = new string([.. Enumerable.Range(0x20, 0x530 - 0x20).Select(c => (char)c)]);
        var all = TextOrder.FoldFrom + everyCode + "abcXYZ 0-9 ßæœ ĳ ё Ё ǅ 中文 😀";
        var rows = await fixture.Host.QueryRowsAsync("SELECT platform.crm_fold(@p0) AS f", all);
        Assert.Equal(TextOrder.FoldText(all), rows[0]["f"]);
    }

    [Fact]
    public async Task Sorting_by_a_text_field_reads_its_order_index()
    {
        var plan = await fixture.Host.QueryRowsAsync("""
            BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off;
            EXPLAIN SELECT id FROM contacts.contacts ORDER BY platform.crm_fold(last_name) COLLATE "C", last_name COLLATE "C", id LIMIT 10;
            """);
        Assert.Contains(plan, row => row.Values.Any(v => v?.ToString()?.Contains("ix_contacts_last_name_order", StringComparison.Ordinal) == true));
    }
}
