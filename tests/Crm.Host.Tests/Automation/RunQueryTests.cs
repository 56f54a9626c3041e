using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// <c>automationRuns(where:, first:, after:)</c>: by rule, record, status and start time, a page at a
/// time from a run's id; whoever may read a record sees its runs, the settings right sees all; one
/// statement per page whatever its size.
/// </summary>
public abstract class RunQueryTests(AutomationHost fixture)
{
    private const string Runs = "query($where: AutomationRunFilter, $first: Int, $after: ID) { automationRuns(where: $where, first: $first, after: $after) { id ruleId entityId status } }";

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private async Task<string> ManualRuleAsync(object? condition)
    {
        var input = new { name = "Listed", trigger = new { kind = "platform.manual" }, condition, actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { sourceDescription = "listed" } } } } };
        var id = Str((await Host.MutateAsync("createAutomationRule", "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }", new { input })).Ok()["rule"]!["id"]);
        (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message } } }", new { id })).Ok();
        return id;
    }

    private async Task StartAsync(string rule, string deal) =>
        (await Host.MutateAsync("startAutomationRule", "mutation($r: ID!, $d: ID!) { startAutomationRule(ruleId: $r, recordId: $d) { run { id } errors { code message } } }", new { r = rule, d = deal })).Ok();

    private async Task<List<JsonNode>> ListAsync(object where, int? first = null, string? after = null, string? apiKey = CrmHost.AdminKey) =>
        (await Host.QueryAsync(Runs, new { where, first, after }, apiKey)).ShouldSucceed().Data!["automationRuns"]!.AsArray().Select(r => r!).ToList();

    [Fact]
    public async Task Runs_are_filtered_paged_and_shown_to_whoever_may_read_their_records()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("own-deals");
        var role = await Host.CreateRoleAsync("Own deals ", [new { entityType = "DEAL", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId: userId)).Ok();
        var mine = await Host.CreateDealAsync(new { title = "Mine", assignedById = userId });
        var theirs = await Host.CreateDealAsync(new { title = "Theirs" });
        var listed = await ManualRuleAsync(null);
        var skipped = await ManualRuleAsync(new { field = "title", op = "eq", value = "never" });
        for (var i = 0; i < 5; i++)
        {
            await StartAsync(listed, mine);
        }

        await StartAsync(listed, theirs);
        await StartAsync(skipped, mine);

        // The settings right sees every run of the rule; the user, those of the deal they may read.
        Assert.Equal(6, (await ListAsync(new { ruleId = listed })).Count);
        var visible = await ListAsync(new { ruleId = listed }, apiKey: key);
        Assert.Equal(5, visible.Count);
        Assert.All(visible, r => Assert.Equal(mine, Str(r["entityId"])));
        Assert.Equal(6, (await ListAsync(new { }, apiKey: key)).Count);
        var refused = await Host.QueryAsync(Runs, new { where = new { entityType = "DEAL", entityId = theirs } }, key);
        Assert.Equal("FORBIDDEN", refused.ErrorCodes.Single());

        // Statuses, a record, a time window.
        var skippedRun = Assert.Single(await ListAsync(new { ruleId = skipped, statuses = new[] { "SKIPPED" } }));
        Assert.Equal(mine, Str(skippedRun["entityId"]));
        Assert.Empty(await ListAsync(new { ruleId = skipped, statuses = new[] { "SUCCEEDED", "FAILED" } }));
        Assert.Single(await ListAsync(new { ruleId = listed, entityType = "DEAL", entityId = theirs }));
        var later = DateTime.UtcNow.AddHours(1);
        Assert.Empty(await ListAsync(new { ruleId = listed, startedFrom = later }));
        Assert.Equal(6, (await ListAsync(new { ruleId = listed, startedFrom = later.AddHours(-3), startedTo = later })).Count);

        // Pages from the last run seen, newest first, nothing twice.
        var seen = new List<string>();
        string? after = null;
        for (var page = 0; page < 3; page++)
        {
            var runs = await ListAsync(new { ruleId = listed }, first: 2, after: after, apiKey: key);
            seen.AddRange(runs.Select(r => Str(r["id"])));
            after = seen[^1];
        }

        Assert.Equal(visible.Select(r => Str(r["id"])), seen);

        // One statement per page, whatever its size.
        var small = await Host.QueryAsync(Runs, new { where = new { ruleId = listed }, first = 1 }, key);
        var large = await Host.QueryAsync(Runs, new { where = new { ruleId = listed }, first = 200 }, key);
        Assert.Equal(small.ShouldSucceed().Statements, large.ShouldSucceed().Statements);
    }

    [Fact]
    public async Task A_filter_over_its_limits_is_refused_before_anything_is_read()
    {
        var statuses = Enumerable.Repeat("FAILED", 100).ToArray();
        Assert.Equal("LIMIT_EXCEEDED", (await Host.QueryAsync(Runs, new { where = new { statuses } })).ErrorCodes.Single());
        Assert.Equal("LIMIT_EXCEEDED", (await Host.QueryAsync(Runs, new { first = 2_000 })).ErrorCodes.Single());
        Assert.Equal("INVALID_CURSOR", (await Host.QueryAsync(Runs, new { after = "12" })).ErrorCodes.Single());
        Assert.Equal("INVALID_FORMAT", (await Host.QueryAsync(Runs, new { where = new { entityId = "5" } })).ErrorCodes.Single());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RunQueryOnSqlite(AutomationSqliteHost fixture) : RunQueryTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RunQueryOnPostgres(AutomationPostgresHost fixture) : RunQueryTests(fixture), IClassFixture<AutomationPostgresHost>;
