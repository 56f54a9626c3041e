using System.Net;
using Crm.Host.Tests.Infrastructure;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// Bad input gets a precise error (code, and path for a mutation's input) and leaves the
/// database as it was: each test counts the records before and after.
/// </summary>
public abstract class BadInputTests(HostFixture fixture)
{
    private const string CreateContact = """
        mutation($input: CreateContactInput!) {
          createContact(input: $input) { contact { id } errors { code message path } }
        }
        """;

    private const string UpdateContact = """
        mutation($id: ID!, $input: UpdateContactInput!) {
          updateContact(id: $id, input: $input) { contact { id name } errors { code message path } }
        }
        """;

    private const string DeleteContact = """
        mutation($id: ID!) { deleteContact(id: $id) { deletedId errors { code message path } } }
        """;

    private const string MissingId = "987654321";

    private CrmHost Host => fixture.Host;

    private Task<int> ContactsAsync() => Host.CountAsync("contacts");

    private async Task<string> CreateCompanyAsync(string title)
    {
        var response = (await Host.QueryAsync(
            "mutation($input: CreateCompanyInput!) { createCompany(input: $input) { company { id } errors { code } } }",
            new { input = new { title } })).ShouldSucceed();
        return response.Data!["createCompany"]!["company"]!["id"]!.GetValue<string>();
    }

    private async Task<string> CreateContactAsync(string name)
    {
        var response = (await Host.QueryAsync(CreateContact, new { input = new { name } })).ShouldSucceed();
        Assert.Empty(response.UserErrors("createContact"));
        return response.Data!["createContact"]!["contact"]!["id"]!.GetValue<string>();
    }

    private async Task<string?> NameOfAsync(string id) =>
        (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { name } }", new { id })).ShouldSucceed()
            .Data!["contact"]!["name"]?.GetValue<string>();

    /// <summary>A refused mutation: HTTP 200, no GraphQL errors, no record, exactly these user errors.</summary>
    private static void ShouldBeRefused(GraphQLResponse response, string field, string record, params (string Code, string Path)[] expected)
    {
        response.ShouldSucceed();
        Assert.False(response.Body.ContainsKey("errors"), response.Body.ToJsonString());
        Assert.Null(response.Data![field]![record]);
        Assert.Equal(expected, response.UserErrors(field));
    }

    [Fact]
    public async Task An_unknown_field_is_a_VALIDATION_error_and_nothing_runs()
    {
        var before = await DatabaseState.CaptureAsync(Host);

        var output = await Host.SendAsync(PostQuery("mutation { createContact(input: { name: \"Unknown\" }) { contact { id nickname } } }"));
        var input = await Host.SendAsync(PostQuery("mutation { createContact(input: { name: \"Unknown\", nickname: \"U\" }) { contact { id } } }"));

        Assert.Contains("nickname", output.ShouldBeRequestError(HttpStatusCode.BadRequest, "VALIDATION").Message(), StringComparison.Ordinal);
        Assert.Contains("nickname", input.ShouldBeRequestError(HttpStatusCode.BadRequest, "VALIDATION").Message(), StringComparison.Ordinal);
        Assert.Equal(0, output.Statements);
        await before.ShouldBeUnchangedAsync(Host, "An unknown field is a VALIDATION error and nothing runs");
    }

    [Fact]
    public async Task An_unknown_operation_name_is_refused_and_nothing_runs()
    {
        var before = await DatabaseState.CaptureAsync(Host);

        var response = await Host.SendAsync(PostQuery(
            "mutation Create { createContact(input: { name: \"Unnamed\" }) { contact { id } } } query Read { contacts { totalCount } }",
            operationName: "Remove"));

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.False(response.Body.ContainsKey("data"), response.Body.ToJsonString());
        var error = Assert.Single(response.Errors);
        Assert.Equal("INVALID_OPERATION_NAME", error!["extensions"]!["code"]!.GetValue<string>());
        Assert.Contains("Remove", error.Message(), StringComparison.Ordinal);
        await before.ShouldBeUnchangedAsync(Host, "An unknown operation name is refused and nothing runs");
    }

    [Fact]
    public async Task A_variable_of_the_wrong_type_is_a_VALIDATION_error_naming_it()
    {
        var response = await Host.SendAsync(PostQuery("query($first: Int) { contacts(first: $first) { totalCount } }", new { first = "abc" }));

        var error = response.ShouldBeRequestError(HttpStatusCode.BadRequest, "VALIDATION");
        Assert.Contains("$first", error.Message(), StringComparison.Ordinal);
        Assert.Equal(0, response.Statements);
    }

    [Theory]
    [InlineData("birthdate", "1 May 1990")]
    [InlineData("opened", "yes")]
    [InlineData("emails", "ann@example.com")]
    public async Task An_input_variable_of_the_wrong_type_is_a_VALIDATION_error_and_creates_nothing(string field, string value)
    {
        var before = await DatabaseState.CaptureAsync(Host);
        var input = new Dictionary<string, object?> { ["name"] = "Typed", [field] = value };

        var response = await Host.SendAsync(PostQuery(CreateContact, new { input }));

        var error = response.ShouldBeRequestError(HttpStatusCode.BadRequest, "VALIDATION");
        Assert.Contains("$input", error.Message(), StringComparison.Ordinal);
        await before.ShouldBeUnchangedAsync(Host, "An input variable of the wrong type is a VALIDATION error and creates nothing");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999")]
    public async Task An_id_that_is_not_a_record_id_is_INVALID_ID(string id)
    {
        var before = await DatabaseState.CaptureAsync(Host);

        var query = await Host.QueryAsync("query($id: ID!) { contact(id: $id) { id } }", new { id });
        var update = await Host.QueryAsync(UpdateContact, new { id, input = new { name = "Changed" } });
        var delete = await Host.QueryAsync(DeleteContact, new { id });

        Assert.Equal(HttpStatusCode.OK, query.Status);
        Assert.Equal(["INVALID_ID"], query.ErrorCodes);
        Assert.Null(query.Data!["contact"]);
        Assert.Equal("contact", query.Errors[0]!["path"]![0]!.GetValue<string>());
        ShouldBeRefused(update, "updateContact", "contact", ("INVALID_ID", "id"));
        Assert.Null(delete.ShouldSucceed().Data!["deleteContact"]!["deletedId"]);
        Assert.Equal([("INVALID_ID", "id")], delete.UserErrors("deleteContact"));
        await before.ShouldBeUnchangedAsync(Host, "An id that is not a record id is INVALID ID");
    }

    [Fact]
    public async Task A_literal_id_that_is_not_a_record_id_is_INVALID_ID()
    {
        var response = await Host.SendAsync(PostQuery("{ contact(id: \"abc\") { id name } }"));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(["INVALID_ID"], response.ErrorCodes);
        Assert.Contains("'abc'", response.Errors[0]!.Message(), StringComparison.Ordinal);
        Assert.Null(response.Data!["contact"]);
    }

    [Fact]
    public async Task A_missing_record_is_NOT_FOUND_to_read_update_or_delete()
    {
        var existing = await CreateContactAsync("Stays");
        var before = await DatabaseState.CaptureAsync(Host);

        var contact = await Host.QueryAsync("query($id: ID!) { contact(id: $id) { id } }", new { id = MissingId });
        var company = await Host.QueryAsync("query($id: ID!) { company(id: $id) { id } }", new { id = MissingId });
        var update = await Host.QueryAsync(UpdateContact, new { id = MissingId, input = new { name = "Changed" } });
        var delete = await Host.QueryAsync(DeleteContact, new { id = MissingId });

        Assert.Equal(["NOT_FOUND"], contact.ErrorCodes);
        Assert.Contains(MissingId, contact.Errors[0]!.Message(), StringComparison.Ordinal);
        Assert.Null(contact.Data!["contact"]);
        Assert.Equal(["NOT_FOUND"], company.ErrorCodes);
        Assert.Null(company.Data!["company"]);
        ShouldBeRefused(update, "updateContact", "contact", ("NOT_FOUND", "id"));
        Assert.Null(delete.ShouldSucceed().Data!["deleteContact"]!["deletedId"]);
        Assert.Equal([("NOT_FOUND", "id")], delete.UserErrors("deleteContact"));
        await before.ShouldBeUnchangedAsync(Host, "A missing record is NOT FOUND to read update or delete");
        Assert.Equal("Stays", await NameOfAsync(existing));
    }

    [Fact]
    public async Task A_name_longer_than_its_column_is_TOO_LONG()
    {
        var before = await DatabaseState.CaptureAsync(Host);

        var response = await Host.QueryAsync(CreateContact, new { input = new { name = new string('n', 51) } });

        ShouldBeRefused(response, "createContact", "contact", ("TOO_LONG", "input/name"));
        Assert.Contains("50", response.Data!["createContact"]!["errors"]![0]!.Message(), StringComparison.Ordinal);
        await before.ShouldBeUnchangedAsync(Host, "A name longer than its column is TOO LONG");
    }

    [Fact]
    public async Task A_name_exactly_as_long_as_its_column_is_saved()
    {
        var contacts = await ContactsAsync();
        var name = new string('n', 50);

        var id = await CreateContactAsync(name);

        Assert.Equal(name, await NameOfAsync(id));
        Assert.Equal(contacts + 1, await ContactsAsync());
    }

    [Fact]
    public async Task An_update_with_a_name_too_long_changes_nothing()
    {
        var id = await CreateContactAsync("Short");

        var response = await Host.QueryAsync(UpdateContact, new { id, input = new { name = new string('n', 51), post = "Changed" } });

        ShouldBeRefused(response, "updateContact", "contact", ("TOO_LONG", "input/name"));
        var after = (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { name post } }", new { id })).ShouldSucceed();
        Assert.Equal("Short", after.Data!["contact"]!["name"]!.GetValue<string>());
        Assert.Null(after.Data!["contact"]!["post"]);
    }

    [Fact]
    public async Task An_invalid_email_is_INVALID_FORMAT_at_its_position()
    {
        var before = await DatabaseState.CaptureAsync(Host);

        var first = await Host.QueryAsync(CreateContact, new { input = new { name = "Mail", emails = new[] { new { value = "not-an-email" } } } });
        var second = await Host.QueryAsync(CreateContact, new { input = new { name = "Mail", emails = new[] { new { value = "ann@example.com" }, new { value = "ann@" } } } });

        ShouldBeRefused(first, "createContact", "contact", ("INVALID_FORMAT", "input/emails/0/value"));
        ShouldBeRefused(second, "createContact", "contact", ("INVALID_FORMAT", "input/emails/1/value"));
        await before.ShouldBeUnchangedAsync(Host, "An invalid email is INVALID FORMAT at its position");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_contact_without_any_name_is_REQUIRED(string? name)
    {
        var before = await DatabaseState.CaptureAsync(Host);
        var input = name is null ? new Dictionary<string, object?> { ["post"] = "Nameless" } : new Dictionary<string, object?> { ["name"] = name, ["post"] = "Nameless" };

        var response = await Host.QueryAsync(CreateContact, new { input });

        ShouldBeRefused(response, "createContact", "contact", ("REQUIRED", "input/name"));
        await before.ShouldBeUnchangedAsync(Host, "A contact without any name is REQUIRED");
    }

    [Fact]
    public async Task Clearing_the_only_name_of_a_contact_is_REQUIRED()
    {
        var id = await CreateContactAsync("Only");

        var response = await Host.QueryAsync(UpdateContact, new { id, input = new Dictionary<string, object?> { ["name"] = null } });

        ShouldBeRefused(response, "updateContact", "contact", ("REQUIRED", "input/name"));
        Assert.Equal("Only", await NameOfAsync(id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task A_company_with_an_empty_title_is_REQUIRED(string title)
    {
        var before = await DatabaseState.CaptureAsync(Host);

        var response = await Host.QueryAsync(
            "mutation($input: CreateCompanyInput!) { createCompany(input: $input) { company { id } errors { code message path } } }",
            new { input = new { title } });

        ShouldBeRefused(response, "createCompany", "company", ("REQUIRED", "input/title"));
        await before.ShouldBeUnchangedAsync(Host, "A company with an empty title is REQUIRED");
    }

    [Fact]
    public async Task A_company_without_a_title_is_a_VALIDATION_error()
    {
        var before = await DatabaseState.CaptureAsync(Host);

        var response = await Host.SendAsync(PostQuery("mutation { createCompany(input: { industry: \"IT\" }) { company { id } } }"));

        Assert.Contains("title", response.ShouldBeRequestError(HttpStatusCode.BadRequest, "VALIDATION").Message(), StringComparison.Ordinal);
        await before.ShouldBeUnchangedAsync(Host, "A company without a title is a VALIDATION error");
    }

    [Fact]
    public async Task A_company_id_that_does_not_exist_is_NOT_FOUND_at_its_position()
    {
        var before = await DatabaseState.CaptureAsync(Host);

        var response = await Host.QueryAsync(CreateContact, new { input = new { name = "Linked", companyIds = new[] { MissingId } } });

        ShouldBeRefused(response, "createContact", "contact", ("NOT_FOUND", "input/companyIds/0"));
        Assert.Contains(MissingId, response.Data!["createContact"]!["errors"]![0]!.Message(), StringComparison.Ordinal);
        await before.ShouldBeUnchangedAsync(Host, "A company id that does not exist is NOT FOUND at its position");
    }

    [Fact]
    public async Task Company_id_errors_point_at_the_entry_as_sent()
    {
        var company = await CreateCompanyAsync("Positions " + Guid.NewGuid().ToString("N")[..8]);
        var before = await DatabaseState.CaptureAsync(Host);

        var afterInvalid = await Host.QueryAsync(CreateContact, new { input = new { name = "Linked", companyIds = new[] { "abc", MissingId } } });
        var afterDuplicate = await Host.QueryAsync(CreateContact, new { input = new { name = "Linked", companyIds = new[] { company, company, MissingId } } });

        ShouldBeRefused(afterInvalid, "createContact", "contact", ("INVALID_ID", "input/companyIds/0"), ("NOT_FOUND", "input/companyIds/1"));
        ShouldBeRefused(afterDuplicate, "createContact", "contact", ("NOT_FOUND", "input/companyIds/2"));
        await before.ShouldBeUnchangedAsync(Host, "Company id errors point at the entry as sent");
    }

    [Fact]
    public async Task Every_problem_of_an_input_is_reported_at_once()
    {
        var company = await CreateCompanyAsync("Several " + Guid.NewGuid().ToString("N")[..8]);
        var before = await DatabaseState.CaptureAsync(Host);

        var response = await Host.QueryAsync(CreateContact, new
        {
            input = new
            {
                name = new string('n', 51),
                post = new string('p', 256),
                phones = new[] { new { value = "call me" } },
                emails = new[] { new { value = "ann@example.com" }, new { value = "ann at example.com" } },
                assignedById = "someone",
                companyIds = new[] { company, MissingId },
            },
        });

        ShouldBeRefused(response, "createContact", "contact",
            ("TOO_LONG", "input/name"),
            ("TOO_LONG", "input/post"),
            ("INVALID_FORMAT", "input/phones/0/value"),
            ("INVALID_FORMAT", "input/emails/1/value"),
            ("INVALID_ID", "input/assignedById"),
            ("NOT_FOUND", "input/companyIds/1"));
        await before.ShouldBeUnchangedAsync(Host, "Every problem of an input is reported at once");
    }

    [Fact]
    public async Task Every_problem_of_an_update_is_reported_at_once_and_nothing_changes()
    {
        var id = await CreateContactAsync("Several");

        var response = await Host.QueryAsync(UpdateContact, new
        {
            id,
            input = new Dictionary<string, object?>
            {
                ["name"] = null,
                ["lastName"] = new string('l', 51),
                ["emails"] = new[] { new { value = "nope" } },
                ["companyIds"] = new[] { MissingId },
            },
        });

        ShouldBeRefused(response, "updateContact", "contact",
            ("TOO_LONG", "input/lastName"),
            ("INVALID_FORMAT", "input/emails/0/value"),
            ("NOT_FOUND", "input/companyIds/0"));
        var after = (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { name lastName emails { value } companies { id } } }", new { id })).ShouldSucceed();
        Assert.Equal("Several", after.Data!["contact"]!["name"]!.GetValue<string>());
        Assert.Null(after.Data!["contact"]!["lastName"]);
        Assert.Empty(after.Data!["contact"]!["emails"]!.AsArray());
        Assert.Empty(after.Data!["contact"]!["companies"]!.AsArray());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class BadInputOnSqlite(SqliteHost fixture) : BadInputTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class BadInputOnPostgres(PostgresHost fixture) : BadInputTests(fixture), IClassFixture<PostgresHost>;
