using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;
using static Crm.Host.Tests.Automation.Processes.ProcessGraphs;

namespace Crm.Host.Tests.Automation.Processes;

/// <summary>
/// A process's graph is checked when saved: a dangling edge, a step that cannot reach an end, a
/// cycle with no loop step, a join that does not match its split, wrong parameters, each refused
/// naming the step; every limit refused at ten times itself. Versions go draft → active → archived,
/// and the editor's data (positions) comes back as saved.
/// </summary>
public abstract class ProcessDefinitionTests(AutomationHost fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task<JsonNode> RefusedAsync(object graph, string? expectedCode = "INVALID_VALUE")
    {
        var payload = await Host.CreateAsync(new { name = "Refused", graph });
        Assert.Null(payload["process"]);
        var error = payload["errors"]![0]!;
        if (expectedCode is not null)
        {
            Assert.Equal(expectedCode, error["code"].Str());
        }

        return error;
    }

    [Fact]
    public async Task A_dangling_edge_is_refused_naming_its_step()
    {
        var error = await RefusedAsync(Graph([Step("start", "start"), Comment("note", "x"), Step("end", "end")],
            [Edge("start", "note"), Edge("note", "missing"), Edge("note", "end")]));
        Assert.Contains("'missing'", error["message"].Str(), StringComparison.Ordinal);
        Assert.Contains("from 'note'", error["message"].Str(), StringComparison.Ordinal);
        Assert.Equal("input.graph.edges.1.to", string.Join('.', error["path"]!.AsArray().Select(p => p.Str())));
    }

    [Fact]
    public async Task A_step_from_which_no_end_is_reached_is_refused_by_name()
    {
        // "stuck" waits for a signal, then leads only back to itself through "again": the end is out of reach.
        var error = await RefusedAsync(Graph(
            [Step("start", "start"), Step("fork", "if", new { condition = new { field = "opportunity", op = "gt", value = 1 } }), Step("stuck", "wait", new { on = "signal", name = "go" }),
             Step("again", "loop", new { max = 3 }), Step("end", "end")],
            [Edge("start", "fork"), Edge("fork", "end", "false"), Edge("fork", "stuck", "true"), Edge("stuck", "again"), Edge("again", "stuck", "body"), Edge("again", "stuck", "done")]));
        Assert.Contains("no path leads from it to an end", error["message"].Str(), StringComparison.Ordinal);
        Assert.Matches("Step '(stuck|again)'", error["message"].Str());
    }

    [Fact]
    public async Task A_cycle_that_passes_no_loop_step_is_refused_as_an_unbounded_loop_naming_a_step_on_it()
    {
        var error = await RefusedAsync(Graph(
            [Step("start", "start"), Comment("a", "a"), Step("check", "if", new { condition = new { field = "opportunity", op = "gt", value = 1 } }), Step("end", "end")],
            [Edge("start", "a"), Edge("a", "check"), Edge("check", "a", "true"), Edge("check", "end", "false")]));
        Assert.Contains("unbounded loop", error["message"].Str(), StringComparison.Ordinal);
        Assert.Matches("Step '(a|check)'", error["message"].Str());

        // The same cycle through a capped loop step is fine.
        (await Host.CreateAsync(new
        {
            name = "Bounded",
            graph = Graph(
                [Step("start", "start"), Step("loop", "loop", new { max = 5 }), Comment("a", "a"), Step("end", "end")],
                [Edge("start", "loop"), Edge("loop", "a", "body"), Edge("a", "loop"), Edge("loop", "end", "done")]),
        })).Ok();
    }

    [Fact]
    public async Task Joins_match_their_splits_and_steps_have_the_edges_their_kind_needs()
    {
        object Split(params object[] extra) => Graph(
            [Step("start", "start"), Step("split", "split"), Comment("l", "l"), Comment("r", "r"), Step("join", "join", new { split = "split" }), Step("end", "end"), .. extra],
            [Edge("start", "split"), Edge("split", "l"), Edge("split", "r"), Edge("l", "join"), Edge("r", "end"), Edge("join", "end")]);
        var error = await RefusedAsync(Split());
        Assert.Contains("Step 'join'", error["message"].Str(), StringComparison.Ordinal);

        var unlabelled = await RefusedAsync(Graph(
            [Step("start", "start"), Step("check", "if", new { condition = new { field = "opportunity", op = "gt", value = 1 } }), Step("end", "end")],
            [Edge("start", "check"), Edge("check", "end")]));
        Assert.Contains("Step 'check'", unlabelled["message"].Str(), StringComparison.Ordinal);

        var badParams = await RefusedAsync(Graph([Step("start", "start"), Step("act", "action", new { kind = "records.setFields", @params = new { fields = new { noSuchField = 1 } } }), Step("end", "end")],
            [Edge("start", "act"), Edge("act", "end")]), null);
        Assert.Equal(["input", "graph", "steps", "1"], badParams["path"]!.AsArray().Take(4).Select(p => p.Str()));

        var twoStarts = await RefusedAsync(Graph([Step("start", "start"), Step("again", "start"), Step("end", "end")], [Edge("start", "end"), Edge("again", "end")]));
        Assert.Contains("exactly one start", twoStarts["message"].Str(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_limit_is_refused_at_ten_times_itself_before_any_work()
    {
        var steps = Enumerable.Range(0, 2_000).Select(i => Step($"s{i}", "end")).ToArray();
        await RefusedAsync(Graph(steps, []), "LIMIT_EXCEEDED");
        var edges = Enumerable.Range(0, 4_000).Select(_ => Edge("start", "end")).ToArray();
        await RefusedAsync(Graph([Step("start", "start"), Step("end", "end")], edges), "LIMIT_EXCEEDED");
        await RefusedAsync(Graph([Step("start", "start", position: new { note = new string('x', 1_000_000) }), Step("end", "end")], [Edge("start", "end")]), "LIMIT_EXCEEDED");
        await RefusedAsync(Graph([Step("start", "start"), Step("loop", "loop", new { max = 1_000 }), Step("end", "end")],
            [Edge("start", "loop"), Edge("loop", "loop", "body"), Edge("loop", "end", "done")]), "LIMIT_EXCEEDED");
        await RefusedAsync(Graph([Step("start", "start"), Step("ok", "approval", new { assignees = Enumerable.Range(1, 500).ToArray() }), Step("end", "end")],
            [Edge("start", "ok"), Edge("ok", "end", "approved"), Edge("ok", "end", "rejected")]), "LIMIT_EXCEEDED");
        var longId = await RefusedAsync(Graph([Step(new string('s', 640), "start"), Step("end", "end")], []), "INVALID_FORMAT");
        Assert.Equal("input.graph.steps.0", string.Join('.', longId["path"]!.AsArray().Select(p => p.Str())));
        var longName = await Host.CreateAsync(new { name = new string('n', 2_000), graph = Line() });
        Assert.Equal("TOO_LONG", longName["errors"]![0]!["code"].Str());
        var signal = await Host.MutateAsync("signalProcess", "mutation($n: String!) { signalProcess(instanceId: 1, name: $n) { errors { code } } }", new { n = new string('n', 1_000) });
        Assert.Equal("LIMIT_EXCEEDED", signal["errors"]![0]!["code"].Str());
        var first = await Host.QueryAsync("{ processInstances(first: 2000) { id } }");
        Assert.Contains("LIMIT_EXCEEDED", first.Body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Versions_go_draft_active_archived_and_the_editors_positions_come_back_as_saved()
    {
        var created = (await Host.CreateAsync(new { name = "V1", graph = Line(Step("a", "wait", new { on = "signal", name = "go" }, new { x = 120, y = 40 })) })).Ok()["process"]!;
        var id = created["id"].Str();
        Assert.Equal(1, created["draft"]!["version"]!.GetValue<int>());
        (await Host.MutateAsync("activateBusinessProcess", "mutation($id: ID!) { activateBusinessProcess(id: $id) { errors { code } } }", new { id })).Ok();
        var deal = await Host.CreateDealAsync(new { title = "Pinned" });
        var instance = (await Host.StartAsync(id, deal)).Ok()["instance"]!;

        (await Host.MutateAsync("updateBusinessProcess", "mutation($id: ID!, $input: BusinessProcessInput!) { updateBusinessProcess(id: $id, input: $input) { errors { code message } } }",
            new { id, input = new { name = "V2", graph = Line(Comment("c", "v2")) } })).Ok();
        (await Host.MutateAsync("activateBusinessProcess", "mutation($id: ID!) { activateBusinessProcess(id: $id) { errors { code } } }", new { id })).Ok();

        var read = (await Host.QueryAsync("query($id: ID!) { businessProcess(id: $id) { active { version name } versions { version state graph } } }", new { id })).ShouldSucceed().Data!["businessProcess"]!;
        Assert.Equal((2, "V2"), (read["active"]!["version"]!.GetValue<int>(), read["active"]!["name"].Str()));
        Assert.Equal(["ACTIVE", "ARCHIVED"], read["versions"]!.AsArray().Select(v => v!["state"].Str()));
        var first = read["versions"]![1]!["graph"]!["steps"]!.AsArray().First(s => s!["id"].Str() == "a")!;
        Assert.Equal(120, first["position"]!["x"]!.GetValue<int>());

        // The instance started on version 1 goes on with it.
        var signalled = (await Host.SignalAsync(instance["id"].Str(), "go")).Ok()["instance"]!;
        Assert.Equal((1, "COMPLETED"), (signalled["processVersion"]!.GetValue<int>(), signalled["status"].Str()));
        await Host.DeactivateProcessAsync(id);

        var user = await Host.NewUserWithKeyAsync("nobody");
        var forbidden = await Host.MutateAsync("createBusinessProcess",
            "mutation($input: BusinessProcessInput!) { createBusinessProcess(entityType: DEAL, input: $input) { errors { code } } }", new { input = new { name = "x", graph = Line() } }, user.Key);
        Assert.Equal("FORBIDDEN", forbidden["errors"]![0]!["code"].Str());
    }

    [Fact]
    public async Task The_shipped_templates_are_installed_once_as_drafts_and_run_once_activated()
    {
        var all = (await Host.QueryAsync("{ businessProcesses { id entityType templateKey active { version } draft { version name } } }")).ShouldSucceed().Data!["businessProcesses"]!.AsArray();
        var templates = all.Where(p => p!["templateKey"] is not null).ToList();
        Assert.Equal(["client-onboarding", "deal-discount-approval", "lead-qualification"], templates.Select(t => t!["templateKey"].Str()).Order());
        Assert.All(templates, t => Assert.Null(t!["active"]));
        Assert.Equal(("COMPANY", "DEAL", "LEAD"), (templates.Single(t => t!["templateKey"].Str() == "client-onboarding")!["entityType"].Str(),
            templates.Single(t => t!["templateKey"].Str() == "deal-discount-approval")!["entityType"].Str(), templates.Single(t => t!["templateKey"].Str() == "lead-qualification")!["entityType"].Str()));

        var onboarding = templates.Single(t => t!["templateKey"].Str() == "client-onboarding")!["id"].Str();
        (await Host.MutateAsync("activateBusinessProcess", "mutation($id: ID!) { activateBusinessProcess(id: $id) { errors { code message } } }", new { id = onboarding })).Ok();
        try
        {
            var company = await Host.CreateCompanyAsync(new { title = "New client" });
            for (var i = 0; i < 4; i++)
            {
                await Host.DeliverAsync();
            }

            var instance = Assert.Single(await Host.InstancesAsync(company, "COMPANY"));
            Assert.Equal("COMPLETED", instance["status"].Str());
            Assert.Equal(3, instance["steps"]!.AsArray().Count(s => s!["kind"].Str() == "action" && s["stepId"].Str() != "ready" && s["status"].Str() == "SUCCEEDED"));
        }
        finally
        {
            await Host.DeactivateProcessAsync(onboarding);
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ProcessDefinitionOnSqlite(AutomationSqliteHost fixture) : ProcessDefinitionTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ProcessDefinitionOnPostgres(AutomationPostgresHost fixture) : ProcessDefinitionTests(fixture), IClassFixture<AutomationPostgresHost>;
