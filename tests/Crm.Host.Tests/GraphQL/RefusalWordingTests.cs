using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// Every module, the host and the SDK read ids one way and refuse them, and missing or hidden
/// records, in the same words (the SDK's <c>RecordIds</c> and <c>Refusals</c>): a client can tell
/// what went wrong the same way wherever it happened.
/// </summary>
public abstract class RefusalWordingTests(HostFixture fixture)
{
    private const string Missing = "987654321";

    private CrmHost Host => fixture.Host;

    public static TheoryData<string, string, string> FieldErrors => new()
    {
        { """{ contact(id: "abc") { id } }""", "INVALID_ID", "'id': 'abc' is not a valid contact id." },
        { $$"""{ contact(id: "{{Missing}}") { id } }""", "NOT_FOUND", $"There is no contact with id {Missing}." },
        { """{ user(id: "-1") { id } }""", "INVALID_ID", "'id': '-1' is not a valid user id." },
        { $$"""{ user(id: "{{Missing}}") { id } }""", "NOT_FOUND", $"There is no user with id {Missing}." },
        { """{ users(after: "x") { id } }""", "INVALID_ID", "'after': 'x' is not a valid user id." },
        { """{ customField(id: "1.5") { id } }""", "INVALID_ID", "'id': '1.5' is not a valid custom field id." },
        { $$"""{ customField(id: "{{Missing}}") { id } }""", "NOT_FOUND", $"There is no custom field with id {Missing}." },
        { """{ pipeline(id: "x") { id } }""", "INVALID_ID", "'id': 'x' is not a valid pipeline id." },
        { $$"""{ pipeline(id: "{{Missing}}") { id } }""", "NOT_FOUND", $"There is no pipeline with id {Missing}." },
        { """mutation { updatePipeline(id: "-1", input: { name: "x" }) { errors { code } } }""", "INVALID_ID", "'id': '-1' is not a valid pipeline id." },
        { """{ deals(where: { companyId: { eq: "x" } }) { totalCount } }""", "INVALID_ID", "'where.companyId.eq': 'x' is not a valid id." },
    };

    public static TheoryData<string, string, string, string, string> UserErrors => new()
    {
        { """mutation { updateContact(id: "abc", input: { name: "x" }) { errors { code message path } } }""", "updateContact", "INVALID_ID", "'abc' is not a valid contact id.", "id" },
        { $$"""mutation { updateContact(id: "{{Missing}}", input: { name: "x" }) { errors { code message path } } }""", "updateContact", "NOT_FOUND", $"There is no contact with id {Missing}.", "id" },
        { """mutation { deleteDeal(id: "0") { errors { code message path } } }""", "deleteDeal", "INVALID_ID", "'0' is not a valid deal id.", "id" },
        { $$"""mutation { deleteDeal(id: "{{Missing}}") { errors { code message path } } }""", "deleteDeal", "NOT_FOUND", $"There is no deal with id {Missing}.", "id" },
        { """mutation { createContact(input: { name: "x", companyIds: ["x"] }) { errors { code message path } } }""", "createContact", "INVALID_ID", "'x' is not a valid id.", "input/companyIds/0" },
        { $$"""mutation { createContact(input: { name: "x", companyIds: ["{{Missing}}"] }) { errors { code message path } } }""", "createContact", "NOT_FOUND", $"There is no company with id {Missing}.", "input/companyIds/0" },
        { $$"""mutation { createDeal(input: { title: "x", companyId: "{{Missing}}" }) { errors { code message path } } }""", "createDeal", "NOT_FOUND", $"There is no company with id {Missing}.", "input/companyId" },
        { """mutation { createContact(input: { name: "x", assignedById: "x" }) { errors { code message path } } }""", "createContact", "INVALID_ID", "'input.assignedById': 'x' is not a valid id.", "input/assignedById" },
        { """mutation { convertLead(id: "x", input: { createContact: true }) { errors { code message path } } }""", "convertLead", "INVALID_ID", "'x' is not a valid lead id.", "id" },
        { $$"""mutation { convertLead(id: "{{Missing}}", input: { createContact: true }) { errors { code message path } } }""", "convertLead", "NOT_FOUND", $"There is no lead with id {Missing}.", "id" },
        { """mutation { updateUser(id: "x", input: { name: "x" }) { errors { code message path } } }""", "updateUser", "INVALID_ID", "'x' is not a valid user id.", "id" },
        { $$"""mutation { updateUser(id: "{{Missing}}", input: { name: "x" }) { errors { code message path } } }""", "updateUser", "NOT_FOUND", $"There is no user with id {Missing}.", "id" },
        { """mutation { createUser(input: { email: "wording@example.com", name: "x", departmentIds: ["d"] }) { errors { code message path } } }""", "createUser", "INVALID_ID", "'d' is not a valid department id.", "input/departmentIds/0" },
        { """mutation { createGroup(input: { name: "x", memberIds: ["u"] }) { errors { code message path } } }""", "createGroup", "INVALID_ID", "'u' is not a valid user id.", "input/memberIds/0" },
        { $$"""mutation { updateGroup(id: "{{Missing}}", input: { name: "x" }) { errors { code message path } } }""", "updateGroup", "NOT_FOUND", $"There is no group with id {Missing}.", "id" },
        { """mutation { createDepartment(input: { name: "x", headId: "h" }) { errors { code message path } } }""", "createDepartment", "INVALID_ID", "'h' is not a valid user id.", "input/headId" },
        { $$"""mutation { createDepartment(input: { name: "x", parentId: "{{Missing}}" }) { errors { code message path } } }""", "createDepartment", "NOT_FOUND", $"There is no department with id {Missing}.", "input/parentId" },
        { """mutation { deleteRole(id: "r") { errors { code message path } } }""", "deleteRole", "INVALID_ID", "'r' is not a valid role id.", "id" },
        { $$"""mutation { deleteRole(id: "{{Missing}}") { errors { code message path } } }""", "deleteRole", "NOT_FOUND", $"There is no role with id {Missing}.", "id" },
        { """mutation { assignRole(roleId: "1", userId: "u") { errors { code message path } } }""", "assignRole", "INVALID_ID", "'u' is not a valid user id.", "userId" },
        { """mutation { revokeApiKey(id: "k") { errors { code message path } } }""", "revokeApiKey", "INVALID_ID", "'k' is not a valid API key id.", "id" },
        { $$"""mutation { revokeApiKey(id: "{{Missing}}") { errors { code message path } } }""", "revokeApiKey", "NOT_FOUND", $"There is no API key with id {Missing}.", "id" },
        { """mutation { createApiKey(input: { userId: "u", name: "x" }) { errors { code message path } } }""", "createApiKey", "INVALID_ID", "'u' is not a valid user id.", "input/userId" },
        { $$"""mutation { createApiKey(input: { userId: "{{Missing}}", name: "x" }) { errors { code message path } } }""", "createApiKey", "NOT_FOUND", $"There is no active user with id {Missing}.", "input/userId" },
        { """mutation { updateCustomField(id: "c", input: { label: "x" }) { errors { code message path } } }""", "updateCustomField", "INVALID_ID", "'c' is not a valid custom field id.", "id" },
        { $$"""mutation { deleteCustomField(id: "{{Missing}}") { errors { code message path } } }""", "deleteCustomField", "NOT_FOUND", $"There is no custom field with id {Missing}.", "id" },
        { """mutation { reorderCustomFields(entityType: DEAL, ids: ["c"]) { errors { code message path } } }""", "reorderCustomFields", "INVALID_ID", "'c' is not a valid custom field id.", "ids" },
    };

    [Theory]
    [MemberData(nameof(FieldErrors))]
    public async Task A_field_refuses_an_id_in_the_one_wording(string query, string code, string message)
    {
        var response = await Host.QueryAsync(query);

        var error = Assert.Single(response.Errors)!;
        Assert.Equal((code, message), (error["extensions"]!["code"]!.GetValue<string>(), error["message"]!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(UserErrors))]
    public async Task A_mutation_refuses_an_id_in_the_one_wording(string mutation, string field, string code, string message, string path)
    {
        var payload = await Host.MutateAsync(field, mutation);

        var error = Assert.Single(payload["errors"]!.AsArray())!;
        Assert.Equal(
            (code, message, path),
            (error["code"]!.GetValue<string>(), error["message"]!.GetValue<string>(), string.Join('/', error["path"]!.AsArray().Select(p => p!.GetValue<string>()))));
    }

    [Fact]
    public async Task A_record_the_caller_may_not_reach_is_refused_in_words_that_do_not_say_whether_it_exists()
    {
        var contactId = await Host.CreateContactAsync(new { name = "Hidden" });
        var (_, _, key) = await Host.NewUserWithKeyAsync("norights");

        var read = await Host.QueryAsync($$"""{ contact(id: "{{contactId}}") { id } }""", apiKey: key);
        var update = await Host.MutateAsync("updateContact", $$"""mutation { updateContact(id: "{{contactId}}", input: { name: "x" }) { errors { code message path } } }""", apiKey: key);
        var readMissing = await Host.QueryAsync($$"""{ contact(id: "{{Missing}}") { id } }""", apiKey: key);

        var error = Assert.Single(read.Errors)!;
        Assert.Equal(("FORBIDDEN", $"You may not read contact {contactId}, or there is no such contact."), (error["extensions"]!["code"]!.GetValue<string>(), error["message"]!.GetValue<string>()));
        Assert.Equal($"You may not change contact {contactId}, or there is no such contact.", Assert.Single(update["errors"]!.AsArray())!["message"]!.GetValue<string>());
        Assert.Equal($"You may not read contact {Missing}, or there is no such contact.", Assert.Single(readMissing.Errors)!["message"]!.GetValue<string>());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RefusalWordingOnSqlite(SqliteHost fixture) : RefusalWordingTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RefusalWordingOnPostgres(PostgresHost fixture) : RefusalWordingTests(fixture), IClassFixture<PostgresHost>;
