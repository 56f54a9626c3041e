using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Model;

/// <summary>
/// Every record type shows the users behind its user ids (<c>assignedBy</c>, <c>createdBy</c>,
/// <c>updatedBy</c>), batched; and a record created with the bootstrap key is its author's (user 1).
/// </summary>
public abstract class RecordUserTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    [Theory]
    [InlineData("contact", "Contact", "name: \"Ann\"")]
    [InlineData("company", "Company", "title: \"Acme\"")]
    [InlineData("deal", "Deal", "title: \"Big\"")]
    [InlineData("lead", "Lead", "title: \"Enquiry\"")]
    public async Task Every_record_type_shows_its_assignee_author_and_last_editor(string type, string graphName, string fields)
    {
        var (userId, email, key) = await Host.NewUserWithKeyAsync("owner");
        var role = await Host.CreateRoleAsync("all-" + type, [
            new { entityType = type.ToUpperInvariant(), action = "READ", level = "ALL" },
            new { entityType = type.ToUpperInvariant(), action = "UPDATE", level = "ALL" },
        ]);
        (await Host.AssignAsync(role, userId: userId)).Ok();

        var created = (await Host.QueryAsync(
            $"mutation($u: ID!) {{ create{graphName}(input: {{ {fields}, assignedById: $u }}) {{ {type} {{ id assignedById assignedBy {{ id email }} createdBy {{ id }} updatedBy {{ id }} }} errors {{ code message }} }} }}",
            new { u = userId })).ShouldSucceed().Data![$"create{graphName}"]![type]!;
        Assert.Equal(userId, created["assignedBy"]!["id"]!.GetValue<string>());
        Assert.Equal(email, created["assignedBy"]!["email"]!.GetValue<string>());
        Assert.Equal("1", created["createdBy"]!["id"]!.GetValue<string>());
        Assert.Equal("1", created["updatedBy"]!["id"]!.GetValue<string>());

        var updated = (await Host.QueryAsync(
            $"mutation($id: ID!) {{ update{graphName}(id: $id, input: {{ comments: \"seen\" }}) {{ {type} {{ createdBy {{ id }} updatedBy {{ id name }} }} errors {{ code message }} }} }}",
            new { id = created["id"]!.GetValue<string>() }, key)).ShouldSucceed().Data![$"update{graphName}"]![type]!;
        Assert.Equal("1", updated["createdBy"]!["id"]!.GetValue<string>());
        Assert.Equal(userId, updated["updatedBy"]!["id"]!.GetValue<string>());
        Assert.Equal("owner", updated["updatedBy"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_users_of_a_page_are_loaded_in_one_statement_whatever_its_size()
    {
        var marker = Records.NewMarker("Usr");
        var users = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            users.Add(await Host.CreateUserAsync(new { email = PermissionHelpers.NewEmail("u"), name = $"User {i}" }));
        }

        for (var i = 0; i < 30; i++)
        {
            await Host.CreateContactAsync(new { name = $"{marker} {i:00}", assignedById = users[i % 3] });
        }

        const string query = """
            query($first: Int!, $m: String!) {
              contacts(first: $first, where: { name: { startsWith: $m } }, order: [{ name: ASC }]) {
                nodes { assignedBy { id name } createdBy { id } updatedBy { id } }
              }
            }
            """;
        var five = (await Host.QueryAsync(query, new { first = 5, m = marker })).ShouldSucceed();
        var thirty = (await Host.QueryAsync(query, new { first = 30, m = marker })).ShouldSucceed();
        var nodes = thirty.Data!["contacts"]!["nodes"]!.AsArray();
        Assert.Equal(30, nodes.Count);
        Assert.Equal(users[1], nodes[1]!["assignedBy"]!["id"]!.GetValue<string>());
        Assert.All(nodes, n => Assert.Equal("1", n!["createdBy"]!["id"]!.GetValue<string>()));
        // the page, then every user of every field at once
        Assert.Equal(2, thirty.Statements);
        Assert.Equal(five.Statements, thirty.Statements);
    }

    [Theory]
    [InlineData("Contact", "contact", "name: \"Mine\"")]
    [InlineData("Company", "company", "title: \"Mine\"")]
    [InlineData("Deal", "deal", "title: \"Mine\"")]
    [InlineData("Lead", "lead", "title: \"Mine\"")]
    public async Task A_record_created_with_the_bootstrap_key_is_its_authors_unless_given_to_another(string graphName, string type, string fields)
    {
        var other = await Host.CreateUserAsync(new { email = PermissionHelpers.NewEmail("assignee"), name = "Assignee" });
        var mine = (await Host.QueryAsync($"mutation {{ create{graphName}(input: {{ {fields} }}) {{ {type} {{ assignedById assignedBy {{ id }} }} errors {{ code }} }} }}"))
            .ShouldSucceed().Data![$"create{graphName}"]![type]!;
        Assert.Equal("1", mine["assignedById"]!.GetValue<string>());
        Assert.Equal("1", mine["assignedBy"]!["id"]!.GetValue<string>());

        var given = (await Host.QueryAsync($"mutation($u: ID!) {{ create{graphName}(input: {{ {fields}, assignedById: $u }}) {{ {type} {{ assignedById }} errors {{ code }} }} }}", new { u = other }))
            .ShouldSucceed().Data![$"create{graphName}"]![type]!;
        Assert.Equal(other, given["assignedById"]!.GetValue<string>());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RecordUsersOnSqlite(SqliteHost fixture) : RecordUserTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RecordUsersOnPostgres(PostgresHost fixture) : RecordUserTests(fixture), IClassFixture<PostgresHost>;
