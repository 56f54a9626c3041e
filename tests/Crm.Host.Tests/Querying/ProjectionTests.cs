using System.Text.RegularExpressions;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Querying;

/// <summary>
/// Reads load only the columns a query shows (and the keys its relations and cursors need): a
/// list of names does not drag every record's contact points, custom fields and search text out
/// of the database. What the SDK cannot tell (a module's own field) reads the whole record.
/// </summary>
public abstract class ProjectionTests(HostFixture fixture)
{
    /// <summary>The heavy columns a page of names has no use for.</summary>
    private static readonly string[] Heavy = ["phones", "emails", "custom_fields", "search_content", "search_links", "comments"];

    private CrmHost Host => fixture.Host;

    private async Task<(string Marker, List<string> Contacts, List<string> Companies)> SeedContactsAsync()
    {
        var marker = Records.NewMarker("Pj");
        var companies = new List<string>
        {
            await Host.CreateCompanyAsync(new { title = $"{marker} Acme" }),
            await Host.CreateCompanyAsync(new { title = $"{marker} Globex" }),
        };
        var contacts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            contacts.Add(await Host.CreateContactAsync(new
            {
                name = $"{marker} {i}",
                comments = "long notes",
                emails = new[] { new { value = $"p{i}@example.com", valueType = "WORK" } },
                phones = new[] { new { value = "+49 30 1234567", valueType = "WORK" } },
                companyIds = i == 0 ? companies.ToArray() : [companies[1]],
            }));
        }

        return (marker, contacts, companies);
    }

    /// <summary>The statements that read <paramref name="table"/>, with the heavy columns each names.</summary>
    private IReadOnlyList<(string Sql, IReadOnlyList<string> HeavyColumns)> Reading(SqlCapture capture, string schema, string table)
    {
        var name = Host.Table(schema, table);
        return capture.Commands
            .Where(c => Regex.IsMatch(c.Text, $@"FROM\s+""?{Regex.Escape(name)}""?(\s|$)", RegexOptions.IgnoreCase))
            .Select(c => (c.Text, (IReadOnlyList<string>)Heavy.Where(column => Regex.IsMatch(c.Text, $@"\b{column}\b")).ToList()))
            .ToList();
    }

    [Fact]
    public async Task The_contacts_page_reads_only_what_it_shows_and_its_relations_still_batch()
    {
        var (marker, contacts, _) = await SeedContactsAsync();

        using var capture = SqlCapture.Start(Host);
        var response = (await Host.QueryAsync(
            "query($m: String!) { contacts(first: 50, where: { name: { startsWith: $m } }) { nodes { id name companies { title } } } }",
            new { m = marker })).ShouldSucceed();

        var nodes = response.Data!["contacts"]!["nodes"]!.AsArray();
        Assert.Equal(contacts, Records.Ids(nodes));
        Assert.Equal([$"{marker} Acme", $"{marker} Globex"], nodes[0]!["companies"]!.AsArray().Select(c => c!["title"]!.GetValue<string>()));
        Assert.Equal([$"{marker} Globex"], nodes[2]!["companies"]!.AsArray().Select(c => c!["title"]!.GetValue<string>()));

        var contactReads = Reading(capture, "contacts", "contacts");
        var companyReads = Reading(capture, "companies", "companies");
        // One statement per level: the page, the links, the companies.
        Assert.Single(contactReads);
        Assert.Single(companyReads);
        Assert.Single(Reading(capture, "contacts", "contact_companies"));
        Assert.All(contactReads.Concat(companyReads), read => Assert.True(read.HeavyColumns.Count == 0, $"Reads {string.Join(", ", read.HeavyColumns)}:\n{read.Sql}"));
    }

    [Fact]
    public async Task A_record_by_id_and_a_page_through_fragments_and_aliases_read_what_they_show()
    {
        var (marker, contacts, _) = await SeedContactsAsync();

        using var capture = SqlCapture.Start(Host);
        var one = (await Host.QueryAsync("""
            query($id: ID!) { contact(id: $id) { ...Shown firm: companies { label: title } } }
            fragment Shown on Contact { id who: name ... on Contact { mail: emails { value } } }
            """, new { id = contacts[0] })).ShouldSucceed();
        Assert.Equal($"{marker} 0", one.Data!["contact"]!["who"]!.GetValue<string>());
        Assert.Equal("p0@example.com", one.Data!["contact"]!["mail"]![0]!["value"]!.GetValue<string>());
        Assert.Equal(2, one.Data!["contact"]!["firm"]!.AsArray().Count);

        var read = Assert.Single(Reading(capture, "contacts", "contacts"));
        // The e-mails are shown, so read; nothing else heavy is.
        Assert.Equal(["emails"], read.HeavyColumns);
        Assert.All(Reading(capture, "companies", "companies"), c => Assert.Empty(c.HeavyColumns));
    }

    [Fact]
    public async Task A_selected_custom_field_is_read_and_answered()
    {
        var code = CustomFieldHelpers.NewCode("SHOE");
        var name = CustomFieldHelpers.FieldName(code);
        await Host.CreateFieldAsync(new { entityType = "CONTACT", code, type = "STRING", label = "Shoe size" });
        var marker = Records.NewMarker("Pc");
        var id = (await Host.QueryAsync(
            $"mutation($input: CreateContactInput!) {{ createContact(input: $input) {{ contact {{ id }} errors {{ code message }} }} }}",
            new { input = new Dictionary<string, object> { ["name"] = marker, [name] = "44" } })).ShouldSucceed()
            .Data!["createContact"]!["contact"]!["id"]!.GetValue<string>();

        using var capture = SqlCapture.Start(Host);
        var page = (await Host.QueryAsync($"query($m: String!) {{ contacts(where: {{ name: {{ eq: $m }} }}) {{ edges {{ node {{ id {name} }} }} }} }}", new { m = marker })).ShouldSucceed();
        var node = page.Data!["contacts"]!["edges"]![0]!["node"]!;
        Assert.Equal(id, node["id"]!.GetValue<string>());
        Assert.Equal("44", node[name]!.GetValue<string>());
        Assert.Contains("custom_fields", Assert.Single(Reading(capture, "contacts", "contacts")).HeavyColumns);
    }

    [Fact]
    public async Task A_field_that_declares_no_reads_gets_the_whole_record()
    {
        // Deal.pipeline is the Deals module's own resolver: the SDK cannot know it reads pipelineId.
        var marker = Records.NewMarker("Pp");
        var pipeline = (await Host.QueryAsync("mutation($input: PipelineInput!) { createPipeline(input: $input) { pipeline { id } errors { code message } } }",
            new { input = new { name = $"Pipeline {marker}" } })).ShouldSucceed().Data!["createPipeline"]!["pipeline"]!["id"]!.GetValue<string>();
        var deal = await Host.CreateDealAsync(new { title = marker, pipelineId = pipeline });

        using var capture = SqlCapture.Start(Host);
        var page = (await Host.QueryAsync("query($m: String!) { deals(where: { title: { eq: $m } }) { nodes { id pipeline { id } } } }", new { m = marker })).ShouldSucceed();
        Assert.Equal(deal, page.Data!["deals"]!["nodes"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(pipeline, page.Data!["deals"]!["nodes"]![0]!["pipeline"]!["id"]!.GetValue<string>());
        Assert.Contains("custom_fields", Assert.Single(Reading(capture, "deals", "deals")).HeavyColumns);
    }

    [Fact]
    public async Task A_deal_list_with_stage_company_and_contact_reads_only_what_it_shows()
    {
        var (marker, contacts, companies) = await SeedContactsAsync();
        var pipeline = (await Host.QueryAsync("mutation($input: PipelineInput!) { createPipeline(input: $input) { pipeline { id } errors { code message } } }",
            new { input = new { name = $"Pipeline {marker}" } })).ShouldSucceed().Data!["createPipeline"]!["pipeline"]!["id"]!.GetValue<string>();
        var deals = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            deals.Add(await Host.CreateDealAsync(new { title = $"{marker} deal {i}", pipelineId = i == 0 ? pipeline : "0", companyId = companies[i % 2], contactIds = new[] { contacts[i] }, comments = "notes" }));
        }

        using var capture = SqlCapture.Start(Host);
        var response = (await Host.QueryAsync("""
            query($m: String!) {
              deals(first: 2, where: { title: { startsWith: $m } }, order: [{ title: DESC }]) {
                nodes { id opportunity stage { id entityId } company { title } contact { name lastName } }
                pageInfo { endCursor hasNextPage }
              }
            }
            """, new { m = marker })).ShouldSucceed();
        var nodes = response.Data!["deals"]!["nodes"]!.AsArray();
        Assert.Equal([deals[2], deals[1]], Records.Ids(nodes));
        Assert.Equal("DEAL_STAGE", nodes[0]!["stage"]!["entityId"]!.GetValue<string>());
        Assert.Equal($"{marker} Acme", nodes[0]!["company"]!["title"]!.GetValue<string>());
        Assert.Equal($"{marker} 1", nodes[1]!["contact"]!["name"]!.GetValue<string>());
        Assert.True(response.Data!["deals"]!["pageInfo"]!["hasNextPage"]!.GetValue<bool>());

        Assert.All(Reading(capture, "deals", "deals"), read => Assert.Empty(read.HeavyColumns));
        Assert.All(Reading(capture, "companies", "companies"), read => Assert.Empty(read.HeavyColumns));
        Assert.All(Reading(capture, "contacts", "contacts"), read => Assert.Empty(read.HeavyColumns));
        Assert.Single(Reading(capture, "companies", "companies"));
        Assert.Single(Reading(capture, "contacts", "contacts"));

        // The cursor of a projected row still pages on (its sort key, the title, is read for it though not shown);
        // the deal in the second pipeline shows that pipeline's stage list.
        var next = (await Host.QueryAsync("""
            query($m: String!, $after: String) {
              deals(first: 2, after: $after, where: { title: { startsWith: $m } }, order: [{ title: DESC }]) { nodes { id stageItem { entityId } } }
            }
            """, new { m = marker, after = response.Data!["deals"]!["pageInfo"]!["endCursor"]!.GetValue<string>() })).ShouldSucceed();
        var last = Assert.Single(next.Data!["deals"]!["nodes"]!.AsArray());
        Assert.Equal(deals[0], last!["id"]!.GetValue<string>());
        Assert.Equal($"DEAL_STAGE_{pipeline}", last["stageItem"]!["entityId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Statements_per_request_stay_as_they_were()
    {
        var (marker, _, _) = await SeedContactsAsync();
        var page = (await Host.QueryAsync(
            "query($m: String!) { contacts(first: 50, where: { name: { startsWith: $m } }) { nodes { id name companies { title deals { title } } } } }",
            new { m = marker })).ShouldSucceed();
        // Contacts, their links, the companies, the companies' deals: one each.
        Assert.Equal(4, page.Statements);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ProjectionTestsOnSqlite(SqliteHost fixture) : ProjectionTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ProjectionTestsOnPostgres(PostgresHost fixture) : ProjectionTests(fixture), IClassFixture<PostgresHost>;
