using System.Text.Json.Nodes;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Querying;

/// <summary>
/// <c>dealsSummary</c> and its kind for every record type: groups counted and summed over every
/// record the list with the same filter shows (within the reader's rights), in one statement.
/// </summary>
public abstract class SummaryTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private const string Summary = """
        query($where: DealFilterInput, $groupBy: [DealSummaryGroupField!]!, $sum: [DealSummarySumField!], $first: Int) {
          dealsSummary(where: $where, groupBy: $groupBy, sum: $sum, first: $first) { groups { key count sums { field value } } hasMoreGroups }
        }
        """;

    private static object Marked(string marker) => new { title = new { startsWith = marker } };

    private static Dictionary<string, (int Count, decimal? Sum)> Groups(JsonNode summary) =>
        summary["groups"]!.AsArray().ToDictionary(
            g => string.Join("|", g!["key"]!.AsArray().Select(k => k?.GetValue<string>() ?? "-")),
            g => (g!["count"]!.GetValue<int>(), g["sums"]!.AsArray().FirstOrDefault()?["value"]?.GetValue<decimal>()));

    private async Task<JsonNode> AdminAsync(string query, object variables)
    {
        var payload = (await Host.QueryAsync(query, variables)).ShouldSucceed().Data!.AsObject().Single().Value!;
        Assert.True(payload["errors"] is not JsonArray { Count: > 0 }, payload.ToJsonString());
        return payload;
    }

    /// <summary>A user with a role of <paramref name="permissions"/> and an API key acting as them.</summary>
    private async Task<(string Id, string Token)> UserAsync(string marker, object[] permissions)
    {
        var id = (await AdminAsync("mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code message } } }",
            new { input = new { email = $"reader.{marker}@example.com", name = "Reader", lastName = marker } }))["user"]!["id"]!.GetValue<string>();
        var key = (await AdminAsync("mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key errors { code message } } }",
            new { input = new { userId = id, name = "summary" } }))["key"]!.GetValue<string>();
        var role = (await AdminAsync("mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } errors { code message } } }",
            new { input = new { name = $"Reader {marker}", permissions } }))["role"]!["id"]!.GetValue<string>();
        await AdminAsync("mutation($roleId: ID!, $userId: ID!) { assignRole(roleId: $roleId, userId: $userId) { errors { code message } } }", new { roleId = role, userId = id });
        return (id, key);
    }

    [Fact]
    public async Task Groups_by_stage_and_currency_count_and_sum_every_matching_deal_in_one_statement()
    {
        var marker = Records.NewMarker("Sg");
        decimal[] usd = [10.5m, 20m, 1.25m];
        foreach (var amount in usd)
        {
            await Host.CreateDealAsync(new { title = $"{marker} usd", opportunity = amount, currencyId = "USD" });
        }

        await Host.CreateDealAsync(new { title = $"{marker} eur", opportunity = 7m, currencyId = "EUR" });
        await Host.CreateDealAsync(new { title = $"{marker} won", opportunity = 100m, currencyId = "USD", stageId = "WON" });
        await Host.CreateDealAsync(new { title = "unmarked", opportunity = 1_000m, currencyId = "USD" });

        var response = (await Host.QueryAsync(Summary, new { where = Marked(marker), groupBy = new[] { "stageId", "currencyId" }, sum = new[] { "opportunity" } })).ShouldSucceed();
        var summary = response.Data!["dealsSummary"]!;
        Assert.Equal(new Dictionary<string, (int, decimal?)>
        {
            ["NEW|USD"] = (3, 31.75m),
            ["NEW|EUR"] = (1, 7m),
            ["WON|USD"] = (1, 100m),
        }, Groups(summary));
        // The largest group first.
        Assert.Equal(["NEW", "USD"], summary["groups"]![0]!["key"]!.AsArray().Select(k => k!.GetValue<string>()));
        Assert.False(summary["hasMoreGroups"]!.GetValue<bool>());
        Assert.Equal("opportunity", summary["groups"]![0]!["sums"]![0]!["field"]!.GetValue<string>());
        Assert.Equal(1, response.Statements);

        // One group field, no sums; 'first' leaves the smaller groups out and says so.
        var byStage = (await Host.QueryAsync(Summary, new { where = Marked(marker), groupBy = new[] { "stageId" }, first = 1 })).ShouldSucceed().Data!["dealsSummary"]!;
        Assert.Equal(new Dictionary<string, (int, decimal?)> { ["NEW"] = (4, null) }, Groups(byStage));
        Assert.True(byStage["hasMoreGroups"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_custom_number_field_is_summed_and_a_reader_sees_only_what_the_list_shows_them()
    {
        var marker = Records.NewMarker("Sc");
        var code = CustomFieldHelpers.NewCode("UNITS");
        var units = (await Host.CreateFieldAsync(new { entityType = "DEAL", code, type = "INTEGER", label = "Units", filterable = true }))["fieldName"]!.GetValue<string>();
        var reader = await UserAsync(marker, [new { entityType = "DEAL", action = "READ", level = "OWN" }]);
        await Host.CreateDealAsync(new Dictionary<string, object> { ["title"] = $"{marker} mine", ["opportunity"] = 5m, ["assignedById"] = reader.Id, [units] = 3 });
        await Host.CreateDealAsync(new Dictionary<string, object> { ["title"] = $"{marker} mine too", ["opportunity"] = 6m, ["assignedById"] = reader.Id, [units] = 4 });
        await Host.CreateDealAsync(new Dictionary<string, object> { ["title"] = $"{marker} theirs", ["opportunity"] = 50m, [units] = 40 });
        const string query = Summary;
        var variables = new { where = Marked(marker), groupBy = new[] { "currencyId" }, sum = new[] { units, "opportunity" } };

        var all = (await Host.QueryAsync(query, variables)).ShouldSucceed().Data!["dealsSummary"]!["groups"]![0]!;
        Assert.Equal(3, all["count"]!.GetValue<int>());
        Assert.Equal([47m, 61m], all["sums"]!.AsArray().Select(s => s!["value"]!.GetValue<decimal>()));

        var mine = await Host.QueryAsync(query, variables, apiKey: reader.Token);
        var group = mine.ShouldSucceed().Data!["dealsSummary"]!["groups"]![0]!;
        Assert.Equal(2, group["count"]!.GetValue<int>());
        Assert.Equal([7m, 11m], group["sums"]!.AsArray().Select(s => s!["value"]!.GetValue<decimal>()));
        var list = (await Host.QueryAsync("query($where: DealFilterInput) { deals(where: $where) { totalCount } }", new { where = Marked(marker) }, apiKey: reader.Token)).ShouldSucceed();
        Assert.Equal(2, list.Data!["deals"]!["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task Ten_times_the_limits_are_refused_before_any_statement()
    {
        string[] fields = [.. Enumerable.Repeat("stageId", 20)];
        var groups = await Host.QueryAsync(Summary, new { groupBy = fields });
        Assert.Equal(["LIMIT_EXCEEDED"], groups.ErrorCodes);
        var sums = await Host.QueryAsync(Summary, new { groupBy = new[] { "stageId" }, sum = Enumerable.Repeat("opportunity", 40) });
        Assert.Equal(["LIMIT_EXCEEDED"], sums.ErrorCodes);
        var first = await Host.QueryAsync(Summary, new { groupBy = new[] { "stageId" }, first = 10_000 });
        Assert.Equal(["LIMIT_EXCEEDED"], first.ErrorCodes);
        Assert.Equal(0, first.Statements);
        var none = await Host.QueryAsync(Summary, new { groupBy = Array.Empty<string>() });
        Assert.Equal(["VALIDATION"], none.ErrorCodes);
        // A field that cannot be grouped by or summed is not in its enumeration at all.
        Assert.Equal(["VALIDATION"], (await Host.QueryAsync(Summary, new { groupBy = new[] { "phones" } })).ErrorCodes);
        Assert.Equal(["VALIDATION"], (await Host.QueryAsync(Summary, new { groupBy = new[] { "stageId" }, sum = new[] { "title" } })).ErrorCodes);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class SummaryTestsOnSqlite(SqliteHost fixture) : SummaryTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class SummaryTestsOnPostgres(PostgresHost fixture) : SummaryTests(fixture), IClassFixture<PostgresHost>;
