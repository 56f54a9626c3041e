using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Platform;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// Actions that wait: a run waits (WAITING, a stored wait, scheduled work) and goes on once at its
/// time, across a restart and across two hosts, on the version it pinned; it is cancelled when its
/// record left the stage it started in, or by cancelRun; a RETRY action backs off through waits.
/// </summary>
public abstract class DelayedActionTests(Engine engine)
{
    /// <summary>A quick scheduler, second-long delays and back-offs, webhooks to this machine.</summary>
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(ScheduledWorkTests.QuickScheduler)
    {
        ["Automation:MinDelay"] = "00:00:01",
        ["Automation:RetryDelay"] = "00:00:01",
        ["Automation:Webhooks:AllowedHosts:0"] = "127.0.0.1",
        ["Automation:Webhooks:Timeout"] = "00:00:02",
    };

    protected static string Str(JsonNode? node) => node!.GetValue<string>();

    private static object Rule(string comments, string delay = "PT1S") => new
    {
        name = "Later",
        trigger = new { kind = "records.stageChanged", @params = new { toStageId = "PREPARATION" } },
        actions = new object[]
        {
            new { kind = "timeline.addComment", @params = new { text = "At once" } },
            new { kind = "records.setFields", @params = new { fields = new { comments } }, timing = new { mode = "AFTER_DELAY", delay } },
        },
    };

    private static async Task<string> ActiveRuleAsync(CrmHost host, object input)
    {
        var id = Str((await host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }", new { input })).Ok()["rule"]!["id"]);
        await ActivateAsync(host, id);
        return id;
    }

    private static async Task ActivateAsync(CrmHost host, string id) =>
        (await host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();

    /// <summary>A deal moved into PREPARATION, its event delivered: the rule's run has started.</summary>
    private static async Task<string> DealInPreparationAsync(CrmHost host)
    {
        var deal = await host.CreateDealAsync(new { title = "Deal" });
        await MoveAsync(host, deal, "PREPARATION");
        await host.DeliverAsync();
        return deal;
    }

    private static async Task MoveAsync(CrmHost host, string deal, string stage) =>
        (await host.MutateAsync("updateDeal", "mutation($id: ID!, $s: String!) { updateDeal(id: $id, input: { stageId: $s }) { errors { code } } }", new { id = deal, s = stage })).Ok();

    private static async Task<JsonNode> RunAsync(CrmHost host, string deal) =>
        Assert.Single((await host.QueryAsync("query($id: ID!) { automationRuns(entityType: DEAL, entityId: $id) { id ruleVersion status steps error } }", new { id = deal }))
            .ShouldSucceed().Data!["automationRuns"]!.AsArray())!;

    private static async Task<JsonNode> RunWhenAsync(CrmHost host, string deal, string status)
    {
        JsonNode? run = null;
        await ScheduledWorkTests.EventuallyAsync(async () => Str((run = await RunAsync(host, deal))["status"]) == status, $"the run is {status}");
        return run!;
    }

    private static async Task<string?> CommentsAsync(CrmHost host, string deal) =>
        (await host.QueryAsync("query($id: ID!) { deal(id: $id) { comments } }", new { id = deal })).ShouldSucceed().Data!["deal"]!["comments"]?.GetValue<string>();

    private static Task<long> WaitsAsync(CrmHost host, string state) =>
        ScheduledWorkTests.CountAsync(host, $"SELECT COUNT(*) AS n FROM {host.Table("automation", "waits")} WHERE state = @p0", state);

    private static Task<long> ScheduledAsync(CrmHost host) =>
        ScheduledWorkTests.CountAsync(host, $"SELECT COUNT(*) AS n FROM {host.Table("platform", "qrtz_triggers")}");

    private async Task<CrmHost> StartAsync(string? connection = null)
    {
        connection ??= await ScheduledWorkTests.NewDatabaseAsync(engine);
        var host = new CrmHost(engine, connection, Settings);
        _ = host.Server;
        return host;
    }

    [Fact]
    public async Task A_delayed_action_waits_then_runs_once()
    {
        await using var host = await StartAsync();
        await ActiveRuleAsync(host, Rule("Later"));
        var deal = await DealInPreparationAsync(host);

        var waiting = await RunAsync(host, deal);
        Assert.Equal("WAITING", Str(waiting["status"]));
        Assert.Single(waiting["steps"]!.AsArray());
        Assert.Null(await CommentsAsync(host, deal));

        var done = await RunWhenAsync(host, deal, "SUCCEEDED");
        Assert.Equal(["SUCCEEDED", "SUCCEEDED"], done["steps"]!.AsArray().Select(s => Str(s!["status"])));
        Assert.Equal("Later", await CommentsAsync(host, deal));
        await ScheduledWorkTests.EventuallyAsync(async () => await ScheduledAsync(host) == 0, "no work left");
        Assert.Equal((1, 0), (await WaitsAsync(host, "Done"), await WaitsAsync(host, "Waiting")));
        Assert.Equal(2, (await RunAsync(host, deal))["steps"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_delay_outlives_its_host_and_runs_once_on_the_next()
    {
        var connection = await ScheduledWorkTests.NewDatabaseAsync(engine);
        string deal;
        await using (var first = await StartAsync(connection))
        {
            await ActiveRuleAsync(first, Rule("After restart", "PT3S"));
            deal = await DealInPreparationAsync(first);
            Assert.Equal("WAITING", Str((await RunAsync(first, deal))["status"]));
        }

        await using var second = await StartAsync(connection);
        var done = await RunWhenAsync(second, deal, "SUCCEEDED");
        Assert.Equal(2, done["steps"]!.AsArray().Count);
        Assert.Equal("After restart", await CommentsAsync(second, deal));
        Assert.Equal(1, await WaitsAsync(second, "Done"));
    }

    [Fact]
    public async Task A_wait_whose_work_was_lost_is_scheduled_again_at_the_next_start()
    {
        var connection = await ScheduledWorkTests.NewDatabaseAsync(engine);
        string deal;
        await using (var first = await StartAsync(connection))
        {
            await ActiveRuleAsync(first, Rule("Found again", "PT2S"));
            deal = await DealInPreparationAsync(first);
            Assert.Equal("WAITING", Str((await RunAsync(first, deal))["status"]));
        }

        // The scheduler's copy is gone (as if the host had stopped between the wait's commit and its scheduling).
        await using (var lost = new CrmHost(engine, connection))
        {
            foreach (var table in new[] { "qrtz_simple_triggers", "qrtz_triggers", "qrtz_job_details" })
            {
                await lost.QueryRowsAsync($"DELETE FROM {lost.Table("platform", table)}");
            }
        }

        await using var second = await StartAsync(connection);
        await RunWhenAsync(second, deal, "SUCCEEDED");
        Assert.Equal("Found again", await CommentsAsync(second, deal));
    }

    [Fact]
    public async Task A_run_goes_on_with_the_version_it_pinned_while_a_newer_one_is_active()
    {
        await using var host = await StartAsync();
        var rule = await ActiveRuleAsync(host, Rule("Version 1", "PT2S"));
        var deal = await DealInPreparationAsync(host);
        (await host.MutateAsync("updateAutomationRule", "mutation($id: ID!, $input: AutomationRuleInput!) { updateAutomationRule(id: $id, input: $input) { errors { code message } } }",
            new { id = rule, input = Rule("Version 2", "PT2S") })).Ok();
        await ActivateAsync(host, rule);

        var done = await RunWhenAsync(host, deal, "SUCCEEDED");
        Assert.Equal(1, done["ruleVersion"]!.GetValue<int>());
        Assert.Equal("Version 1", await CommentsAsync(host, deal));
    }

    [Fact]
    public async Task A_waiting_run_is_cancelled_when_its_record_left_the_stage_unless_the_rule_keeps_it()
    {
        await using var host = await StartAsync();
        var rule = await ActiveRuleAsync(host, Rule("Left", "PT2S"));
        var deal = await DealInPreparationAsync(host);
        await MoveAsync(host, deal, "NEW");
        var cancelled = await RunWhenAsync(host, deal, "CANCELLED");
        Assert.Contains("left the stage PREPARATION", Str(cancelled["error"]), StringComparison.Ordinal);
        Assert.Null(await CommentsAsync(host, deal));

        // A rule that keeps its runs when the record leaves the stage.
        var input = (JsonObject)JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Rule("Kept", "PT2S")))!;
        input["keepWhenStageLeft"] = true;
        (await host.MutateAsync("updateAutomationRule", "mutation($id: ID!, $input: AutomationRuleInput!) { updateAutomationRule(id: $id, input: $input) { errors { code message } } }",
            new { id = rule, input })).Ok();
        await ActivateAsync(host, rule);
        var kept = await DealInPreparationAsync(host);
        await MoveAsync(host, kept, "NEW");
        await RunWhenAsync(host, kept, "SUCCEEDED");
        Assert.Equal("Kept", await CommentsAsync(host, kept));
    }

    [Fact]
    public async Task CancelRun_ends_a_waiting_run_and_its_work_and_refuses_what_is_not_waiting()
    {
        await using var host = await StartAsync();
        await ActiveRuleAsync(host, Rule("Never", "PT1H"));
        var deal = await DealInPreparationAsync(host);
        var run = await RunAsync(host, deal);
        Assert.Equal(1, await ScheduledAsync(host));
        const string Cancel = "mutation($id: ID!) { cancelRun(runId: $id) { run { status error } errors { code message } } }";

        var cancelled = (await host.MutateAsync("cancelRun", Cancel, new { id = Str(run["id"]) })).Ok();
        Assert.Equal("CANCELLED", Str(cancelled["run"]!["status"]));
        Assert.Equal(0, await ScheduledAsync(host));
        Assert.Equal(1, await WaitsAsync(host, "Cancelled"));

        var again = await host.MutateAsync("cancelRun", Cancel, new { id = Str(run["id"]) });
        Assert.Equal("INVALID_VALUE", Str(again["errors"]![0]!["code"]));
        var unknown = await host.MutateAsync("cancelRun", Cancel, new { id = Guid.NewGuid().ToString() });
        Assert.Equal("NOT_FOUND", Str(unknown["errors"]![0]!["code"]));
        var malformed = await host.MutateAsync("cancelRun", Cancel, new { id = new string('x', 400) });
        Assert.Equal("INVALID_FORMAT", Str(malformed["errors"]![0]!["code"]));
    }

    [Fact]
    public async Task A_retried_action_backs_off_through_waits_and_fails_after_its_retries()
    {
        await using var host = await StartAsync();
        await ActiveRuleAsync(host, new
        {
            name = "Flaky hook",
            trigger = new { kind = "records.stageChanged", @params = new { toStageId = "PREPARATION" } },
            actions = new object[] { new { kind = "platform.callWebhook", @params = new { url = "http://127.0.0.1:1/hook" }, onError = "RETRY", retries = 2 } },
        });
        var deal = await DealInPreparationAsync(host);
        Assert.Equal("WAITING", Str((await RunAsync(host, deal))["status"]));

        var failed = await RunWhenAsync(host, deal, "FAILED");
        var step = Assert.Single(failed["steps"]!.AsArray())!;
        Assert.Equal(("FAILED", 3), (Str(step["status"]), step["attempts"]!.GetValue<int>()));
        Assert.Equal(2, await WaitsAsync(host, "Done"));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class DelayedActionTestsOnSqlite() : DelayedActionTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class DelayedActionTestsOnPostgres() : DelayedActionTests(Engine.Postgres)
{
    [Fact]
    public async Task Two_hosts_on_one_database_run_a_delayed_action_once()
    {
        var connection = await TestPostgres.CreateDatabaseAsync();
        await using var a = new CrmHost(Engine.Postgres, connection, Settings);
        _ = a.Server;
        await using var b = new CrmHost(Engine.Postgres, connection, Settings);
        _ = b.Server;
        var rule = Str((await a.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }",
            new
            {
                input = new
                {
                    name = "Both hosts",
                    trigger = new { kind = "records.stageChanged", @params = new { toStageId = "PREPARATION" } },
                    actions = new object[] { new { kind = "timeline.addComment", @params = new { text = "Once" }, timing = new { mode = "AFTER_DELAY", delay = "PT2S" } } },
                },
            })).Ok()["rule"]!["id"]);
        (await a.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id = rule })).Ok();
        var deals = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var deal = await a.CreateDealAsync(new { title = $"Deal {i}" });
            (await a.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { stageId: \"PREPARATION\" }) { errors { code } } }", new { id = deal })).Ok();
            deals.Add(deal);
        }

        await a.DeliverAsync();
        foreach (var deal in deals)
        {
            await ScheduledWorkTests.EventuallyAsync(async () => Str(Assert.Single((await a.QueryAsync("query($id: ID!) { automationRuns(entityType: DEAL, entityId: $id) { status } }", new { id = deal }))
                .ShouldSucceed().Data!["automationRuns"]!.AsArray())!["status"]) == "SUCCEEDED", "the run ended");
            var comments = (await a.CommentTimelineAsync("DEAL", deal)).ShouldSucceed().Data!["timeline"]!["nodes"]!.AsArray();
            Assert.Single(comments, e => e!["text"]?.GetValue<string>() == "Once");
        }
    }
}
