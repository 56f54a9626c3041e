using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;
using static Crm.Host.Tests.Automation.Processes.ProcessGraphs;

namespace Crm.Host.Tests.Automation.Processes;

/// <summary>
/// Instances advance step by step through actions, branches, loops, parallel branches and waits,
/// each step in the history; one active instance per record and process whatever twenty starts do;
/// events start processes and re-test condition waits; signals and cancels move them.
/// </summary>
public abstract class ProcessInstanceTests(AutomationHost fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task SettleAsync()
    {
        for (var i = 0; i < 4; i++)
        {
            await Host.DeliverAsync();
        }
    }

    [Fact]
    public async Task An_instance_runs_actions_and_takes_the_branch_its_condition_picks_each_step_in_its_history()
    {
        var process = await Host.ActiveProcessAsync(new
        {
            name = "Size the deal",
            graph = Graph(
                [Step("start", "start", position: new { x = 10, y = 20 }), Comment("note", "Sizing"), Step("big", "if", new { condition = new { field = "opportunity", op = "gt", value = 1000 } }),
                 SetComments("mark", "big one"), Step("end", "end")],
                [Edge("start", "note"), Edge("note", "big"), Edge("big", "mark", "true"), Edge("big", "end", "false"), Edge("mark", "end")]),
        });
        var big = await Host.CreateDealAsync(new { title = "Big", opportunity = 5000 });
        var small = await Host.CreateDealAsync(new { title = "Small", opportunity = 10 });

        var started = (await Host.StartAsync(process, big)).Ok()["instance"]!;
        Assert.Equal("COMPLETED", started["status"].Str());
        Assert.Equal(["start", "note", "big", "mark", "end"], started["steps"]!.AsArray().Select(s => s!["stepId"].Str()));
        Assert.Equal("true", started["steps"]![2]!["outcome"].Str());
        Assert.Equal("big one", await Host.CommentsAsync(big));
        var timeline = (await Host.CommentTimelineAsync("DEAL", big)).ShouldSucceed().Data!["timeline"]!["nodes"]!.AsArray();
        Assert.Contains(timeline, e => e!["text"]?.GetValue<string>() == "Sizing");

        var other = (await Host.StartAsync(process, small)).Ok()["instance"]!;
        Assert.Equal(("COMPLETED", "false"), (other["status"].Str(), other["steps"]![2]!["outcome"].Str()));
        Assert.Null(await Host.CommentsAsync(small));
        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task A_capped_loop_and_parallel_branches_meeting_at_their_join_run_each_step_as_often_as_drawn()
    {
        var process = await Host.ActiveProcessAsync(new
        {
            name = "Loop and split",
            graph = Graph(
                [Step("start", "start"), Step("loop", "loop", new { max = 3 }), Comment("again", "Round"), Step("split", "split"),
                 Comment("left", "Left"), Comment("right", "Right"), Step("join", "join", new { split = "split" }), SetComments("done", "joined"), Step("end", "end")],
                [Edge("start", "loop"), Edge("loop", "again", "body"), Edge("again", "loop"), Edge("loop", "split", "done"),
                 Edge("split", "left"), Edge("split", "right"), Edge("left", "join"), Edge("right", "join"), Edge("join", "done"), Edge("done", "end")]),
        });
        var deal = await Host.CreateDealAsync(new { title = "Loops" });
        var instance = (await Host.StartAsync(process, deal)).Ok()["instance"]!;
        Assert.Equal("COMPLETED", instance["status"].Str());
        var steps = instance["steps"]!.AsArray().Select(s => s!["stepId"].Str()).ToList();
        Assert.Equal(3, steps.Count(s => s == "again"));
        Assert.Equal((1, 1, 1, 1), (steps.Count(s => s == "left"), steps.Count(s => s == "right"), steps.Count(s => s == "done"), steps.Count(s => s == "end")));
        Assert.Equal("joined", await Host.CommentsAsync(deal));
        var texts = (await Host.CommentTimelineAsync("DEAL", deal)).ShouldSucceed().Data!["timeline"]!["nodes"]!.AsArray().Select(e => e!["text"]?.GetValue<string>()).ToList();
        Assert.Equal((3, 1, 1), (texts.Count(t => t == "Round"), texts.Count(t => t == "Left"), texts.Count(t => t == "Right")));
        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task Twenty_parallel_starts_on_one_record_start_one_instance_logging_no_error_which_a_signal_then_finishes()
    {
        var process = await Host.ActiveProcessAsync(new
        {
            name = "Wait for the customer",
            graph = Line(Step("wait", "wait", new { on = "signal", name = "signed" }), SetComments("after", "signed")),
        });
        var deal = await Host.CreateDealAsync(new { title = "Race" });
        fixture.Errors.Entries.Clear();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.StartAsync(process, deal)));
        Assert.Empty(fixture.Errors.Entries); // the starts that lost the race found the active key taken: no refused insert
        var started = Assert.Single(results, r => r["errors"]!.AsArray().Count == 0);
        Assert.All(results.Where(r => r != started), r => Assert.Equal("CONFLICT", r["errors"]![0]!["code"].Str()));
        var instance = started["instance"]!;
        Assert.Equal("WAITING", instance["status"].Str());
        Assert.Single(await Host.InstancesAsync(deal));

        var refused = await Host.SignalAsync(instance["id"].Str(), "other");
        Assert.Equal("INVALID_VALUE", refused["errors"]![0]!["code"].Str());
        var signalled = (await Host.SignalAsync(instance["id"].Str(), "signed", new { by = "customer" })).Ok()["instance"]!;
        Assert.Equal("COMPLETED", signalled["status"].Str());
        var resumed = Assert.Single(signalled["steps"]!.AsArray(), s => s!["status"].Str() == "RESUMED")!;
        Assert.Equal("customer", resumed["output"]!["payload"]!["by"].Str());
        Assert.Equal("signed", await Host.CommentsAsync(deal));

        // Done: the record may have a new one, which a cancel ends.
        var second = (await Host.StartAsync(process, deal)).Ok()["instance"]!["id"].Str();
        var cancelled = (await Host.MutateAsync("cancelProcess", "mutation($id: ID!) { cancelProcess(id: $id) { instance { status } errors { code message } } }", new { id = second })).Ok();
        Assert.Equal("CANCELLED", cancelled["instance"]!["status"].Str());
        Assert.Equal("INVALID_VALUE", (await Host.SignalAsync(second, "signed"))["errors"]![0]!["code"].Str());
        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task A_process_started_on_create_with_a_condition_waits_for_a_condition_that_a_later_change_meets()
    {
        var marker = Records.NewMarker("bp");
        var process = await Host.ActiveProcessAsync(new
        {
            name = "Qualify on create",
            start = "ON_CREATE",
            startCondition = new { field = "title", op = "contains", value = marker },
            graph = Line(Step("ready", "wait", new { on = "condition", condition = new { field = "opportunity", op = "gte", value = 100 } }), SetComments("go", "qualified")),
        });
        try
        {
            var matching = await Host.CreateDealAsync(new { title = $"Yes {marker}", opportunity = 5 });
            var other = await Host.CreateDealAsync(new { title = "No" });
            await SettleAsync();
            await SettleAsync(); // redelivery starts nothing twice
            Assert.Empty(await Host.InstancesAsync(other));
            var waiting = Assert.Single(await Host.InstancesAsync(matching));
            Assert.Equal(("WAITING", "EVENT"), (waiting["status"].Str(), waiting["startedVia"].Str()));

            (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { opportunity: 50 }) { errors { code } } }", new { id = matching })).Ok();
            await SettleAsync();
            Assert.Equal("WAITING", (await Host.InstanceAsync(matching, waiting["id"].Str()))["status"].Str());

            (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { opportunity: 500 }) { errors { code } } }", new { id = matching })).Ok();
            await SettleAsync();
            Assert.Equal("COMPLETED", (await Host.InstanceAsync(matching, waiting["id"].Str()))["status"].Str());
            Assert.Equal("qualified", await Host.CommentsAsync(matching));
        }
        finally
        {
            await Host.DeactivateProcessAsync(process);
        }
    }

    [Fact]
    public async Task Listing_a_records_instances_costs_as_many_statements_for_five_as_for_one()
    {
        var process = await Host.ActiveProcessAsync(new
        {
            name = "Many at once",
            allowConcurrentInstances = true,
            graph = Line(Comment("note", "Started"), Step("wait", "wait", new { on = "signal", name = "go" })),
        });
        var deal = await Host.CreateDealAsync(new { title = "Many" });
        const string Query = "query($id: ID!) { processInstances(where: { entityType: DEAL, entityId: $id }) { id status steps { stepId } approvals { id } } }";
        (await Host.StartAsync(process, deal)).Ok();
        var one = await Host.QueryAsync(Query, new { id = deal });
        for (var i = 0; i < 4; i++)
        {
            (await Host.StartAsync(process, deal)).Ok();
        }

        var five = await Host.QueryAsync(Query, new { id = deal });
        Assert.Equal(5, five.ShouldSucceed().Data!["processInstances"]!.AsArray().Count);
        Assert.Equal(one.Statements, five.Statements);
        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task A_switch_takes_the_edge_of_the_fields_value_or_its_default()
    {
        var process = await Host.ActiveProcessAsync(new
        {
            name = "By title",
            graph = Graph(
                [Step("start", "start"), Step("which", "switch", new { field = "title" }), SetComments("gold", "gold route"), SetComments("other", "default route"), Step("end", "end")],
                [Edge("start", "which"), Edge("which", "gold", "Gold"), Edge("which", "other", "default"), Edge("gold", "end"), Edge("other", "end")]),
        });
        var gold = await Host.CreateDealAsync(new { title = "Gold" });
        var plain = await Host.CreateDealAsync(new { title = "Plain" });
        Assert.Equal("Gold", (await Host.StartAsync(process, gold)).Ok()["instance"]!["steps"]![1]!["outcome"].Str());
        Assert.Equal("default", (await Host.StartAsync(process, plain)).Ok()["instance"]!["steps"]![1]!["outcome"].Str());
        Assert.Equal(("gold route", "default route"), (await Host.CommentsAsync(gold), await Host.CommentsAsync(plain)));
        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task A_sub_process_runs_on_the_same_record_and_its_parent_goes_on_when_it_completes()
    {
        var child = await Host.ActiveProcessAsync(new { name = "Child", graph = Line(Step("wait", "wait", new { on = "signal", name = "child" }), Comment("inner", "From the child")) });
        var parent = await Host.ActiveProcessAsync(new { name = "Parent", graph = Line(Step("sub", "subProcess", new { processId = long.Parse(child, System.Globalization.CultureInfo.InvariantCulture) }), SetComments("outer", "child done")) });
        var deal = await Host.CreateDealAsync(new { title = "Nested" });
        var started = (await Host.StartAsync(parent, deal)).Ok()["instance"]!;
        Assert.Equal("WAITING", started["status"].Str());

        var instances = await Host.InstancesAsync(deal);
        var inner = Assert.Single(instances, i => i["processId"].Str() == child);
        (await Host.SignalAsync(inner["id"].Str(), "child")).Ok();
        Assert.Equal("COMPLETED", (await Host.InstanceAsync(deal, started["id"].Str()))["status"].Str());
        Assert.Equal("child done", await Host.CommentsAsync(deal));
        await Host.DeactivateProcessAsync(parent);
        await Host.DeactivateProcessAsync(child);
    }

    [Fact]
    public async Task A_failed_action_takes_its_error_edge_or_fails_the_instance_with_the_step_named()
    {
        var failing = Step("bad", "script", new { source = "throw new Error('boom');" });
        var deal = await Host.CreateDealAsync(new { title = "Fails" });
        var process = await Host.ActiveProcessAsync(new { name = "Fails", graph = Line(failing) });
        var failed = (await Host.StartAsync(process, deal)).Ok()["instance"]!;
        Assert.Equal("FAILED", failed["status"].Str());
        Assert.Contains("'bad'", failed["error"].Str(), StringComparison.Ordinal);
        await Host.DeactivateProcessAsync(process);

        var handled = await Host.ActiveProcessAsync(new
        {
            name = "Handles",
            graph = Graph([Step("start", "start"), failing, SetComments("fix", "handled"), Step("end", "end")],
                [Edge("start", "bad"), Edge("bad", "end"), Edge("bad", "fix", "error"), Edge("fix", "end")]),
        });
        var recovered = (await Host.StartAsync(handled, deal)).Ok()["instance"]!;
        Assert.Equal("COMPLETED", recovered["status"].Str());
        Assert.Equal("handled", await Host.CommentsAsync(deal));
        await Host.DeactivateProcessAsync(handled);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ProcessInstanceOnSqlite(AutomationSqliteHost fixture) : ProcessInstanceTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ProcessInstanceOnPostgres(AutomationPostgresHost fixture) : ProcessInstanceTests(fixture), IClassFixture<AutomationPostgresHost>;
