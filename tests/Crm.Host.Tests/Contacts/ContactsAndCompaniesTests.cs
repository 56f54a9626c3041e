using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Contacts;

public abstract class ContactsAndCompaniesTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task<string> CreateCompanyAsync(string title)
    {
        var response = (await Host.QueryAsync(
            "mutation($input: CreateCompanyInput!) { createCompany(input: $input) { company { id } errors { code } } }",
            new { input = new { title } })).ShouldSucceed();
        return response.Data!["createCompany"]!["company"]!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_contact_is_created_read_updated_and_deleted_with_its_companies()
    {
        var acme = await CreateCompanyAsync("Acme " + Guid.NewGuid());
        var globex = await CreateCompanyAsync("Globex " + Guid.NewGuid());

        var created = (await Host.QueryAsync("""
            mutation($input: CreateContactInput!) {
              createContact(input: $input) {
                contact { id name lastName post birthdate opened emails { value valueType } phones { value valueType }
                          companies { id } createdAt createdById updatedById }
                errors { code message path }
              }
            }
            """,
            new
            {
                input = new
                {
                    name = "Ann",
                    lastName = "Lee",
                    post = "Buyer",
                    birthdate = "1990-05-01",
                    emails = new[] { new { value = "ann@example.com", valueType = "HOME" } },
                    phones = new[] { new { value = "+48 600-100-200", valueType = "MOBILE" } },
                    companyIds = new[] { globex, acme },
                },
            })).ShouldSucceed();
        var contact = created.Data!["createContact"]!["contact"]!;
        Assert.Empty(created.Data!["createContact"]!["errors"]!.AsArray());
        Assert.Equal("Ann", contact["name"]!.GetValue<string>());
        Assert.Equal("1990-05-01", contact["birthdate"]!.GetValue<string>());
        Assert.Equal("HOME", contact["emails"]![0]!["valueType"]!.GetValue<string>());
        Assert.Equal([globex, acme], contact["companies"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()));
        Assert.Equal("1", contact["createdById"]!.GetValue<string>());
        var id = contact["id"]!.GetValue<string>();

        var updated = (await Host.QueryAsync(
            "mutation($id: ID!) { updateContact(id: $id, input: { post: null, companyIds: [] }) { contact { name post companies { id } } errors { code } } }",
            new { id })).ShouldSucceed();
        var afterUpdate = updated.Data!["updateContact"]!["contact"]!;
        Assert.Equal("Ann", afterUpdate["name"]!.GetValue<string>());
        Assert.Null(afterUpdate["post"]);
        Assert.Empty(afterUpdate["companies"]!.AsArray());

        var deleted = (await Host.QueryAsync("mutation($id: ID!) { deleteContact(id: $id) { deletedId errors { code } } }", new { id })).ShouldSucceed();
        Assert.Equal(id, deleted.Data!["deleteContact"]!["deletedId"]!.GetValue<string>());

        var gone = await Host.QueryAsync("query($id: ID!) { contact(id: $id) { id } }", new { id });
        Assert.Equal(["NOT_FOUND"], gone.ErrorCodes);
        Assert.Null(gone.Data!["contact"]);
    }

    [Fact]
    public async Task Company_contacts_are_resolved_from_the_contacts_module()
    {
        var company = await CreateCompanyAsync("Initech " + Guid.NewGuid());
        foreach (var name in new[] { "Peter", "Milton" })
        {
            (await Host.QueryAsync(
                "mutation($input: CreateContactInput!) { createContact(input: $input) { errors { code } } }",
                new { input = new { name, companyIds = new[] { company } } })).ShouldSucceed();
        }

        var response = (await Host.QueryAsync("query($id: ID!) { company(id: $id) { title contacts { name companies { id } } } }", new { id = company })).ShouldSucceed();
        var contacts = response.Data!["company"]!["contacts"]!.AsArray();
        Assert.Equal(["Peter", "Milton"], contacts.Select(c => c!["name"]!.GetValue<string>()));
        Assert.All(contacts, c => Assert.Contains(c!["companies"]!.AsArray(), x => x!["id"]!.GetValue<string>() == company));
    }

    [Fact]
    public async Task Listing_contacts_with_their_companies_costs_the_same_statements_for_5_or_50()
    {
        var marker = "Batch" + Guid.NewGuid().ToString("N")[..8];
        var companies = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            companies.Add(await CreateCompanyAsync($"{marker} company {i}"));
        }

        for (var i = 0; i < 50; i++)
        {
            (await Host.QueryAsync(
                "mutation($input: CreateContactInput!) { createContact(input: $input) { errors { code } } }",
                new { input = new { name = $"{marker} {i:00}", companyIds = new[] { companies[i % 3], companies[(i + 1) % 3] } } })).ShouldSucceed();
        }

        const string query = """
            query($first: Int!, $marker: String!) {
              contacts(first: $first, where: { name: { startsWith: $marker } }, order: [{ name: ASC }]) {
                totalCount
                nodes { id name companies { title contacts { id } } }
              }
            }
            """;
        var five = (await Host.QueryAsync(query, new { first = 5, marker })).ShouldSucceed();
        var fifty = (await Host.QueryAsync(query, new { first = 50, marker })).ShouldSucceed();

        Assert.Equal(50, fifty.Data!["contacts"]!["nodes"]!.AsArray().Count);
        Assert.Equal(2, fifty.Data!["contacts"]!["nodes"]![0]!["companies"]!.AsArray().Count);
        // count, page, contact->company links, companies, company->contact links, contacts
        Assert.Equal(6, fifty.Statements);
        Assert.Equal(five.Statements, fifty.Statements);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ContactsAndCompaniesOnSqlite(SqliteHost fixture) : ContactsAndCompaniesTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ContactsAndCompaniesOnPostgres(PostgresHost fixture) : ContactsAndCompaniesTests(fixture), IClassFixture<PostgresHost>;
