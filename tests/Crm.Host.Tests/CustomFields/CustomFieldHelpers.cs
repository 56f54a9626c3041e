using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.CustomFields;

/// <summary>Defining custom fields through GraphQL, as an admin front end would.</summary>
public static class CustomFieldHelpers
{
    /// <summary>A code unique to one test: UF_CRM_ plus a marker.</summary>
    public static string NewCode(string name) => $"UF_CRM_{name}_{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}";

    public static string FieldName(string code) => Crm.PluginSdk.CustomFields.CustomFieldSpec.GraphName(code);

    public static async Task<JsonNode> CreateFieldAsync(this CrmHost host, object input)
    {
        var response = (await host.QueryAsync(
            "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id code fieldName type multiple items { id value } } errors { code message path } } }",
            new { input })).ShouldSucceed();
        var payload = response.Data!["createCustomField"]!;
        Assert.True(payload["errors"]!.AsArray().Count == 0, $"createCustomField refused: {payload.ToJsonString()}");
        return payload["customField"]!;
    }

    public static async Task<JsonNode> CreateFieldRefusedAsync(this CrmHost host, object input)
    {
        var response = (await host.QueryAsync(
            "mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id } errors { code message path } } }",
            new { input })).ShouldSucceed();
        var payload = response.Data!["createCustomField"]!;
        Assert.Null(payload["customField"]);
        return payload["errors"]![0]!;
    }

    public static async Task DeleteFieldAsync(this CrmHost host, string id)
    {
        var response = (await host.QueryAsync(
            "mutation($id: ID!) { deleteCustomField(id: $id, confirmDataLoss: true) { deletedId errors { code message } } }", new { id })).ShouldSucceed();
        Assert.Equal(id, response.Data!["deleteCustomField"]!["deletedId"]!.GetValue<string>());
    }

    /// <summary>A new active user (an integration, which needs no password), for employee fields.</summary>
    public static async Task<string> CreateUserAsync(this CrmHost host, string name)
    {
        var response = (await host.QueryAsync(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code message } } }",
            new { input = new { email = $"{name}.{Guid.NewGuid():N}@example.com", name, kind = "INTEGRATION" } })).ShouldSucceed();
        return response.Data!["createUser"]!["user"]!["id"]!.GetValue<string>();
    }

    public static async Task<IReadOnlyList<string>> TypeFieldsAsync(this CrmHost host, string typeName)
    {
        var response = (await host.QueryAsync("query($name: String!) { __type(name: $name) { fields { name } inputFields { name } } }", new { name = typeName })).ShouldSucceed();
        var type = response.Data!["__type"]!;
        var fields = (type["fields"] as JsonArray) ?? (type["inputFields"] as JsonArray) ?? [];
        return fields.Select(f => f!["name"]!.GetValue<string>()).ToList();
    }
}
