using System.Net;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// U+0000 in any text input (search, a filter, a field of a mutation, at any depth, as a
/// variable or written in the document) is refused with VALIDATION naming where it was, before
/// anything runs: PostgreSQL would answer an error (22021), SQLite would store it.
/// </summary>
public abstract class NulCharacterTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    /// <summary>A variable's refusal names its path and the reason; a literal's names its argument.</summary>
    private static void ShouldBeRefusedAt(GraphQLResponse response, string where)
    {
        var error = response.ShouldBeRequestError(HttpStatusCode.BadRequest, "VALIDATION");
        if (where.StartsWith('$'))
        {
            Assert.Contains("U+0000", error.Message(), StringComparison.Ordinal);
        }

        Assert.Contains(where, error.Message(), StringComparison.Ordinal);
        Assert.Equal(0, response.SqlStatements);
    }

    [Fact]
    public async Task In_search_as_a_variable_or_literal()
    {
        var variable = await Host.QueryAsync("query($s: String) { contacts(search: $s) { totalCount } }", new { s = "ann\0lee" });
        var literal = await Host.QueryAsync("{ contacts(search: \"ann\\u0000lee\") { totalCount } }");

        ShouldBeRefusedAt(variable, "$s");
        ShouldBeRefusedAt(literal, "search");
    }

    [Fact]
    public async Task In_a_filter_at_any_depth()
    {
        var variable = await Host.QueryAsync("query($w: ContactFilterInput) { contacts(where: $w) { totalCount } }",
            new { w = new { or = new object[] { new { name = new { eq = "ann" } }, new { lastName = new { contains = "l\0" } } } } });
        var literal = await Host.QueryAsync("{ contacts(where: { or: [{ name: { in: [\"ann\", \"b\\u0000\"] } }] }) { totalCount } }");

        ShouldBeRefusedAt(variable, "$w.or[1].lastName.contains");
        ShouldBeRefusedAt(literal, "where");
    }

    [Fact]
    public async Task In_a_mutation_input_and_nothing_is_written()
    {
        var before = await Host.CountAsync("contacts");

        var name = await Host.QueryAsync("mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }", new { input = new { name = "a\0b" } });
        var email = await Host.QueryAsync("mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            new { input = new { name = "ok", emails = new[] { new { value = "ann@example.com" }, new { value = "x\0@example.com" } } } });

        ShouldBeRefusedAt(name, "$input.name");
        ShouldBeRefusedAt(email, "$input.emails[1].value");
        Assert.Equal(before, await Host.CountAsync("contacts"));
    }

    [Fact]
    public async Task In_a_custom_text_field()
    {
        var field = await Host.CreateFieldAsync(new { entityType = "CONTACT", code = CustomFieldHelpers.NewCode("NUL"), type = "STRING", label = "Nul", multiple = true });
        var name = field["fieldName"]!.GetValue<string>();
        try
        {
            var before = await Host.CountAsync("contacts");

            var response = await Host.QueryAsync("mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
                new { input = new Dictionary<string, object> { ["name"] = "ok", [name] = new[] { "fine", "x\0" } } });

            ShouldBeRefusedAt(response, $"$input.{name}[1]");
            Assert.Equal(before, await Host.CountAsync("contacts"));
        }
        finally
        {
            await Host.DeleteFieldAsync(field["id"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Other_control_characters_are_still_text()
    {
        var id = await Host.CreateContactAsync(new { name = "tab\there" });

        var response = (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { name } }", new { id })).ShouldSucceed();

        Assert.Equal("tab\there", response.Data!["contact"]!["name"]!.GetValue<string>());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class NulCharacterOnSqlite(SqliteHost fixture) : NulCharacterTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class NulCharacterOnPostgres(PostgresHost fixture) : NulCharacterTests(fixture), IClassFixture<PostgresHost>;
