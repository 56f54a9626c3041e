using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Platform;
using Crm.Host.Tests.Timeline;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// Who holds a run: a redelivered event adds no run and logs no error; a run left PENDING by a stopped
/// host (no action of it ran) is taken over by its event's redelivery, else by the recovery sweep; a
/// live run held inside an action keeps its lease however long it takes, and once its lease is taken
/// (as the sweep does when its host cannot renew it) its host neither overwrites its end nor runs its
/// next action, so a retry runs each action once; a due wait is taken with its run moved RUNNING at once.
/// </summary>
public abstract class RunLeaseTests(Engine engine)
{
    private const string Start = "mutation($ruleId: ID!, $recordId: ID!) { startAutomationRule(ruleId: $ruleId, recordId: $recordId) { run { id status error steps } errors { code message path } } }";
    private const string Retry = "mutation($id: ID!) { retryRun(runId: $id) { run { id status retryOf steps error } errors { code message path } } }";

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static long Id(string id) => long.Parse(id, CultureInfo.InvariantCulture);

    private CrmHost Host(string connection, string grace, ErrorLog? errors = null, params IAutomationActionKind[] kinds) => HostOnClock(connection, "00:00:30", grace, null, errors, kinds);

    /// <param name="budget">Automation:MaxRunDuration.</param>
    /// <param name="clock">The host's clock, moved by the test (its leases' heartbeats, its sweeps and its runs' budgets go by it); the real one when null.</param>
    private CrmHost HostOnClock(string connection, string budget, string grace, FakeTimeProvider? clock, ErrorLog? errors, params IAutomationActionKind[] kinds)
    {
        var settings = new Dictionary<string, string?>(DelayedActionTests.Settings)
        {
            ["Automation:MaxRunDuration"] = budget,
            ["Automation:StalledRunGrace"] = grace,
            // A request held in an action lives through the time the test moves the clock on.
            ["GraphQL:RequestTimeout"] = "00:10:00",
        };
        var host = new CrmHost(engine, connection, settings, services: services =>
        {
            if (clock is not null)
            {
                services.AddSingleton<TimeProvider>(clock);
            }

            foreach (var kind in kinds)
            {
                services.AddSingleton(kind);
            }

            if (errors is not null)
            {
                services.AddSingleton<ILoggerProvider>(errors);
            }
        });
        _ = host.Server;
        return host;
    }

    private static async Task<string> RuleAsync(CrmHost host, string trigger, object triggerParams, params object[] actions)
    {
        var id = Str((await host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = "Leases", trigger = new { kind = trigger, @params = triggerParams }, actions } })).Ok()["rule"]!["id"]);
        (await host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();
        return id;
    }

    private static async Task<List<JsonNode>> RunsAsync(CrmHost host, string deal) =>
        (await host.QueryAsync("query($id: ID!) { automationRuns(entityType: DEAL, entityId: $id) { id status error steps retryOf } }", new { id = deal }))
            .ShouldSucceed().Data!["automationRuns"]!.AsArray().Select(r => r!).ToList();

    private static Task<long> CommentCountAsync(CrmHost host, string deal, string text) =>
        ScheduledWorkTests.CountAsync(host, $"SELECT COUNT(*) AS n FROM {host.Table("timeline", "comments")} WHERE entity_id = @p0 AND text = @p1", Id(deal), text);

    private static Task<JsonNode> RetitleAsync(CrmHost host, string deal, string title) =>
        host.MutateAsync("updateDeal", "mutation($id: ID!, $t: String!) { updateDeal(id: $id, input: { title: $t }) { errors { code } } }", new { id = deal, t = title });

    /// <summary>Delivers the deal's events again, as the outbox does after a host stopped before marking them delivered.</summary>
    private static async Task RedeliverAsync(CrmHost host, string deal)
    {
        await host.QueryRowsAsync($"UPDATE {host.Table("deals", "outbox")} SET processed_at = NULL WHERE entity_id = @p0", Id(deal));
        await host.DeliverAsync();
    }

    [Fact]
    public async Task A_redelivered_event_gives_one_run_and_logs_no_error()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        var errors = new ErrorLog();
        await using var host = Host(connection, "00:02:00", errors);
        await RuleAsync(host, "records.updated", new { watchedFields = new[] { "title" } }, new { kind = "timeline.addComment", @params = new { text = "Once" } });
        var deal = await host.CreateDealAsync(new { title = "Before" });
        await host.DeliverAsync();
        (await RetitleAsync(host, deal, "After")).Ok();
        await host.DeliverAsync();
        Assert.Equal("SUCCEEDED", Str(Assert.Single(await RunsAsync(host, deal))["status"]));

        await RedeliverAsync(host, deal);
        await RedeliverAsync(host, deal);

        Assert.Equal("SUCCEEDED", Str(Assert.Single(await RunsAsync(host, deal))["status"]));
        Assert.Equal(1, await CommentCountAsync(host, deal, "Once"));
        Assert.Empty(errors.Entries);
    }

    [Fact]
    public async Task A_pending_run_its_host_left_is_taken_over_by_its_events_redelivery_and_else_by_the_sweep()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        var stopping = new TestActions.Block();
        stopping.Release.SetCanceled(); // the host stops inside the first action: rolled back, the run is left PENDING
        string byEvent, bySweep, redelivered, swept;
        await using (var first = Host(connection, "00:10:00", null, stopping))
        {
            object[] actions = [new { kind = TestActions.Block.KindName }, new { kind = "timeline.addComment", @params = new { text = "After the first" } }];
            await RuleAsync(first, "records.updated", new { watchedFields = new[] { "title" } }, actions);
            var manual = await RuleAsync(first, "platform.manual", new { }, actions);
            byEvent = await first.CreateDealAsync(new { title = "Before" });
            bySweep = await first.CreateDealAsync(new { title = "Manual" });
            await first.DeliverAsync();
            (await RetitleAsync(first, byEvent, "After")).Ok();
            await StoppedAsync(first.DeliverAsync);
            await StoppedAsync(() => first.QueryAsync(Start, new { ruleId = manual, recordId = bySweep }));
            var left = new[] { Assert.Single(await RunsAsync(first, byEvent)), Assert.Single(await RunsAsync(first, bySweep)) };
            Assert.Equal(["PENDING", "PENDING"], left.Select(r => Str(r["status"])));
            (redelivered, swept) = (Str(left[0]["id"]), Str(left[1]["id"]));
        }

        await using (var second = Host(connection, "00:10:00", null, new TestActions.Block(passes: true)))
        {
            // Its host's heartbeat is long gone: the event's redelivery takes the run over (not "already ran") and runs it.
            await second.QueryRowsAsync($"UPDATE {second.Table("automation", "runs")} SET heartbeat = '2000-01-01 00:00:00' WHERE entity_id = @p0", Id(byEvent));
            await RedeliverAsync(second, byEvent);
            // This host's first sweep runs once it has started and may come after the UPDATE above: then the sweep
            // takes the run over and the redelivery leaves it to it. Either way the one run ends SUCCEEDED, once.
            await ScheduledWorkTests.EventuallyAsync(async () => Str(Assert.Single(await RunsAsync(second, byEvent))["status"]) == "SUCCEEDED", "the pending run is taken over");
            var taken = Assert.Single(await RunsAsync(second, byEvent));
            Assert.Equal((redelivered, "SUCCEEDED"), (Str(taken["id"]), Str(taken["status"])));
            Assert.Equal(1, await CommentCountAsync(second, byEvent, "After the first"));
            Assert.Equal("PENDING", Str(Assert.Single(await RunsAsync(second, bySweep))["status"])); // its heartbeat is within this host's grace
        }

        // The run nothing redelivers is taken over by the sweep once its heartbeat is a grace old.
        await using var third = Host(connection, "00:00:01", null, new TestActions.Block(passes: true));
        await ScheduledWorkTests.EventuallyAsync(async () => Str((await RunsAsync(third, bySweep))[0]["status"]) == "SUCCEEDED", "the sweep takes over the pending run");
        Assert.Equal(swept, Str(Assert.Single(await RunsAsync(third, bySweep))["id"]));
        Assert.Equal(1, await CommentCountAsync(third, bySweep, "After the first"));
    }

    /// <summary>Work a stopping host's cancellation cut short: however it surfaces, it is over.</summary>
    private static async Task StoppedAsync(Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (OperationCanceledException)
        {
        }
    }

    [Fact]
    public async Task A_live_run_held_in_an_action_keeps_its_lease_and_once_the_sweep_ends_it_its_host_writes_nothing_and_a_retry_runs_each_action_once()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        var held = new OutsideCall();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // A budget longer than the time the test moves the clock on: the run stops for its lost lease, not for its budget.
        await using var host = HostOnClock(connection, "00:10:00", "00:00:30", clock, null, held);
        var rule = await RuleAsync(host, "platform.manual", new { },
            new { kind = "timeline.addComment", @params = new { text = "First" } },
            new { kind = OutsideCall.KindName },
            new { kind = "timeline.addComment", @params = new { text = "Last" } });
        var deal = await host.CreateDealAsync(new { title = "Held" });
        var call = host.QueryAsync(Start, new { ruleId = rule, recordId = deal });
        await held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60));

        // Two graces and more inside the action, in beats of a third of a grace on the host's clock: its host renews the
        // lease at each beat, so the sweep (every grace) leaves it running and a retry refuses it.
        for (var beat = 0; beat < 7; beat++)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            var now = clock.GetUtcNow().UtcDateTime;
            await ScheduledWorkTests.EventuallyAsync(
                async () => await ScheduledWorkTests.CountAsync(host, $"SELECT COUNT(*) AS n FROM {host.Table("automation", "runs")} WHERE entity_id = @p0 AND heartbeat >= @p1", Id(deal), now) == 1,
                "the host renewed the run's lease");
        }

        var running = Assert.Single(await RunsAsync(host, deal));
        Assert.Equal("RUNNING", Str(running["status"]));
        Assert.Equal("INVALID_VALUE", (await host.MutateAsync("retryRun", Retry, new { id = Str(running["id"]) })).ErrorCode());

        // Its host cannot renew (frozen past a grace): the sweep's own statement ends it and takes its lease.
        await host.QueryRowsAsync($"UPDATE {host.Table("automation", "runs")} SET status = 'TimedOut', error = 'swept', lease = NULL, heartbeat = NULL WHERE entity_id = @p0", Id(deal));
        held.Release.SetResult();
        await call;
        var ended = Assert.Single(await RunsAsync(host, deal));
        Assert.Equal(("TIMED_OUT", "swept"), (Str(ended["status"]), Str(ended["error"])));
        Assert.Equal(0, await CommentCountAsync(host, deal, "Last")); // its host went no further

        var retry = (await host.MutateAsync("retryRun", Retry, new { id = Str(ended["id"]) })).Ok()["run"]!;
        Assert.Equal("SUCCEEDED", Str(retry["status"]));
        Assert.Equal([OutsideCall.KindName, "timeline.addComment"], retry["steps"]!.AsArray().Select(s => Str(s!["kind"])));
        Assert.Equal((1, 1), (await CommentCountAsync(host, deal, "First"), await CommentCountAsync(host, deal, "Last")));
        Assert.Equal(2, held.Calls); // the call under way when the run was ended, then the retry's: the next action ran once
    }

    [Fact]
    public async Task A_due_wait_is_taken_with_its_run_moved_running_at_once_and_a_host_stopping_after_leaves_it_to_the_sweep()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        var blocked = new OutsideCall();
        string deal;
        await using (var first = Host(connection, "00:10:00", null, blocked))
        {
            var rule = await RuleAsync(first, "platform.manual", new { },
                new { kind = OutsideCall.KindName, timing = new { mode = "AFTER_DELAY", delay = "PT1S" } });
            deal = await first.CreateDealAsync(new { title = "Waiting" });
            Assert.Equal("WAITING", Str((await first.MutateAsync("startAutomationRule", Start, new { ruleId = rule, recordId = deal })).Ok()["run"]!["status"]));
            await blocked.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60));

            // The wait's take and the run's move happened together: taken, and RUNNING under a lease with a heartbeat.
            var row = Assert.Single(await first.QueryRowsAsync(
                $"SELECT r.status, r.lease, r.heartbeat, w.state FROM {first.Table("automation", "runs")} r JOIN {first.Table("automation", "waits")} w ON w.run_id = r.id WHERE r.entity_id = @p0", Id(deal)));
            Assert.Equal(("Running", "Done"), ((string)row["status"]!, (string)row["state"]!));
            Assert.NotNull(row["lease"]);
            Assert.NotNull(row["heartbeat"]);
            blocked.Release.SetCanceled(); // the host stops inside the action
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        await using var second = Host(connection, "00:00:01", null, new OutsideCall());
        await ScheduledWorkTests.EventuallyAsync(async () => Str((await RunsAsync(second, deal))[0]["status"]) == "TIMED_OUT", "the sweep ends the run its host left");
    }
}

/// <summary>Keeps what a host logged at Error and above.</summary>
public sealed class ErrorLog : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue($"{category}: {formatter(state, exception)}");
            }
        }
    }
}

/// <summary><c>tests.outside</c>: a call to the outside (no transaction around it) that waits until released (cancelled: as a stopping host's work ends).</summary>
public sealed class OutsideCall : IAutomationActionKind
{
    public const string KindName = "tests.outside";

    private int _calls;

    public int Calls => _calls;

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => KindName;

    public string Description => "Calls the outside, when released.";

    public bool HasExternalEffects => true;

    public IReadOnlyList<AutomationParameter> Parameters { get; } = [];

    public bool AppliesTo(ICrmEntityDefinition recordType) => true;

    public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
    {
        Entered.TrySetResult();
        await Release.Task;
        Interlocked.Increment(ref _calls);
        return ActionOutcome.Success(null);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RunLeaseOnSqlite() : RunLeaseTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class RunLeaseOnPostgres() : RunLeaseTests(Engine.Postgres);
