using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Platform;
using Crm.Host.Tests.Timeline;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// A run's life past its happy path: a run whose host stopped inside an action is ended TIMED_OUT
/// once by the next host and retried from the action under way (not from one already done); a run
/// past its budget stops TIMED_OUT before its next action; a retry sees the event and input its
/// first run saw. Each test has hosts of its own, with test action kinds that block or fail on purpose.
/// </summary>
public abstract class RunLifecycleTests(Engine engine)
{
    private const string Start = "mutation($ruleId: ID!, $recordId: ID!, $input: JSON) { startAutomationRule(ruleId: $ruleId, recordId: $recordId, input: $input) { run { id status error steps } errors { code message path } } }";
    private const string Retry = "mutation($id: ID!) { retryRun(runId: $id) { run { id status retryOf steps error } errors { code message path } } }";

    // What the script action writes: the event as the run sees it.
    private const string Echo = "crm.update('deal', record.id, { comments: event.kind + '|' + (event.actor ? event.actor.id + ':' + event.actor.kind : '-') + '|' + (event.input ? event.input.note : '-') + '|' + (event.changed.title ? event.changed.title.old + '>' + event.changed.title.new : '-') }); true";

    private static IReadOnlyDictionary<string, string?> Settings(string budget, string grace) =>
        new Dictionary<string, string?>(DelayedActionTests.Settings) { ["Automation:MaxRunDuration"] = budget, ["Automation:StalledRunGrace"] = grace };

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private CrmHost Host(string connection, string budget, string grace, params IAutomationActionKind[] kinds) => HostOnClock(connection, budget, grace, null, kinds);

    /// <param name="clock">The host's clock, moved by the test (a run's budget goes by it); the real one when null.</param>
    private CrmHost HostOnClock(string connection, string budget, string grace, FakeTimeProvider? clock, params IAutomationActionKind[] kinds)
    {
        var host = new CrmHost(engine, connection, Settings(budget, grace), services: services =>
        {
            if (clock is not null)
            {
                services.AddSingleton<TimeProvider>(clock);
            }

            foreach (var kind in kinds)
            {
                services.AddSingleton(kind);
            }
        });
        _ = host.Server;
        return host;
    }

    private static async Task<string> RuleAsync(CrmHost host, string trigger, object triggerParams, params object[] actions)
    {
        var id = Str((await host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = "Lifecycle", trigger = new { kind = trigger, @params = triggerParams }, actions } })).Ok()["rule"]!["id"]);
        (await host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();
        return id;
    }

    private static async Task<List<JsonNode>> RunsAsync(CrmHost host, string deal) =>
        (await host.QueryAsync("query($id: ID!) { automationRuns(entityType: DEAL, entityId: $id) { id status error steps finishedAt retryOf } }", new { id = deal }))
            .ShouldSucceed().Data!["automationRuns"]!.AsArray().Select(r => r!).ToList();

    private static async Task<string?> CommentsAsync(CrmHost host, string deal) =>
        (await host.QueryAsync("query($id: ID!) { deal(id: $id) { comments } }", new { id = deal })).ShouldSucceed().Data!["deal"]!["comments"]?.GetValue<string>();

    private static Task<long> CommentCountAsync(CrmHost host, string deal, string text) =>
        ScheduledWorkTests.CountAsync(host, $"SELECT COUNT(*) AS n FROM {host.Table("timeline", "comments")} WHERE entity_id = @p0 AND text = @p1", long.Parse(deal, System.Globalization.CultureInfo.InvariantCulture), text);

    [Fact]
    public async Task A_run_its_host_left_inside_an_action_is_ended_once_by_the_next_host_and_retried_from_that_action_with_its_input()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        var blocked = new TestActions.Block();
        string deal;
        string runId;
        await using (var first = Host(connection, "00:00:05", "00:10:00", blocked))
        {
            var rule = await RuleAsync(first, "platform.manual", new { },
                new { kind = "timeline.addComment", @params = new { text = "Done before the stop" } },
                new { kind = TestActions.Block.KindName },
                new { kind = "platform.script", @params = new { source = Echo } });
            deal = await first.CreateDealAsync(new { title = "Stalled" });
            var call = first.QueryAsync(Start, new { ruleId = rule, recordId = deal, input = new { note = "kept" } });
            await blocked.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var running = Assert.Single(await RunsAsync(first, deal));
            runId = Str(running["id"]);
            // The first action's step was written with it: the run is known to be past it.
            Assert.Equal(("RUNNING", 1), (Str(running["status"]), running["steps"]!.AsArray().Count));

            // The host stops inside the action: the run's work ends there, its row is left RUNNING.
            blocked.Release.SetCanceled();
            await call;
            Assert.Equal("RUNNING", Str(Assert.Single(await RunsAsync(first, deal))["status"]));
        }

        JsonNode ended;
        await using (var second = Host(connection, "00:00:30", "00:00:01", new TestActions.Block(passes: true)))
        {
            await ScheduledWorkTests.EventuallyAsync(async () => Str((await RunsAsync(second, deal))[0]["status"]) == "TIMED_OUT", "the next host ends the stalled run");
            ended = Assert.Single(await RunsAsync(second, deal));
            Assert.StartsWith("TIMED_OUT: the host stopped during the run", Str(ended["error"]), StringComparison.Ordinal);
        }

        // Another host finds nothing left to end: it was ended once.
        await using var third = Host(connection, "00:00:30", "00:00:01", new TestActions.Block(passes: true));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(ended.ToJsonString(), Assert.Single(await RunsAsync(third, deal)).ToJsonString());

        var retry = (await third.MutateAsync("retryRun", Retry, new { id = runId })).Ok()["run"]!;
        Assert.Equal(("SUCCEEDED", runId), (Str(retry["status"]), Str(retry["retryOf"])));
        Assert.Equal([TestActions.Block.KindName, "platform.script"], retry["steps"]!.AsArray().Select(s => Str(s!["kind"])));
        Assert.Equal(1, await CommentCountAsync(third, deal, "Done before the stop"));
        // The retry saw its first run's start: the manual start, its user, its input.
        Assert.Equal("platform.manual|1:USER|kept|-", await CommentsAsync(third, deal));
    }

    [Fact]
    public async Task A_run_past_its_budget_stops_timed_out_before_its_next_action_and_a_retry_sees_the_event_that_started_it()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var slow = new TestActions.Slow(clock, TimeSpan.FromSeconds(3));
        await using var host = HostOnClock(connection, "00:00:02", "00:10:00", clock, slow);
        await RuleAsync(host, "records.updated", new { watchedFields = new[] { "title" } },
            new { kind = TestActions.Slow.KindName },
            new { kind = "platform.script", @params = new { source = Echo } });
        var deal = await host.CreateDealAsync(new { title = "Before" });
        await host.DeliverAsync();
        (await host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { title: \"After\" }) { errors { code } } }", new { id = deal })).Ok();
        await host.DeliverAsync();
        await ScheduledWorkTests.EventuallyAsync(async () => (await RunsAsync(host, deal)) is [var only] && Str(only["status"]) == "TIMED_OUT", "the run times out");

        var run = Assert.Single(await RunsAsync(host, deal));
        Assert.Equal("TIMED_OUT", Str(run["status"]));
        Assert.Equal("TIMED_OUT: the run took longer than Automation:MaxRunDuration (2 s); it stopped before action 1.", Str(run["error"]));
        Assert.Equal([TestActions.Slow.KindName], run["steps"]!.AsArray().Select(s => Str(s!["kind"])));
        Assert.Null(await CommentsAsync(host, deal));
        var timedOut = (await host.QueryAsync("{ automationRuns(where: { statuses: [TIMED_OUT] }) { id } }")).ShouldSucceed().Data!["automationRuns"]!.AsArray();
        Assert.Equal(Str(run["id"]), Str(Assert.Single(timedOut)!["id"]));

        // Retried from the action it had not run, with the event its first run saw: the title's change, by the user who made it.
        var retry = (await host.MutateAsync("retryRun", Retry, new { id = Str(run["id"]) })).Ok()["run"]!;
        Assert.Equal("SUCCEEDED", Str(retry["status"]));
        Assert.Equal(["platform.script"], retry["steps"]!.AsArray().Select(s => Str(s!["kind"])));
        Assert.EndsWith("|1:API_KEY|-|Before>After", await CommentsAsync(host, deal), StringComparison.Ordinal); // the admin's key changed the title
        Assert.Equal(1, slow.Calls);
    }
}

/// <summary>Action kinds the lifecycle tests register in their hosts.</summary>
public static class TestActions
{
    /// <summary><c>tests.block</c>: waits inside the action until released (or, made to pass, does nothing).</summary>
    public sealed class Block(bool passes = false) : IAutomationActionKind
    {
        public const string KindName = "tests.block";

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => KindName;

        public string Description => "Waits until the test releases it.";

        public IReadOnlyList<AutomationParameter> Parameters { get; } = [];

        public bool AppliesTo(ICrmEntityDefinition recordType) => true;

        public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
        {
            if (!passes)
            {
                Entered.TrySetResult();
                await Release.Task; // cancelled by the test: the run's work ends here, as a stopping host's would
            }

            return ActionOutcome.Success(null);
        }
    }

    /// <summary><c>tests.slow</c>: takes its time (longer than a test's run budget) on the host's clock, which it moves on: no real wait.</summary>
    public sealed class Slow(FakeTimeProvider clock, TimeSpan takes) : IAutomationActionKind
    {
        public const string KindName = "tests.slow";

        private int _calls;

        public int Calls => _calls;

        public string Name => KindName;

        public string Description => "Takes its time.";

        public IReadOnlyList<AutomationParameter> Parameters { get; } = [];

        public bool AppliesTo(ICrmEntityDefinition recordType) => true;

        public Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            clock.Advance(takes);
            return Task.FromResult(ActionOutcome.Success(null));
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RunLifecycleOnSqlite() : RunLifecycleTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class RunLifecycleOnPostgres() : RunLifecycleTests(Engine.Postgres);
