using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Search;

public abstract class SearchTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task<IReadOnlyList<string>> SearchAsync(string list, string search, string? marker = null) =>
        Records.Ids((await Host.QueryAsync($"query($s: String!) {{ {list}(search: $s, first: 50) {{ nodes {{ id }} }} }}", new { s = search })).ShouldSucceed().Data![list]!["nodes"]);

    [Fact]
    public async Task A_phone_is_found_however_it_is_written()
    {
        var unique = Random.Shared.Next(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var national = await Host.CreateLeadAsync(new { name = "Phone", phones = new[] { new { value = unique, valueType = "WORK" } } });
        var international = await Host.CreateContactAsync(new { name = "Phone", phones = new[] { new { value = $"+48 {unique[..3]}-{unique[3..6]}-{unique[6..]}", valueType = "MOBILE" } } });

        Assert.Equal([national], await SearchAsync("leads", $"+48 {unique[..3]}-{unique[3..6]}-{unique[6..]}"));
        Assert.Equal([national], await SearchAsync("leads", $"({unique[..3]}) {unique[3..6]} {unique[6..]}"));
        Assert.Equal([international], await SearchAsync("contacts", unique));
        Assert.Equal([international], await SearchAsync("contacts", "0048" + unique));
    }

    [Fact]
    public async Task Names_titles_company_titles_and_emails_are_found_ignoring_case_every_word()
    {
        var marker = Records.NewMarker("Srch").ToLowerInvariant();
        var lead = await Host.CreateLeadAsync(new { title = "Roof repair", name = "Walter", lastName = "White" + marker, companyTitle = "Grey Matter " + marker, emails = new[] { new { value = $"w.{marker}@example.com", valueType = "WORK" } } });
        var company = await Host.CreateCompanyAsync(new { title = "Grey Matter " + marker });
        var deal = await Host.CreateDealAsync(new { title = "Matter of " + marker });

        Assert.Equal([lead], await SearchAsync("leads", "WHITE" + marker.ToUpperInvariant()));
        Assert.Equal([lead], await SearchAsync("leads", $"grey matter {marker}"));
        Assert.Equal([lead], await SearchAsync("leads", $"w.{marker}@EXAMPLE.com"));
        Assert.Empty(await SearchAsync("leads", $"walter {marker} nobody"));
        Assert.Equal([company], await SearchAsync("companies", $"matter {marker}"));
        Assert.Equal([deal], await SearchAsync("deals", $"{marker} of"));

        // Search narrows a filtered, counted list like any condition.
        var counted = (await Host.QueryAsync("query($s: String!) { leads(search: $s, where: { statusId: { eq: \"NEW\" } }) { totalCount } }", new { s = marker })).ShouldSucceed();
        Assert.Equal(1, counted.Data!["leads"]!["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_search_follows_changes()
    {
        var marker = Records.NewMarker("Chg").ToLowerInvariant();
        var id = await Host.CreateContactAsync(new { name = "Before" + marker });
        (await Host.QueryAsync("mutation($id: ID!, $n: String!) { updateContact(id: $id, input: { name: $n }) { errors { code } } }", new { id, n = "After" + marker })).ShouldSucceed();
        Assert.Empty(await SearchAsync("contacts", "before" + marker));
        Assert.Equal([id], await SearchAsync("contacts", "after" + marker));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class SearchOnSqlite(SqliteHost fixture) : SearchTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class SearchOnPostgres(PostgresHost fixture) : SearchTests(fixture), IClassFixture<PostgresHost>
{
    [Fact]
    public async Task The_search_is_served_by_a_trigram_index()
    {
        // Tiny tables are scanned whatever the indexes; forbid that to see whether the index serves the pattern.
        var plan = await fixture.Host.QueryRowsAsync("""
            BEGIN; SET LOCAL enable_seqscan = off;
            EXPLAIN SELECT id FROM leads.leads WHERE search_content LIKE '%600100200%';
            """);
        Assert.Contains(plan, row => row.Values.Any(v => v?.ToString()?.Contains("ix_leads_search_content", StringComparison.Ordinal) == true));
    }
}

public abstract class ContactPointFilterTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task Phones_and_emails_filter_with_some_and_none()
    {
        var marker = Records.NewMarker("Pts");
        var mobile = await Host.CreateContactAsync(new { name = marker, phones = new[] { new { value = "+48 600-555-123", valueType = "MOBILE" } }, emails = new[] { new { value = "Ann@Example.com", valueType = "WORK" } } });
        var work = await Host.CreateContactAsync(new { name = marker, phones = new[] { new { value = "+48 22 555 1234", valueType = "WORK" } } });
        var none = await Host.CreateContactAsync(new { name = marker });

        async Task<IReadOnlyList<string>> Where(string condition) =>
            Records.Ids((await Host.QueryAsync($"query($m: String!) {{ contacts(where: {{ name: {{ eq: $m }}, {condition} }}, order: [{{ id: ASC }}]) {{ nodes {{ id }} }} }}", new { m = marker })).ShouldSucceed().Data!["contacts"]!["nodes"]);

        Assert.Equal([mobile, work], await Where("phones: { some: { value: { contains: \"555\" } } }"));
        Assert.Equal([mobile], await Where("phones: { some: { value: { contains: \"555\" }, valueType: MOBILE } }"));
        Assert.Equal([mobile], await Where("phones: { some: { value: { startsWith: \"+48 600\" } } }"));
        Assert.Equal([work], await Where("phones: { some: { value: { endsWith: \"1234\" } } }"));
        Assert.Equal([none], await Where("phones: { none: { } }"));
        Assert.Equal([work, none], await Where("emails: { none: { value: { contains: \"ann@example\" } } }"));
        Assert.Equal([mobile], await Where("emails: { some: { value: { eq: \"Ann@Example.com\" } } }"));
        Assert.Empty(await Where("emails: { some: { value: { eq: \"ann@example.com\" } } }"));
        Assert.Equal([mobile, work], await Where("or: [{ phones: { some: { valueType: WORK } } }, { emails: { some: { } } }]"));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ContactPointFiltersOnSqlite(SqliteHost fixture) : ContactPointFilterTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ContactPointFiltersOnPostgres(PostgresHost fixture) : ContactPointFilterTests(fixture), IClassFixture<PostgresHost>;
