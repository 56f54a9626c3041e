using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Platform;
using Crm.PluginSdk.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Host.Tests.Automation.Processes.ProcessGraphs;

namespace Crm.Host.Tests.Automation.Processes;

/// <summary>
/// Instances live in the database, their timers in the durable scheduler: a host stopped while an
/// instance waits (for a signal, a timer) leaves it to the next host on the same database, which
/// takes it on; a timer fires once and moves its branch, an approval's timeout takes its timeout edge.
/// Each test has databases of its own, since it restarts hosts on them. A timer's time is made to come
/// through the scheduler when the test chooses (<see cref="TimersDueThenAsync"/>), never waited for on a
/// loaded machine, where a short one could pass before the test saw the instance wait.
/// </summary>
public abstract class ProcessDurabilityTests(Engine engine)
{
    /// <summary>
    /// Makes the instance's timers due now through the scheduler (their work scheduled again, for now, with
    /// the payload the module gives it), again at each look until the instance is <paramref name="status"/>:
    /// a starting host's recovery schedules each timer again at its own time and may come after.
    /// </summary>
    private static async Task TimersDueThenAsync(CrmHost host, string deal, string instance, string status)
    {
        var scheduler = host.Services.GetRequiredService<IWorkScheduler>();
        await ScheduledWorkTests.EventuallyAsync(async () =>
        {
            var now = await host.InstanceAsync(deal, instance);
            foreach (var timer in now["position"]!["tokens"]!.AsArray().Select(t => t?["wait"]?["timer"]?.GetValue<string>()).OfType<string>())
            {
                var payload = new System.Text.Json.Nodes.JsonObject { ["instanceId"] = long.Parse(instance, System.Globalization.CultureInfo.InvariantCulture), ["timer"] = timer };
                await scheduler.ScheduleAsync("automation/process-timer", timer, DateTimeOffset.UtcNow, payload.ToJsonString(), CancellationToken.None);
            }

            return now["status"].Str() == status;
        }, $"the instance is {status}");
    }

    private string? SqliteFolder(string connection) =>
        engine == Engine.Sqlite ? Path.GetDirectoryName(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connection).DataSource) : null;

    [Fact]
    public async Task An_instance_survives_a_host_restart_and_a_second_host_finishes_it_its_timer_firing_once()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        var first = new CrmHost(engine, connection, ScheduledWorkTests.QuickScheduler);
        _ = first.Server;
        var process = await first.ActiveProcessAsync(new
        {
            name = "Wait, then a timer",
            graph = Line(Step("signed", "wait", new { on = "signal", name = "signed" }), Step("cool", "wait", new { on = "timer", delay = "PT1H" }), SetComments("after", "cooled down")),
        });
        var deal = await first.CreateDealAsync(new { title = "Durable" });
        var instance = (await first.StartAsync(process, deal)).Ok()["instance"]!["id"].Str();
        await first.DisposeAsync();

        await using var second = new CrmHost(engine, connection, ScheduledWorkTests.QuickScheduler, SqliteFolder(connection));
        _ = second.Server;
        Assert.Equal("WAITING", (await second.InstanceAsync(deal, instance))["status"].Str());
        var signalled = (await second.SignalAsync(instance, "signed")).Ok()["instance"]!;
        Assert.Equal("WAITING", signalled["status"].Str()); // now on the timer
        var timer = signalled["position"]!["tokens"]![0]!["wait"]!;
        Assert.Equal("timer", timer["kind"].Str());

        await TimersDueThenAsync(second, deal, instance, "COMPLETED");
        var done = await second.InstanceAsync(deal, instance);
        Assert.Single(done["steps"]!.AsArray(), s => s!["stepId"].Str() == "cool" && s["status"].Str() == "RESUMED");
        Assert.Single(done["steps"]!.AsArray(), s => s!["stepId"].Str() == "after");
        Assert.Equal("cooled down", await second.CommentsAsync(deal));
    }

    [Fact]
    public async Task A_host_that_stopped_between_two_steps_leaves_the_instance_to_the_next_host_which_goes_on_at_start()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        var first = new CrmHost(engine, connection, ScheduledWorkTests.QuickScheduler);
        _ = first.Server;
        var process = await first.ActiveProcessAsync(new { name = "Interrupted", graph = Line(Step("wait", "wait", new { on = "signal", name = "go" }), SetComments("after", "taken on")) });
        var deal = await first.CreateDealAsync(new { title = "Interrupted" });
        var instance = (await first.StartAsync(process, deal)).Ok()["instance"]!["id"].Str();
        // As a host leaves it when it stops right after committing a resume: the branch ready at its next step, not yet taken.
        await first.QueryRowsAsync($"UPDATE {first.Table("automation", "process_instances")} SET status = 'Running', state = @p0 WHERE id = @p1",
            """{"tokens":[{"id":1,"at":"after"}],"joins":{},"loops":{},"nextToken":2}""", long.Parse(instance, System.Globalization.CultureInfo.InvariantCulture));
        await first.DisposeAsync();

        await using var second = new CrmHost(engine, connection, ScheduledWorkTests.QuickScheduler, SqliteFolder(connection));
        _ = second.Server;
        await ScheduledWorkTests.EventuallyAsync(async () => (await second.InstanceAsync(deal, instance))["status"].Str() == "COMPLETED", "the next host took the instance on");
        var done = await second.InstanceAsync(deal, instance);
        Assert.Equal("taken on", await second.CommentsAsync(deal));
        Assert.Single(done["steps"]!.AsArray(), s => s!["stepId"].Str() == "after");
    }

    [Fact]
    public async Task An_approval_nobody_decides_in_time_takes_its_timeout_edge_and_leaves_the_assignees_lists()
    {
        await using var host = await CrmHost.StartAsync(engine, ScheduledWorkTests.QuickScheduler);
        var approver = await host.NewUserWithKeyAsync("slow");
        var process = await host.ActiveProcessAsync(new
        {
            name = "Approve in time",
            graph = Graph(
                [Step("start", "start"), Step("ok", "approval", new { mode = "any", assignees = new[] { long.Parse(approver.Id, System.Globalization.CultureInfo.InvariantCulture) }, timeout = "PT1H" }),
                 SetComments("yes", "approved"), SetComments("no", "rejected"), SetComments("late", "timed out"), Step("end", "end")],
                [Edge("start", "ok"), Edge("ok", "yes", "approved"), Edge("ok", "no", "rejected"), Edge("ok", "late", "timeout"), Edge("yes", "end"), Edge("no", "end"), Edge("late", "end")]),
        });
        var deal = await host.CreateDealAsync(new { title = "Slow" });
        var instance = (await host.StartAsync(process, deal)).Ok()["instance"]!;
        var approval = instance["approvals"]![0]!["id"].Str();
        Assert.Single((await host.QueryAsync("{ myApprovals { id } }", null, approver.Key)).ShouldSucceed().Data!["myApprovals"]!.AsArray());

        await TimersDueThenAsync(host, deal, instance["id"].Str(), "COMPLETED");
        var done = await host.InstanceAsync(deal, instance["id"].Str());
        Assert.Equal("TIMED_OUT", done["approvals"]![0]!["status"].Str());
        Assert.Equal("timed out", await host.CommentsAsync(deal));
        Assert.Empty((await host.QueryAsync("{ myApprovals { id } }", null, approver.Key)).ShouldSucceed().Data!["myApprovals"]!.AsArray());
        var late = await host.MutateAsync("completeApproval", "mutation($id: ID!) { completeApproval(id: $id, decision: APPROVE) { errors { code } } }", new { id = approval }, approver.Key);
        Assert.Equal("INVALID_VALUE", late["errors"]![0]!["code"].Str());

        // A timeout without its edge (or an edge without a timeout) is refused when saved.
        var refused = await host.CreateAsync(new
        {
            name = "No timeout edge",
            graph = Graph([Step("start", "start"), Step("ok", "approval", new { assignees = new[] { 1 }, timeout = "PT1H" }), Step("end", "end")],
                [Edge("start", "ok"), Edge("ok", "end", "approved"), Edge("ok", "end", "rejected")]),
        });
        Assert.Contains("Step 'ok'", refused["errors"]![0]!["message"].Str(), StringComparison.Ordinal);
        var tooLong = await host.CreateAsync(new { name = "Forever", graph = Line(Step("w", "wait", new { on = "timer", delay = "P3660D" })) });
        Assert.Equal(["input", "graph", "steps", "1", "params", "delay"], tooLong["errors"]![0]!["path"]!.AsArray().Select(p => p.Str()));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ProcessDurabilityOnSqlite() : ProcessDurabilityTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class ProcessDurabilityOnPostgres() : ProcessDurabilityTests(Engine.Postgres);
