using System.Text.Json.Nodes;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>Creating and reading records through GraphQL, as a client would.</summary>
public static class Records
{
    /// <summary>A text unique to one test, to tell its records from those of other tests in the same database.</summary>
    public static string NewMarker(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    public static async Task<string> CreateContactAsync(this CrmHost host, object input) =>
        await CreateAsync(host, "Contact", "contact", input);

    public static async Task<string> CreateCompanyAsync(this CrmHost host, object input) =>
        await CreateAsync(host, "Company", "company", input);

    public static async Task<string> CreateDealAsync(this CrmHost host, object input) =>
        await CreateAsync(host, "Deal", "deal", input);

    public static async Task<string> CreateLeadAsync(this CrmHost host, object input) =>
        await CreateAsync(host, "Lead", "lead", input);

    private static async Task<string> CreateAsync(CrmHost host, string type, string field, object input)
    {
        var response = (await host.QueryAsync(
            $"mutation($input: Create{type}Input!) {{ create{type}(input: $input) {{ {field} {{ id }} errors {{ code message path }} }} }}",
            new { input })).ShouldSucceed();
        var payload = response.Data![$"create{type}"]!;
        Assert.True(payload["errors"]!.AsArray().Count == 0, $"create{type} refused: {payload.ToJsonString()}");
        return payload[field]!["id"]!.GetValue<string>();
    }

    /// <summary>
    /// Leaves a record without an assignee: a new record is its author's (user 1 for the
    /// bootstrap key) even when created with a null assignee, so it is cleared afterwards.
    /// </summary>
    public static async Task<string> UnassignedAsync(this CrmHost host, string type, Task<string> created)
    {
        var id = await created;
        var response = (await host.QueryAsync(
            $"mutation($id: ID!) {{ update{type}(id: $id, input: {{ assignedById: null }}) {{ errors {{ code message path }} }} }}", new { id })).ShouldSucceed();
        var errors = response.Data![$"update{type}"]!["errors"]!.AsArray();
        Assert.True(errors.Count == 0, $"update{type} refused: {errors.ToJsonString()}");
        return id;
    }

    public static IReadOnlyList<string> Ids(JsonNode? nodes) =>
        nodes!.AsArray().Select(n => n!["id"]!.GetValue<string>()).ToList();

    /// <summary>The ids of the records with the given indexes, in that order.</summary>
    public static IReadOnlyList<string> Pick(this IReadOnlyList<string> ids, params int[] indexes) =>
        indexes.Select(i => ids[i]).ToList();
}
