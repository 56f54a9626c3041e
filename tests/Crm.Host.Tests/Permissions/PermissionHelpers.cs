using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Permissions;

/// <summary>Users, roles, sign-in and keys through GraphQL, as an admin front end would.</summary>
public static class PermissionHelpers
{
    public const string Password = "correct horse battery";

    public static string NewEmail(string prefix) => $"{Records.NewMarker(prefix)}@example.com";

    /// <summary>Runs a mutation as <paramref name="apiKey"/> and returns its payload (which may hold errors).</summary>
    public static async Task<JsonNode> MutateAsync(this CrmHost host, string field, string mutation, object? variables = null, string? apiKey = CrmHost.AdminKey)
    {
        var response = (await host.QueryAsync(mutation, variables, apiKey)).ShouldSucceed();
        return response.Data![field]!;
    }

    /// <summary>The payload's only error code (fails when there is none).</summary>
    public static string ErrorCode(this JsonNode payload)
    {
        var errors = payload["errors"]!.AsArray();
        Assert.True(errors.Count > 0, $"Expected a refusal, got {payload.ToJsonString()}");
        return errors[0]!["code"]!.GetValue<string>();
    }

    public static string ErrorPath(this JsonNode payload) =>
        string.Join(".", payload["errors"]![0]!["path"]!.AsArray().Select(p => p!.GetValue<string>()));

    public static JsonNode Ok(this JsonNode payload)
    {
        Assert.True(payload["errors"]!.AsArray().Count == 0, $"Refused: {payload.ToJsonString()}");
        return payload;
    }

    public static async Task<string> CreateUserAsync(this CrmHost host, object input, string? apiKey = CrmHost.AdminKey)
    {
        var payload = await host.MutateAsync("createUser",
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code message path } } }", new { input }, apiKey);
        return payload.Ok()["user"]!["id"]!.GetValue<string>();
    }

    public static async Task<string> CreateDepartmentAsync(this CrmHost host, string name, string? parentId = null)
    {
        var payload = await host.MutateAsync("createDepartment",
            "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { id } errors { code message path } } }",
            new { input = new { name, parentId } });
        return payload.Ok()["department"]!["id"]!.GetValue<string>();
    }

    public static async Task<string> CreateGroupAsync(this CrmHost host, string name, params string[] memberIds)
    {
        var payload = await host.MutateAsync("createGroup",
            "mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id } errors { code message path } } }",
            new { input = new { name, memberIds } });
        return payload.Ok()["group"]!["id"]!.GetValue<string>();
    }

    public static async Task<string> CreateRoleAsync(this CrmHost host, string name, object[] permissions, bool canConfigure = false)
    {
        var payload = await host.MutateAsync("createRole",
            "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } errors { code message path } } }",
            new { input = new { name = Records.NewMarker(name), permissions, canConfigure } });
        return payload.Ok()["role"]!["id"]!.GetValue<string>();
    }

    public const string AssignMutation =
        "mutation($roleId: ID!, $userId: ID, $departmentId: ID, $groupId: ID, $sub: Boolean) { assignRole(roleId: $roleId, userId: $userId, departmentId: $departmentId, groupId: $groupId, withSubdepartments: $sub) { role { id assignments { userId departmentId groupId withSubdepartments } } errors { code message path } } }";

    public const string UnassignMutation =
        "mutation($roleId: ID!, $userId: ID, $departmentId: ID, $groupId: ID, $sub: Boolean) { unassignRole(roleId: $roleId, userId: $userId, departmentId: $departmentId, groupId: $groupId, withSubdepartments: $sub) { role { id assignments { userId departmentId groupId withSubdepartments } } errors { code message path } } }";

    public static Task<JsonNode> AssignAsync(this CrmHost host, string roleId, string? userId = null, string? departmentId = null, string? groupId = null, bool sub = false, string? apiKey = CrmHost.AdminKey) =>
        host.MutateAsync("assignRole", AssignMutation, new { roleId, userId, departmentId, groupId, sub }, apiKey);

    public static Task<JsonNode> LoginAsync(this CrmHost host, string email, string password) =>
        host.MutateAsync("login", "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken expiresAt errors { code message path } } }",
            new { email, password }, apiKey: null);

    public static async Task<string> CreateApiKeyAsync(this CrmHost host, string userId, DateTimeOffset? expiresAt = null)
    {
        var payload = await host.MutateAsync("createApiKey",
            "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id userId } errors { code message path } } }",
            new { input = new { userId, name = "test key", expiresAt } });
        return payload.Ok()["key"]!.GetValue<string>();
    }

    /// <summary>A new person with a password, their id and an API key acting as them.</summary>
    public static async Task<(string Id, string Email, string Key)> NewUserWithKeyAsync(this CrmHost host, string prefix, params string[] departmentIds)
    {
        var email = NewEmail(prefix);
        var id = await host.CreateUserAsync(new { email, name = prefix, password = Password, departmentIds });
        return (id, email, await host.CreateApiKeyAsync(id));
    }
}
