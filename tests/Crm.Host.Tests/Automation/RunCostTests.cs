using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// What a rule's run adds to delivering the event that starts it, in SQL statements: a skipped run
/// (its condition false) is the record's read as the run-as user and one statement that records it
/// ended; a run that acts is recorded PENDING, writes its step RUNNING in its action's transaction
/// (conditional on its lease), then is finished. The host of its
/// own (a class fixture) holds no other rules.
/// </summary>
public abstract class RunCostTests(AutomationHost fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private async Task<string> RuleAsync(object condition, params object[] actions)
    {
        var id = Str((await Host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: COMPANY, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = "Counted", trigger = new { kind = "records.updated", @params = new { watchedFields = new[] { "title" } } }, condition, actions } })).Ok()["rule"]!["id"]);
        (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();
        return id;
    }

    private async Task DeactivateAsync(string id) =>
        (await Host.MutateAsync("deactivateAutomationRule", "mutation($id: ID!) { deactivateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();

    /// <summary>
    /// The statements of delivering a title change of <paramref name="company"/> (the change itself not
    /// counted): the fewer of two, since a run-as user's rights are computed again now and then (seven statements).
    /// </summary>
    private async Task<int> DeliveryAsync(string company, string title) =>
        Math.Min(await OneDeliveryAsync(company, title + " 1"), await OneDeliveryAsync(company, title + " 2"));

    private async Task<int> OneDeliveryAsync(string company, string title)
    {
        (await Host.MutateAsync("updateCompany", "mutation($id: ID!, $t: String!) { updateCompany(id: $id, input: { title: $t }) { errors { code } } }", new { id = company, t = title })).Ok();
        using var counted = Crm.PluginSdk.Data.SqlStatementCounter.BeginScope();
        await Host.DeliverAsync();
        return counted.Count;
    }

    [Fact]
    public async Task A_skipped_run_adds_its_record_read_and_one_statement_and_a_run_that_acts_its_insert_its_step_and_its_end()
    {
        var company = await Host.CreateCompanyAsync(new { title = "Counted" });
        // The automation user made first (by a rule it runs, which changes the permissions' version),
        // then a pause past Permissions:PollInterval: its rights are computed once, before anything is counted.
        await DeactivateAsync(await RuleAsync(new { field = "title", op = "eq", value = "never" }, new { kind = "timeline.addComment", @params = new { text = "never" } }));
        await Host.DeliverAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));

        var none = await DeliveryAsync(company, "No rule");
        var skipping = await RuleAsync(new { field = "title", op = "eq", value = "never" }, new { kind = "timeline.addComment", @params = new { text = "never" } });
        var skipped = await DeliveryAsync(company, "Skipped");
        await DeactivateAsync(skipping);
        var acting = await RuleAsync(new { field = "title", op = "changed" }, new { kind = "timeline.addComment", @params = new { text = "counted" } });
        var acted = await DeliveryAsync(company, "Acted");
        await DeactivateAsync(acting);
        output.WriteLine($"{fixture.GetType().Name}: delivery without a rule {none}, with a skipped run {skipped}, with a run that comments {acted}");

        var runs = (await Host.QueryAsync("query($id: ID!) { automationRuns(entityType: COMPANY, entityId: $id) { status } }", new { id = company })).ShouldSucceed().Data!["automationRuns"]!.AsArray();
        Assert.Equal(2, runs.Count(r => Str(r!["status"]) == "SKIPPED"));
        Assert.Equal(2, runs.Count(r => Str(r!["status"]) == "SUCCEEDED"));
        // Measured: 34 / 36 / 42 statements on SQLite, 60 / 62 / 70 on PostgreSQL. Before leases a run that acts cost one
        // less (its last action wrote no step); before runs were recorded ended, a skipped run cost two more.
        Assert.Equal(2, skipped - none); // the record read as the run-as user, the run's one INSERT
        Assert.InRange(acted - skipped, 5, 8); // the lease-checked step in the action's transaction, the run's end, the comment (its statements, its event), that event's delivery
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RunCostOnSqlite(AutomationSqliteHost fixture, Xunit.Abstractions.ITestOutputHelper output) : RunCostTests(fixture, output), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RunCostOnPostgres(AutomationPostgresHost fixture, Xunit.Abstractions.ITestOutputHelper output) : RunCostTests(fixture, output), IClassFixture<AutomationPostgresHost>;
