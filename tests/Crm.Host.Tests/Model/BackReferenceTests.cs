using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Model;

/// <summary>
/// The other side of a reference field (<c>References(...).WithBackReference(...)</c>):
/// <c>Company.deals</c>, <c>Company.leads</c>, <c>Contact.leads</c>, <c>Deal.leads</c>: batched, bounded, with the reader's rights.
/// </summary>
public abstract class BackReferenceTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private static IReadOnlyList<string> Ids(JsonNode? list) => Records.Ids(list);

    [Fact]
    public async Task A_company_lists_its_deals_oldest_first_as_many_as_first_asks()
    {
        var marker = Records.NewMarker("Backref");
        var acme = await Host.CreateCompanyAsync(new { title = $"{marker} Acme" });
        var other = await Host.CreateCompanyAsync(new { title = $"{marker} Other" });
        var deals = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            deals.Add(await Host.CreateDealAsync(new { title = $"{marker} deal {i}", companyId = acme }));
        }

        var elsewhere = await Host.CreateDealAsync(new { title = $"{marker} elsewhere", companyId = other });

        var response = (await Host.QueryAsync(
            "query($id: ID!) { company(id: $id) { all: deals { id company { id } } two: deals(first: 2) { id } none: deals(first: 0) { id } } }", new { id = acme })).ShouldSucceed();
        var company = response.Data!["company"]!;
        Assert.Equal(deals, Ids(company["all"]));
        Assert.All(company["all"]!.AsArray(), d => Assert.Equal(acme, d!["company"]!["id"]!.GetValue<string>()));
        Assert.Equal(deals.Take(2), Ids(company["two"]));
        Assert.Empty(company["none"]!.AsArray());
        Assert.DoesNotContain(elsewhere, Ids(company["all"]));

        // A deal moved to another company leaves the first one's list.
        (await Host.QueryAsync("mutation($id: ID!, $c: ID!) { updateDeal(id: $id, input: { companyId: $c }) { errors { code } } }", new { id = deals[0], c = other })).ShouldSucceed();
        var after = (await Host.QueryAsync("query($a: ID!, $o: ID!) { a: company(id: $a) { deals { id } } o: company(id: $o) { deals { id } } }", new { a = acme, o = other })).ShouldSucceed();
        Assert.Equal(deals.Skip(1), Ids(after.Data!["a"]!["deals"]));
        Assert.Equal([deals[0], elsewhere], Ids(after.Data!["o"]!["deals"]).Order());
    }

    [Fact]
    public async Task A_converted_lead_is_listed_by_the_contact_company_and_deal_it_became()
    {
        var marker = Records.NewMarker("Conv");
        var lead = await Host.CreateLeadAsync(new { title = marker, name = "Ann", lastName = marker, companyTitle = $"{marker} Ltd" });
        var converted = (await Host.QueryAsync(
            "mutation($id: ID!) { convertLead(id: $id, input: { createContact: true, createCompany: {}, createDeal: {} }) { lead { contactId companyId dealId } errors { code message } } }",
            new { id = lead })).ShouldSucceed().Data!["convertLead"]!;
        Assert.Empty(converted["errors"]!.AsArray());
        var ids = converted["lead"]!;

        var response = (await Host.QueryAsync(
            "query($c: ID!, $co: ID!, $d: ID!) { contact(id: $c) { leads { id } } company(id: $co) { leads { id } deals { id } } deal(id: $d) { leads { id } } }",
            new { c = ids["contactId"]!.GetValue<string>(), co = ids["companyId"]!.GetValue<string>(), d = ids["dealId"]!.GetValue<string>() })).ShouldSucceed();
        Assert.Equal([lead], Ids(response.Data!["contact"]!["leads"]));
        Assert.Equal([lead], Ids(response.Data!["company"]!["leads"]));
        Assert.Equal([lead], Ids(response.Data!["deal"]!["leads"]));
        Assert.Equal([ids["dealId"]!.GetValue<string>()], Ids(response.Data!["company"]!["deals"]));
    }

    [Fact]
    public async Task Listing_companies_with_their_deals_costs_one_statement_per_level_whatever_the_page_size()
    {
        var marker = Records.NewMarker("BrBatch");
        var companies = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var company = await Host.CreateCompanyAsync(new { title = $"{marker} {i:00}" });
            companies.Add(company);
            for (var d = 0; d < 3; d++)
            {
                await Host.CreateDealAsync(new { title = $"{marker} {i:00} deal {d}", companyId = company });
            }
        }

        const string query = """
            query($first: Int!, $m: String!) {
              companies(first: $first, where: { title: { startsWith: $m } }, order: [{ title: ASC }]) {
                nodes { id deals(first: 2) { id company { id deals { id } } } }
              }
            }
            """;
        var two = (await Host.QueryAsync(query, new { first = 2, m = marker })).ShouldSucceed();
        var twelve = (await Host.QueryAsync(query, new { first = 12, m = marker })).ShouldSucceed();

        var nodes = twelve.Data!["companies"]!["nodes"]!.AsArray();
        Assert.Equal(companies, Ids(nodes));
        Assert.All(nodes, n => Assert.Equal(2, n!["deals"]!.AsArray().Count));
        Assert.All(nodes, n => Assert.All(n!["deals"]!.AsArray(), d => Assert.Equal(3, d!["company"]!["deals"]!.AsArray().Count)));
        // the page, the first two deals of every company, their companies, all deals of those companies
        Assert.Equal(4, twelve.Statements);
        Assert.Equal(two.Statements, twelve.Statements);
    }

    [Fact]
    public async Task A_reader_sees_only_the_deals_their_rights_reach()
    {
        var marker = Records.NewMarker("BrRights");
        var (userId, _, key) = await Host.NewUserWithKeyAsync("brreader");
        var role = await Host.CreateRoleAsync("deals-own", [
            new { entityType = "COMPANY", action = "READ", level = "ALL" },
            new { entityType = "DEAL", action = "READ", level = "OWN" },
        ]);
        (await Host.AssignAsync(role, userId: userId)).Ok();

        var company = await Host.CreateCompanyAsync(new { title = marker });
        var mine = await Host.CreateDealAsync(new { title = $"{marker} mine", companyId = company, assignedById = userId });
        await Host.CreateDealAsync(new { title = $"{marker} theirs", companyId = company });
        var mineToo = await Host.CreateDealAsync(new { title = $"{marker} mine too", companyId = company, assignedById = userId });

        // Rights narrow the list before 'first' counts: the reader's first two are both theirs.
        var response = (await Host.QueryAsync("query($id: ID!) { company(id: $id) { deals(first: 2) { id } } }", new { id = company }, key)).ShouldSucceed();
        Assert.Equal([mine, mineToo], Ids(response.Data!["company"]!["deals"]));
        var admin = (await Host.QueryAsync("query($id: ID!) { company(id: $id) { deals { id } } }", new { id = company })).ShouldSucceed();
        Assert.Equal(3, admin.Data!["company"]!["deals"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_page_size_beyond_the_limit_is_refused_before_anything_runs()
    {
        // Ten times Limits:MaxPageSize.
        var response = await Host.QueryAsync("{ companies(first: 1) { nodes { deals(first: 2000) { id } } } }");
        Assert.Equal(["LIMIT_EXCEEDED"], response.ErrorCodes);
        Assert.Equal(0, response.Statements);

        // A company to resolve the field on, whatever the other tests left in the database.
        var company = await Host.CreateCompanyAsync(new { title = Records.NewMarker("BrNegative") });
        var negative = await Host.QueryAsync("query($id: ID!) { company(id: $id) { deals(first: -1) { id } } }", new { id = company });
        Assert.Equal(["VALIDATION"], negative.ErrorCodes);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class BackReferenceOnSqlite(SqliteHost fixture) : BackReferenceTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class BackReferenceOnPostgres(PostgresHost fixture) : BackReferenceTests(fixture), IClassFixture<PostgresHost>;
