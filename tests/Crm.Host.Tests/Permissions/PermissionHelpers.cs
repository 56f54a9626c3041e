using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

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

    public const string LoginMutation =
        "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken expiresAt retryAt errors { code message path } } }";

    public const string RefreshMutation =
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken expiresAt errors { code message path } } }";

    private static int _addresses;

    /// <summary>
    /// An address no other call of this test run comes from (198.18.0.0/15, the benchmarking
    /// range): sign-in budgets and throttles count per client address.
    /// </summary>
    public static string NewClientAddress()
    {
        var n = Interlocked.Increment(ref _addresses);
        return $"198.{18 + n / 65_024}.{n / 254 % 256}.{n % 254 + 1}";
    }

    /// <summary>Signs in; each call comes from an address of its own unless <paramref name="from"/> names one.</summary>
    public static async Task<JsonNode> LoginAsync(this WebApplicationFactory<Program> host, string email, string password, string? from = null)
    {
        var response = (await host.PostFromAsync(from ?? NewClientAddress(), LoginMutation, new { email, password })).ShouldSucceed();
        return response.Data!["login"]!;
    }

    public static async Task<JsonNode> RefreshAsync(this WebApplicationFactory<Program> host, string refreshToken)
    {
        var response = (await host.PostFromAsync(NewClientAddress(), RefreshMutation, new { t = refreshToken })).ShouldSucceed();
        return response.Data!["refreshToken"]!;
    }

    /// <summary>Posts a query from a client address (null: none, as in-process requests have), with a bearer credential when given.</summary>
    public static async Task<GraphQLResponse> PostFromAsync(this WebApplicationFactory<Program> host, string? clientAddress, string query, object? variables = null,
        string? bearer = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { query, variables }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        if (clientAddress is not null)
        {
            request.Headers.Add(CrmHost.ClientAddressHeader, clientAddress);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        return await GraphQLResponse.ReadAsync(response);
    }

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

    /// <summary>Asserts a 401 UNAUTHENTICATED and returns its reason (<c>extensions.data.reason</c>) and message.</summary>
    public static (string? Reason, string Message) ShouldBeUnauthenticated(this GraphQLResponse response)
    {
        Assert.True(response.Status == System.Net.HttpStatusCode.Unauthorized, $"Expected 401, got {(int)response.Status}: {response.Body.ToJsonString()}");
        var error = Assert.Single(response.Errors)!;
        Assert.Equal("UNAUTHENTICATED", error["extensions"]!["code"]!.GetValue<string>());
        return (error["extensions"]!["data"]?["reason"]?.GetValue<string>(), error["message"]!.GetValue<string>());
    }
}
