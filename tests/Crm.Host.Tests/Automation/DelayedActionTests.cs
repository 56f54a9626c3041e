using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Platform;
using Crm.Host.Tests.Timeline;
using Crm.PluginSdk.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// Actions that wait: a run waits (WAITING, a stored wait, scheduled work) and goes on once at its
/// time, across a restart and across two hosts, on the version it pinned; it is cancelled when its
/// record left the stage it started in, or by cancelRun; a RETRY action backs off through waits.
/// The tests that restart hosts have a database of their own; the others share the class's host, each
/// rule matching only its own test's deals (by title). A wait is made due through the scheduler when
/// the test chooses (<see cref="DueNowAsync"/>), never waited for on a loaded machine, where a short
/// delay could pass before the test sees the run wait; two hosts firing a wait once is with a real delay.
/// </summary>
public abstract class DelayedActionTests(Engine engine, DelayedActionHost fixture)
{
    /// <summary>The scheduled work handler of waits, whose work is keyed by the wait's id.</summary>
    private const string WaitHandler = "automation/waits";

    private CrmHost Shared => fixture.Host;

    /// <summary>A quick scheduler, second-long delays and back-offs, webhooks to this machine.</summary>
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(ScheduledWorkTests.QuickScheduler)
    {
        ["Automation:MinDelay"] = "00:00:01",
        ["Automation:RetryDelay"] = "00:00:01",
        ["Automation:Webhooks:AllowedHosts:0"] = "127.0.0.1",
        ["Automation:Webhooks:Timeout"] = "00:00:02",
    };

    protected static string Str(JsonNode? node) => node!.GetValue<string>();

    /// <summary>The rule of these tests, for the deals titled <paramref name="title"/> only.</summary>
    private static object Rule(string title, string comments, string delay) => new
    {
        name = "Later",
        trigger = new { kind = "records.stageChanged", @params = new { toStageId = "PREPARATION" } },
        condition = new { field = "title", op = "eq", value = title },
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
    private static async Task<string> DealInPreparationAsync(CrmHost host, string title)
    {
        var deal = await host.CreateDealAsync(new { title });
        await MoveAsync(host, deal, "PREPARATION");
        await host.DeliverAsync();
        return deal;
    }

    private static async Task MoveAsync(CrmHost host, string deal, string stage) =>
        (await host.MutateAsync("updateDeal", "mutation($id: ID!, $s: String!) { updateDeal(id: $id, input: { stageId: $s }) { errors { code } } }", new { id = deal, s = stage })).Ok();

    /// <summary>The deal's one run that its condition let through (other tests' rules, active in the shared host, log theirs SKIPPED).</summary>
    private static async Task<JsonNode> RunAsync(CrmHost host, string deal) =>
        Assert.Single((await host.QueryAsync("query($id: ID!) { automationRuns(entityType: DEAL, entityId: $id) { id ruleVersion status steps error } }", new { id = deal }))
            .ShouldSucceed().Data!["automationRuns"]!.AsArray(), r => Str(r!["status"]) != "SKIPPED")!;

    /// <summary>
    /// Makes the deal's run's waits due (<see cref="DueNowAsync"/>) for as long as it waits, until it is
    /// <paramref name="status"/>: again at each look, since a host's recovery at its start schedules each
    /// waiting wait again at its own time and may come after, and a RETRY's back-off is a wait of its own.
    /// </summary>
    private static async Task<JsonNode> DueThenWhenAsync(CrmHost host, string deal, string status)
    {
        JsonNode? run = null;
        await ScheduledWorkTests.EventuallyAsync(async () =>
        {
            run = await RunAsync(host, deal);
            if (Str(run["status"]) == "WAITING")
            {
                await DueNowAsync(host, deal);
            }

            return Str(run["status"]) == status;
        }, $"the run is {status}");
        return run!;
    }

    private static async Task<string?> CommentsAsync(CrmHost host, string deal) =>
        (await host.QueryAsync("query($id: ID!) { deal(id: $id) { comments } }", new { id = deal })).ShouldSucceed().Data!["deal"]!["comments"]?.GetValue<string>();

    private static long Id(string id) => long.Parse(id, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The ids of the waits of the deal's runs, in <paramref name="state"/> when given.</summary>
    private static async Task<List<string>> WaitIdsAsync(CrmHost host, string deal, string? state = null) =>
        [.. (await host.QueryRowsAsync(
                $"SELECT w.id FROM {host.Table("automation", "waits")} w JOIN {host.Table("automation", "runs")} r ON r.id = w.run_id WHERE r.entity_id = @p0{(state is null ? "" : " AND w.state = @p1")}",
                state is null ? [Id(deal)] : [Id(deal), state]))
            .Select(row => Convert.ToString(row["id"], System.Globalization.CultureInfo.InvariantCulture)!)];

    private static async Task<int> WaitsAsync(CrmHost host, string deal, string state) => (await WaitIdsAsync(host, deal, state)).Count;

    /// <summary>The scheduler's work (Quartz triggers) for the deal's runs' waits.</summary>
    private static async Task<long> ScheduledAsync(CrmHost host, string deal)
    {
        long scheduled = 0;
        foreach (var wait in await WaitIdsAsync(host, deal))
        {
            scheduled += await ScheduledWorkTests.CountAsync(host,
                $"SELECT COUNT(*) AS n FROM {host.Table("platform", "qrtz_triggers")} WHERE trigger_group = @p0 AND trigger_name = @p1", WaitHandler, wait);
        }

        return scheduled;
    }

    /// <summary>Makes the deal's waiting waits due now, through the scheduler (their work scheduled again, for now): the delay is over.</summary>
    private static async Task DueNowAsync(CrmHost host, string deal)
    {
        var scheduler = host.Services.GetRequiredService<IWorkScheduler>();
        foreach (var wait in await WaitIdsAsync(host, deal, "Waiting"))
        {
            await scheduler.ScheduleAsync(WaitHandler, wait, DateTimeOffset.UtcNow, "", CancellationToken.None);
        }
    }

    /// <summary>A host of its own on <paramref name="connection"/>, for a test that restarts hosts on one database.</summary>
    private CrmHost StartOn(string connection)
    {
        var host = new CrmHost(engine, connection, Settings);
        _ = host.Server;
        return host;
    }

    [Fact]
    public async Task A_delayed_action_waits_then_runs_once()
    {
        var host = Shared;
        var title = Records.NewMarker("later");
        await ActiveRuleAsync(host, Rule(title, "Later", "PT1H"));
        var deal = await DealInPreparationAsync(host, title);

        var waiting = await RunAsync(host, deal);
        Assert.Equal("WAITING", Str(waiting["status"]));
        Assert.Single(waiting["steps"]!.AsArray());
        Assert.Null(await CommentsAsync(host, deal));
        Assert.Equal(1, await ScheduledAsync(host, deal));

        var done = await DueThenWhenAsync(host, deal, "SUCCEEDED");
        Assert.Equal(["SUCCEEDED", "SUCCEEDED"], done["steps"]!.AsArray().Select(s => Str(s!["status"])));
        Assert.Equal("Later", await CommentsAsync(host, deal));
        await ScheduledWorkTests.EventuallyAsync(async () => await ScheduledAsync(host, deal) == 0, "no work left");
        Assert.Equal((1, 0), (await WaitsAsync(host, deal, "Done"), await WaitsAsync(host, deal, "Waiting")));
        Assert.Equal(2, (await RunAsync(host, deal))["steps"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_delay_outlives_its_host_and_runs_once_on_the_next()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        string deal;
        await using (var first = StartOn(connection))
        {
            await ActiveRuleAsync(first, Rule("Restarted", "After restart", "PT1H"));
            deal = await DealInPreparationAsync(first, "Restarted");
            Assert.Equal("WAITING", Str((await RunAsync(first, deal))["status"]));
        }

        // The wait and its scheduled work outlived the host; its time comes on the next.
        await using var second = StartOn(connection);
        Assert.Equal((1, 1), (await WaitsAsync(second, deal, "Waiting"), await ScheduledAsync(second, deal)));
        var done = await DueThenWhenAsync(second, deal, "SUCCEEDED");
        Assert.Equal(2, done["steps"]!.AsArray().Count);
        Assert.Equal("After restart", await CommentsAsync(second, deal));
        Assert.Equal(1, await WaitsAsync(second, deal, "Done"));
    }

    [Fact]
    public async Task A_wait_whose_work_was_lost_is_scheduled_again_at_the_next_start()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        string deal;
        await using (var first = StartOn(connection))
        {
            await ActiveRuleAsync(first, Rule("Lost", "Found again", "PT1H"));
            deal = await DealInPreparationAsync(first, "Lost");
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

        await using var second = StartOn(connection);
        await ScheduledWorkTests.EventuallyAsync(async () => await ScheduledAsync(second, deal) == 1, "the next start scheduled the wait's work again");
        await DueThenWhenAsync(second, deal, "SUCCEEDED");
        Assert.Equal("Found again", await CommentsAsync(second, deal));
    }

    [Fact]
    public async Task A_run_goes_on_with_the_version_it_pinned_while_a_newer_one_is_active()
    {
        var host = Shared;
        var title = Records.NewMarker("pinned");
        var rule = await ActiveRuleAsync(host, Rule(title, "Version 1", "PT1H"));
        var deal = await DealInPreparationAsync(host, title);
        (await host.MutateAsync("updateAutomationRule", "mutation($id: ID!, $input: AutomationRuleInput!) { updateAutomationRule(id: $id, input: $input) { errors { code message } } }",
            new { id = rule, input = Rule(title, "Version 2", "PT1H") })).Ok();
        await ActivateAsync(host, rule);
        var done = await DueThenWhenAsync(host, deal, "SUCCEEDED");
        Assert.Equal(1, done["ruleVersion"]!.GetValue<int>());
        Assert.Equal("Version 1", await CommentsAsync(host, deal));
    }

    [Fact]
    public async Task A_waiting_run_is_cancelled_when_its_record_left_the_stage_unless_the_rule_keeps_it()
    {
        var host = Shared;
        var title = Records.NewMarker("left");
        var rule = await ActiveRuleAsync(host, Rule(title, "Left", "PT1H"));
        var deal = await DealInPreparationAsync(host, title);
        await MoveAsync(host, deal, "NEW");
        var cancelled = await DueThenWhenAsync(host, deal, "CANCELLED");
        Assert.Contains("left the stage PREPARATION", Str(cancelled["error"]), StringComparison.Ordinal);
        Assert.Null(await CommentsAsync(host, deal));

        // A rule that keeps its runs when the record leaves the stage.
        var input = (JsonObject)JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Rule(title, "Kept", "PT1H")))!;
        input["keepWhenStageLeft"] = true;
        (await host.MutateAsync("updateAutomationRule", "mutation($id: ID!, $input: AutomationRuleInput!) { updateAutomationRule(id: $id, input: $input) { errors { code message } } }",
            new { id = rule, input })).Ok();
        await ActivateAsync(host, rule);
        var kept = await DealInPreparationAsync(host, title);
        await MoveAsync(host, kept, "NEW");
        await DueThenWhenAsync(host, kept, "SUCCEEDED");
        Assert.Equal("Kept", await CommentsAsync(host, kept));
    }

    [Fact]
    public async Task CancelRun_ends_a_waiting_run_and_its_work_and_refuses_what_is_not_waiting()
    {
        var host = Shared;
        var title = Records.NewMarker("never");
        await ActiveRuleAsync(host, Rule(title, "Never", "PT1H"));
        var deal = await DealInPreparationAsync(host, title);
        var run = await RunAsync(host, deal);
        Assert.Equal(1, await ScheduledAsync(host, deal));
        const string Cancel = "mutation($id: ID!) { cancelRun(runId: $id) { run { status error } errors { code message } } }";

        var cancelled = (await host.MutateAsync("cancelRun", Cancel, new { id = Str(run["id"]) })).Ok();
        Assert.Equal("CANCELLED", Str(cancelled["run"]!["status"]));
        Assert.Equal(0, await ScheduledAsync(host, deal));
        Assert.Equal(1, await WaitsAsync(host, deal, "Cancelled"));

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
        var host = Shared;
        var title = Records.NewMarker("flaky");
        await ActiveRuleAsync(host, new
        {
            name = "Flaky hook",
            trigger = new { kind = "records.stageChanged", @params = new { toStageId = "PREPARATION" } },
            condition = new { field = "title", op = "eq", value = title },
            actions = new object[] { new { kind = "platform.callWebhook", @params = new { url = "http://127.0.0.1:1/hook" }, onError = "RETRY", retries = 2 } },
        });
        var deal = await DealInPreparationAsync(host, title);
        Assert.Equal("WAITING", Str((await RunAsync(host, deal))["status"]));

        // Each back-off's wait made due at once: what is checked is that the retries went through waits, not how long they were.
        var ended = await DueThenWhenAsync(host, deal, "FAILED");
        var step = Assert.Single(ended["steps"]!.AsArray())!;
        Assert.Equal(("FAILED", 3), (Str(step["status"]), step["attempts"]!.GetValue<int>()));
        Assert.Equal(2, await WaitsAsync(host, deal, "Done"));
    }
}

/// <summary>The host the delayed action tests share: a quick scheduler, second-long delays.</summary>
public abstract class DelayedActionHost(Engine engine) : HostFixture(engine)
{
    // Back-offs ten minutes long: the test makes each retry's wait due when it chooses.
    protected override IReadOnlyDictionary<string, string?> Settings { get; } =
        new Dictionary<string, string?>(DelayedActionTests.Settings) { ["Automation:RetryDelay"] = "00:10:00" };
}

public sealed class DelayedActionSqliteHost() : DelayedActionHost(Engine.Sqlite);

public sealed class DelayedActionPostgresHost() : DelayedActionHost(Engine.Postgres);

[Trait("Engine", "Sqlite")]
public sealed class DelayedActionTestsOnSqlite(DelayedActionSqliteHost fixture) : DelayedActionTests(Engine.Sqlite, fixture), IClassFixture<DelayedActionSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DelayedActionTestsOnPostgres(DelayedActionPostgresHost fixture) : DelayedActionTests(Engine.Postgres, fixture), IClassFixture<DelayedActionPostgresHost>
{
    [Fact]
    public async Task Two_hosts_on_one_database_run_a_delayed_action_once()
    {
        var connection = await MigratedDatabases.CreatePostgresAsync();
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
