using System.Globalization;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Platform;
using Crm.PluginSdk.Automation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Crm.Host.Tests.Automation.Processes.ProcessGraphs;

namespace Crm.Host.Tests.Automation.Processes;

/// <summary>
/// Process instances are held under a lease as rules' runs are: two hosts on one database, sharing an
/// injected clock moved by hand, sweep every grace. An instance held inside a step by a live host for
/// more than two graces keeps its lease (its host renews it) and neither sweep takes it; an instance
/// whose host died holding it (its heartbeat an hour old) is advanced once, by one of the sweeps.
/// </summary>
public abstract class InstanceLeaseTests(Engine engine)
{
    private CrmHost Host(string connection, FakeTimeProvider clock, OutsideCall held)
    {
        var settings = new Dictionary<string, string?>(DelayedActionTests.Settings)
        {
            ["Automation:StalledRunGrace"] = "00:00:30",
            // The held startProcess request lives through the minute the test moves the clock on.
            ["GraphQL:RequestTimeout"] = "00:10:00",
        };
        var host = new CrmHost(engine, connection, settings, services: services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<IAutomationActionKind>(held);
        });
        _ = host.Server;
        return host;
    }

    [Fact]
    public async Task A_live_instance_held_in_a_step_is_taken_by_no_sweep_and_one_whose_host_died_is_advanced_once()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));
        var held = new OutsideCall();
        await using var first = Host(connection, clock, held);
        await using var second = Host(connection, clock, new OutsideCall());
        var table = first.Table("automation", "process_instances");

        var calling = await first.ActiveProcessAsync(new
        {
            name = "Calls out for long",
            graph = Line(Step("call", "action", new { kind = OutsideCall.KindName, @params = new { } }), SetComments("after", "called")),
        });
        var liveDeal = await first.CreateDealAsync(new { title = "Live" });
        var call = first.StartAsync(calling, liveDeal);
        await held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var live = Assert.Single(await first.InstancesAsync(liveDeal))["id"].Str();
        var liveId = long.Parse(live, CultureInfo.InvariantCulture);
        var lease = (await first.QueryRowsAsync($"SELECT lease FROM {table} WHERE id = @p0", liveId))[0]["lease"]?.ToString();
        Assert.False(string.IsNullOrEmpty(lease));

        // A host died right after committing a resume, holding the instance's lease: its heartbeat stopped an hour ago.
        var waiting = await first.ActiveProcessAsync(new { name = "Left by a dead host", graph = Line(Step("wait", "wait", new { on = "signal", name = "go" }), SetComments("after", "taken on")) });
        var deadDeal = await first.CreateDealAsync(new { title = "Dead" });
        var dead = (await first.StartAsync(waiting, deadDeal)).Ok()["instance"]!["id"].Str();
        await first.QueryRowsAsync(
            $"UPDATE {table} SET status = 'Running', state = @p0, lease = '{Guid.NewGuid().ToString().ToUpperInvariant()}', heartbeat = '2026-11-30 09:00:00' WHERE id = @p1",
            """{"tokens":[{"id":1,"at":"after"}],"joins":{},"loops":{},"nextToken":2}""", long.Parse(dead, CultureInfo.InvariantCulture));

        // Seventy seconds in beats of ten: each host sweeps twice (every grace) while the live one renews its lease at each beat.
        for (var beat = 0; beat < 7; beat++)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            var now = clock.GetUtcNow().UtcDateTime;
            await ScheduledWorkTests.EventuallyAsync(
                async () => await ScheduledWorkTests.CountAsync(first, $"SELECT COUNT(*) AS n FROM {table} WHERE id = @p0 AND heartbeat >= @p1", liveId, now) == 1,
                "the live host renewed its lease");
        }

        await ScheduledWorkTests.EventuallyAsync(async () => (await first.InstanceAsync(deadDeal, dead))["status"].Str() == "COMPLETED", "a sweep took on the dead host's instance");
        Assert.Single((await second.InstanceAsync(deadDeal, dead))["steps"]!.AsArray(), s => s!["stepId"].Str() == "after");
        Assert.Equal("taken on", await second.CommentsAsync(deadDeal));

        // The live one: still its host's, inside its step, nothing failed or taken again.
        var still = await second.InstanceAsync(liveDeal, live);
        Assert.Equal("RUNNING", still["status"].Str());
        Assert.DoesNotContain(still["steps"]!.AsArray(), s => s!["status"].Str() == "FAILED");
        Assert.Equal(lease, (await first.QueryRowsAsync($"SELECT lease FROM {table} WHERE id = @p0", liveId))[0]["lease"]?.ToString());
        Assert.Equal(0, held.Calls);

        held.Release.SetResult();
        Assert.Equal("COMPLETED", (await call).Ok()["instance"]!["status"].Str());
        var done = await second.InstanceAsync(liveDeal, live);
        Assert.Single(done["steps"]!.AsArray(), s => s!["stepId"].Str() == "call" && s["status"].Str() == "SUCCEEDED");
        Assert.Single(done["steps"]!.AsArray(), s => s!["stepId"].Str() == "after");
        Assert.Equal(1, held.Calls);
        Assert.Empty(await first.QueryRowsAsync($"SELECT id FROM {table} WHERE lease IS NOT NULL"));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class InstanceLeaseOnSqlite() : InstanceLeaseTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class InstanceLeaseOnPostgres() : InstanceLeaseTests(Engine.Postgres);
