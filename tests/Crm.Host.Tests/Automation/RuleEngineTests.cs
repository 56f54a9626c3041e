using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// Active rules run on the events that match their triggers: the condition tested on the record as
/// the run-as user reads it, the actions done as that user, each run logged once; a rule's own
/// changes do not start it again, a cascade stops at its limit, and what cannot run yet is not activated.
/// </summary>
public abstract class RuleEngineTests(AutomationHost fixture)
{
    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private async Task<string> ActiveRuleAsync(object input)
    {
        var id = Str((await Host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }", new { input })).Ok()["rule"]!["id"]);
        (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();
        return id;
    }

    private async Task DeactivateAsync(string id) =>
        (await Host.MutateAsync("deactivateAutomationRule", "mutation($id: ID!) { deactivateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();

    private async Task<List<JsonNode>> RunsAsync(string dealId, string? apiKey = CrmHost.AdminKey) =>
        (await Host.QueryAsync("query($id: ID!) { automationRuns(entityType: DEAL, entityId: $id) { ruleId ruleVersion depth status conditionResult steps error eventType } }", new { id = dealId }, apiKey))
            .ShouldSucceed().Data!["automationRuns"]!.AsArray().Select(r => r!).ToList();

    private async Task<JsonNode> DealAsync(string id) =>
        (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { title stageId comments } }", new { id })).ShouldSucceed().Data!["deal"]!;

    /// <summary>Delivers until the rules' own changes have been delivered too.</summary>
    private async Task SettleAsync()
    {
        for (var i = 0; i < 6; i++)
        {
            await Host.DeliverAsync();
        }
    }

    [Fact]
    public async Task A_stage_change_runs_the_rule_when_its_condition_holds_and_logs_the_run_once()
    {
        var rule = await ActiveRuleAsync(new
        {
            name = "Big deals in preparation",
            trigger = new { kind = "records.stageChanged", @params = new { toStageId = "PREPARATION" } },
            condition = new { field = "opportunity", op = "gt", value = 10000 },
            actions = new object[]
            {
                new { kind = "timeline.addComment", @params = new { text = "Call them today" } },
                new { kind = "records.setFields", @params = new { fields = new { comments = "Prepared by automation" } } },
            },
        });
        try
        {
            var big = await Host.CreateDealAsync(new { title = "Big", opportunity = 20000 });
            var small = await Host.CreateDealAsync(new { title = "Small", opportunity = 5000 });
            await SettleAsync();
            Assert.Empty(await RunsAsync(big)); // created, not moved: the trigger did not match

            foreach (var id in new[] { big, small })
            {
                (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { stageId: \"PREPARATION\" }) { errors { code } } }", new { id })).Ok();
            }

            await SettleAsync();
            await SettleAsync(); // a second pass: a redelivery must not run anything again

            var run = Assert.Single(await RunsAsync(big));
            Assert.Equal((rule, 1, 1, "SUCCEEDED", true), (Str(run["ruleId"]), run["ruleVersion"]!.GetValue<int>(), run["depth"]!.GetValue<int>(), Str(run["status"]), run["conditionResult"]!.GetValue<bool>()));
            Assert.Equal(["SUCCEEDED", "SUCCEEDED"], run["steps"]!.AsArray().Select(s => Str(s!["status"])));
            Assert.Equal("Prepared by automation", Str((await DealAsync(big))["comments"]));
            var comments = (await Host.CommentTimelineAsync("DEAL", big)).ShouldSucceed().Data!["timeline"]!["nodes"]!.AsArray();
            Assert.Contains(comments, e => e!["text"]?.GetValue<string>() == "Call them today");

            var skipped = Assert.Single(await RunsAsync(small));
            Assert.Equal(("SKIPPED", false), (Str(skipped["status"]), skipped["conditionResult"]!.GetValue<bool>()));
            Assert.Null((await DealAsync(small))["comments"]);
        }
        finally
        {
            await DeactivateAsync(rule);
        }
    }

    [Fact]
    public async Task A_rule_does_not_start_itself_and_rules_starting_each_other_stop_at_the_cascade_limit()
    {
        var marker = Records.NewMarker("cascade");
        var condition = new { field = "title", op = "contains", value = marker };
        var self = await ActiveRuleAsync(new
        {
            name = "Stamp",
            trigger = new { kind = "records.updated" },
            condition,
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { sourceDescription = "stamped" } } } },
        });
        var id = await Host.CreateDealAsync(new { title = $"Deal {marker}" });
        await SettleAsync();
        (await Host.MutateAsync("updateDeal", "mutation($id: ID!, $t: String!) { updateDeal(id: $id, input: { title: $t }) { errors { code } } }", new { id, t = $"Renamed {marker}" })).Ok();
        await SettleAsync();
        // Its own change (sourceDescription) was an update too: it did not start it again.
        Assert.Single(await RunsAsync(id), r => Str(r["ruleId"]) == self);
        await DeactivateAsync(self);

        // Two rules that undo each other's change: each change starts the other, deeper each time.
        var ping = await ActiveRuleAsync(new
        {
            name = "Ping", trigger = new { kind = "records.updated", @params = new { watchedFields = new[] { "comments" } } }, condition = new { all = new object[] { condition, new { field = "comments", op = "eq", value = "pong" } } },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "ping" } } } },
        });
        var pong = await ActiveRuleAsync(new
        {
            name = "Pong", trigger = new { kind = "records.updated", @params = new { watchedFields = new[] { "comments" } } }, condition = new { all = new object[] { condition, new { field = "comments", op = "eq", value = "ping" } } },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "pong" } } } },
        });
        try
        {
            (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { comments: \"ping\" }) { errors { code } } }", new { id })).Ok();
            for (var i = 0; i < 3; i++)
            {
                await SettleAsync();
            }

            // Ping's first run (on the person's change) finds "ping", not "pong": skipped. Then Pong 1, Ping 2, Pong 3, and Ping 4 is stopped.
            var runs = (await RunsAsync(id)).Where(r => (Str(r["ruleId"]) == ping || Str(r["ruleId"]) == pong) && Str(r["status"]) != "SKIPPED").ToList();
            Assert.Equal([1, 2, 3, 4], runs.Select(r => r["depth"]!.GetValue<int>()).Order());
            var stopped = Assert.Single(runs, r => r["depth"]!.GetValue<int>() == 4);
            Assert.Equal("FAILED", Str(stopped["status"]));
            Assert.StartsWith("CASCADE_LIMIT", Str(stopped["error"]), StringComparison.Ordinal);
        }
        finally
        {
            await DeactivateAsync(ping);
            await DeactivateAsync(pong);
        }
    }

    [Fact]
    public async Task A_run_acts_with_its_run_as_users_rights_only()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("no-deals");
        var marker = Records.NewMarker("runas");
        var rule = await ActiveRuleAsync(new
        {
            name = "As a user who reads no deals",
            trigger = new { kind = "records.updated" },
            condition = new { field = "title", op = "contains", value = marker },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "should not happen" } } } },
            runAsUserId = userId,
        });
        try
        {
            var id = await Host.CreateDealAsync(new { title = $"Deal {marker}" });
            await SettleAsync();
            (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { opportunity: 5 }) { errors { code } } }", new { id })).Ok();
            await SettleAsync();

            var run = Assert.Single(await RunsAsync(id), r => Str(r["ruleId"]) == rule);
            Assert.Equal("FAILED", Str(run["status"]));
            Assert.StartsWith("FORBIDDEN", Str(run["error"]), StringComparison.Ordinal);
            Assert.Null((await DealAsync(id))["comments"]);
            // Who cannot read the deal cannot read its runs either; all runs are of records they cannot read.
            var refused = await Host.QueryAsync("query($id: ID!) { automationRuns(entityType: DEAL, entityId: $id) { status } }", new { id }, key);
            Assert.Equal("FORBIDDEN", Str(refused.Errors.Single()!["extensions"]!["code"]));
            var all = await Host.QueryAsync("query { automationRuns { status } }", apiKey: key);
            Assert.Empty(all.ShouldSucceed().Data!["automationRuns"]!.AsArray());
        }
        finally
        {
            await DeactivateAsync(rule);
        }
    }

    [Fact]
    public async Task A_script_condition_sees_the_record_the_change_and_the_crm_and_a_hostile_one_fails_its_run_alone()
    {
        var marker = Records.NewMarker("script");
        var script = $"record.opportunity > 1000 && event.changed.opportunity.old === 0 && crm.count('deal', {{ title: {{ contains: '{marker}' }} }}) === 1";
        var rule = await ActiveRuleAsync(new
        {
            name = "Scripted",
            trigger = new { kind = "records.updated", @params = new { watchedFields = new[] { "opportunity" } } },
            condition = new { all = new object[] { new { field = "title", op = "contains", value = marker }, new { script } } },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "scripted" } } } },
        });
        var loop = await ActiveRuleAsync(new
        {
            name = "Endless",
            trigger = new { kind = "records.updated", @params = new { watchedFields = new[] { "opportunity" } } },
            condition = new { all = new object[] { new { field = "title", op = "contains", value = marker }, new { script = "while (true) { try { } catch (e) { } } true" } } },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { sourceDescription = "never" } } } },
        });
        try
        {
            var id = await Host.CreateDealAsync(new { title = $"Deal {marker}" });
            await SettleAsync();
            (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { opportunity: 5000 }) { errors { code } } }", new { id })).Ok();
            await SettleAsync();

            var runs = await RunsAsync(id);
            var scripted = Assert.Single(runs, r => Str(r["ruleId"]) == rule);
            Assert.Equal(("SUCCEEDED", true), (Str(scripted["status"]), scripted["conditionResult"]!.GetValue<bool>()));
            Assert.Equal("scripted", Str((await DealAsync(id))["comments"]));
            var endless = Assert.Single(runs, r => Str(r["ruleId"]) == loop);
            Assert.Equal("FAILED", Str(endless["status"]));
            Assert.StartsWith("LIMIT_EXCEEDED", Str(endless["error"]), StringComparison.Ordinal);
            Assert.Null((await Host.QueryAsync("query($id: ID!) { deal(id: $id) { sourceDescription } }", new { id })).ShouldSucceed().Data!["deal"]!["sourceDescription"]);
        }
        finally
        {
            await DeactivateAsync(rule);
            await DeactivateAsync(loop);
        }
    }

    [Fact]
    public async Task A_script_action_carries_out_its_requests_as_the_run_as_user_and_a_failing_request_fails_it()
    {
        var marker = Records.NewMarker("scripted-action");
        var source = """
            const title = record.title;
            crm.update('deal', record.id, { comments: 'was ' + event.changed.opportunity.old + ', now ' + record.opportunity });
            crm.addComment('deal', record.id, 'Checked ' + title);
            log('done with ' + params.who);
            true
            """;
        var rule = await ActiveRuleAsync(new
        {
            name = "Script",
            trigger = new { kind = "records.updated", @params = new { watchedFields = new[] { "opportunity" } } },
            condition = new { field = "title", op = "contains", value = marker },
            actions = new object[] { new { kind = "platform.script", @params = new { source, @params = "{\"who\":\"tests\"}" } } },
        });
        try
        {
            var id = await Host.CreateDealAsync(new { title = $"Deal {marker}" });
            await SettleAsync();
            (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { opportunity: 7 }) { errors { code } } }", new { id })).Ok();
            await SettleAsync();

            var run = Assert.Single(await RunsAsync(id), r => Str(r["ruleId"]) == rule);
            Assert.Equal("SUCCEEDED", Str(run["status"]));
            var output = run["steps"]![0]!["output"]!;
            Assert.Equal("done with tests", Str(output["log"]![0]));
            Assert.Equal(["records.setFields", "timeline.addComment"], output["requests"]!.AsArray().Select(r => Str(r!["action"])));
            Assert.Equal("was 0, now 7", Str((await DealAsync(id))["comments"]));
            var entries = (await Host.CommentTimelineAsync("DEAL", id)).ShouldSucceed().Data!["timeline"]!["nodes"]!.AsArray();
            Assert.Contains(entries, e => e!["text"]?.GetValue<string>() == $"Checked Deal {marker}");
        }
        finally
        {
            await DeactivateAsync(rule);
        }

        // A request for a record that does not exist fails the action, and with it the run.
        var failing = await ActiveRuleAsync(new
        {
            name = "Script on a missing deal",
            trigger = new { kind = "records.updated", @params = new { watchedFields = new[] { "opportunity" } } },
            condition = new { field = "title", op = "contains", value = marker },
            actions = new object[] { new { kind = "platform.script", @params = new { source = "crm.update('deal', 999999999, { comments: 'x' }); true" } } },
        });
        try
        {
            var id = await Host.CreateDealAsync(new { title = $"Other {marker}" });
            await SettleAsync();
            (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { opportunity: 9 }) { errors { code } } }", new { id })).Ok();
            await SettleAsync();
            var run = Assert.Single(await RunsAsync(id), r => Str(r["ruleId"]) == failing);
            Assert.Equal("FAILED", Str(run["status"]));
            Assert.StartsWith("NOT_FOUND", Str(run["error"]), StringComparison.Ordinal);
        }
        finally
        {
            await DeactivateAsync(failing);
        }
    }

    [Fact]
    public async Task A_scoped_rule_runs_only_for_records_within_its_scope()
    {
        var marker = Records.NewMarker("scope");
        object Rule(object? scope) => new
        {
            name = "Scoped",
            trigger = new { kind = "records.updated", @params = new { watchedFields = new[] { "opportunity" } } },
            condition = new { field = "title", op = "contains", value = marker },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { sourceDescription = "in scope" } } } },
            scope,
        };
        var id = await Host.CreateDealAsync(new { title = $"Deal {marker}" });
        var pipeline = Str((await Host.QueryAsync("query($id: ID!) { deal(id: $id) { pipelineId } }", new { id })).ShouldSucceed().Data!["deal"]!["pipelineId"]);
        var elsewhere = await ActiveRuleAsync(Rule(new { pipelineId = 987654 }));
        var here = await ActiveRuleAsync(Rule(new { pipelineId = long.Parse(pipeline, CultureInfo.InvariantCulture) }));
        try
        {
            await SettleAsync();
            (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { opportunity: 3 }) { errors { code } } }", new { id })).Ok();
            await SettleAsync();

            var runs = await RunsAsync(id);
            Assert.DoesNotContain(runs, r => Str(r["ruleId"]) == elsewhere);
            Assert.Equal("SUCCEEDED", Str(Assert.Single(runs, r => Str(r["ruleId"]) == here)["status"]));
        }
        finally
        {
            await DeactivateAsync(elsewhere);
            await DeactivateAsync(here);
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RuleEngineOnSqlite(AutomationSqliteHost fixture) : RuleEngineTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RuleEngineOnPostgres(AutomationPostgresHost fixture) : RuleEngineTests(fixture), IClassFixture<AutomationPostgresHost>;
