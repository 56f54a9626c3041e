using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// <c>testRule</c>: a rule's draft (or active version) run on a record with its side effects
/// recorded, not applied: the condition's result and trace, each step with its timing, outcome and
/// the changes it would make (fields' old and new values), the scripts' log and errors with line and
/// column; and nothing written (no run, no event, no timeline entry, the record unchanged).
/// </summary>
public abstract class RuleDryRunTests(AutomationHost fixture)
{
    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private const string Test = """
        query($rule: ID!, $record: ID!, $version: Int) {
          testRule(ruleId: $rule, recordId: $record, version: $version) {
            ruleId version state entityId inScope conditionResult status reason log
            conditionTrace { path held }
            steps { index kind waitsFor due status code message output changes sideEffects attempts }
            errors { step code message line column }
          }
        }
        """;

    private async Task<string> DraftAsync(object input) =>
        Str((await Host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }", new { input })).Ok()["rule"]!["id"]);

    /// <summary>The rows that a run, an event or a timeline entry would add, table by table.</summary>
    private async Task<Dictionary<string, long>> RowsAsync()
    {
        var counts = new Dictionary<string, long>();
        foreach (var (schema, table) in new[] { ("automation", "runs"), ("deals", "outbox"), ("timeline", "outbox"), ("timeline", "entries"), ("timeline", "comments"), ("automation", "outbox") })
        {
            counts[$"{schema}.{table}"] = Convert.ToInt64((await Host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {Host.Table(schema, table)}")).Single()["n"], CultureInfo.InvariantCulture);
        }

        return counts;
    }

    [Fact]
    public async Task A_draft_runs_on_a_record_with_every_step_and_change_told_and_nothing_written()
    {
        var rule = await DraftAsync(new
        {
            name = "Try me",
            trigger = new { kind = "records.stageChanged", @params = new { toStageId = "PREPARATION" } },
            condition = new
            {
                all = new object[]
                {
                    new { field = "opportunity", op = "gt", value = 1000 },
                    new { script = "log('checking ' + record.title); record.opportunity > 1000" },
                },
            },
            actions = new object[]
            {
                new { kind = "records.setFields", @params = new { fields = new { comments = "Tried" } }, timing = new { mode = "AFTER_DELAY", delay = "P1D" } },
                new { kind = "timeline.addComment", @params = new { text = "Would call" } },
                new { kind = "platform.script", @params = new { source = "log('script ' + record.title);\ncrm.update('deal', record.id, { sourceDescription: 'by script' });" } },
                new { kind = "platform.script", @params = new { source = "log('before');\nundefinedFunction();" }, onError = "CONTINUE" },
            },
        });
        var deal = await Host.CreateDealAsync(new { title = "Dry", opportunity = 5000 });
        await Host.DeliverAsync();
        var before = await RowsAsync();

        var test = (await Host.QueryAsync(Test, new { rule, record = deal })).ShouldSucceed().Data!["testRule"]!;

        Assert.Equal(await RowsAsync(), before);
        var now = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { comments sourceDescription } }", new { id = deal })).ShouldSucceed().Data!["deal"]!;
        Assert.Null(now["comments"]);
        Assert.Null(now["sourceDescription"]);

        Assert.Equal((rule, 1, "DRAFT", deal, true, true, "SUCCEEDED"),
            (Str(test["ruleId"]), test["version"]!.GetValue<int>(), Str(test["state"]), Str(test["entityId"]), test["inScope"]!.GetValue<bool>(), test["conditionResult"]!.GetValue<bool>(), Str(test["status"])));
        Assert.Equal(["all/0", "all/1", ""], test["conditionTrace"]!.AsArray().Select(n => Str(n!["path"])));
        Assert.All(test["conditionTrace"]!.AsArray(), n => Assert.True(n!["held"]!.GetValue<bool>()));
        Assert.Equal(["checking Dry", "script Dry", "before"], test["log"]!.AsArray().Select(Str));

        var steps = test["steps"]!.AsArray();
        Assert.Equal(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED"], steps.Select(s => Str(s!["status"])));
        Assert.Equal("P1D after the start", Str(steps[0]!["waitsFor"]));
        var due = DateTimeOffset.Parse(Str(steps[0]!["due"]), CultureInfo.InvariantCulture);
        Assert.InRange(due, DateTimeOffset.UtcNow.AddDays(1).AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1).AddMinutes(1));
        Assert.Equal("nothing", Str(steps[1]!["waitsFor"]));

        var setFields = Assert.Single(steps[0]!["changes"]!.AsArray());
        Assert.Equal(("record.updated", "deal", deal), (Str(setFields!["event"]), Str(setFields["entityType"]), setFields["entityId"]!.ToJsonString()));
        var comments = Assert.Single(setFields["fields"]!.AsArray(), f => Str(f!["field"]) == "comments");
        Assert.Equal((null, "Tried"), (comments!["old"], Str(comments["new"])));
        Assert.Contains(steps[1]!["sideEffects"]!.AsArray(), e => Str(e!["kind"]) == "COMMENT");
        var byScript = steps[2]!["changes"]!.AsArray().SelectMany(c => c!["fields"]!.AsArray()).Single(f => Str(f!["field"]) == "sourceDescription");
        Assert.Equal("by script", Str(byScript!["new"]));

        var error = Assert.Single(test["errors"]!.AsArray());
        Assert.Equal((3, "SCRIPT_ERROR", 2), (error!["step"]!.GetValue<int>(), Str(error["code"]), error["line"]!.GetValue<int>()));
        Assert.True(error["column"]!.GetValue<int>() > 0);
    }

    [Fact]
    public async Task The_condition_is_told_node_by_node_and_a_failing_condition_script_gives_its_line()
    {
        var rule = await DraftAsync(new
        {
            name = "Picky",
            trigger = new { kind = "records.updated" },
            condition = new { any = new object[] { new { field = "opportunity", op = "gt", value = 100000 }, new { not = new { field = "title", op = "contains", value = "Small" } } } },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "never" } } } },
        });
        var deal = await Host.CreateDealAsync(new { title = "Small one", opportunity = 10 });
        var skipped = (await Host.QueryAsync(Test, new { rule, record = deal })).ShouldSucceed().Data!["testRule"]!;
        Assert.Equal(("SKIPPED", false), (Str(skipped["status"]), skipped["conditionResult"]!.GetValue<bool>()));
        Assert.Equal(["any/0:False", "any/1/not:True", "any/1:False", ":False"], skipped["conditionTrace"]!.AsArray().Select(n => $"{Str(n!["path"])}:{n["held"]!.GetValue<bool>()}"));
        Assert.Empty(skipped["steps"]!.AsArray());

        (await Host.MutateAsync("updateAutomationRule", "mutation($id: ID!, $input: AutomationRuleInput!) { updateAutomationRule(id: $id, input: $input) { errors { code message } } }", new
        {
            id = rule,
            input = new
            {
                name = "Broken",
                trigger = new { kind = "records.updated" },
                condition = new { script = "var a = 1;\n\nrecord.missing.field > 1" },
                actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "never" } } } },
            },
        })).Ok();
        var failed = (await Host.QueryAsync(Test, new { rule, record = deal })).ShouldSucceed().Data!["testRule"]!;
        Assert.Equal("FAILED", Str(failed["status"]));
        Assert.Null(failed["conditionResult"]);
        var error = Assert.Single(failed["errors"]!.AsArray());
        Assert.Null(error!["step"]);
        Assert.Equal(("SCRIPT_ERROR", 3), (Str(error["code"]), error["line"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Twenty_tests_of_one_record_at_once_each_see_the_record_as_it_is_and_leave_it_so()
    {
        var rule = await DraftAsync(new
        {
            name = "Counter",
            trigger = new { kind = "records.updated" },
            actions = new object[]
            {
                new { kind = "records.setFields", @params = new { fields = new { comments = "tested" } } },
                new { kind = "platform.script", @params = new { source = "crm.update('deal', record.id, { opportunity: record.opportunity + 1 });" } },
            },
        });
        var deal = await Host.CreateDealAsync(new { title = "Shared", opportunity = 100 });
        var before = await RowsAsync();

        var tests = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.QueryAsync(Test, new { rule, record = deal })));

        foreach (var response in tests)
        {
            var test = response.ShouldSucceed().Data!["testRule"]!;
            Assert.Equal("SUCCEEDED", Str(test["status"]));
            // Each dry run saw 100, not another's rolled-back 101.
            var change = test["steps"]![1]!["changes"]![0]!["fields"]!.AsArray().Single(f => Str(f!["field"]) == "opportunity");
            Assert.Equal((100m, 101m), (change!["old"]!.GetValue<decimal>(), change["new"]!.GetValue<decimal>()));
        }

        Assert.Equal(await RowsAsync(), before);
        var now = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { comments opportunity } }", new { id = deal })).ShouldSucceed().Data!["deal"]!;
        Assert.Equal((null, 100m), (now["comments"], now["opportunity"]!.GetValue<decimal>()));
    }

    [Fact]
    public async Task A_record_its_run_as_user_cannot_read_fails_the_test_and_nothing_runs()
    {
        var (userId, _, _) = await Host.NewUserWithKeyAsync("no-deals-tested");
        var rule = await DraftAsync(new
        {
            name = "As a user who reads no deals",
            trigger = new { kind = "records.updated" },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "never" } } } },
            runAsUserId = userId,
        });
        var deal = await Host.CreateDealAsync(new { title = "Hidden" });
        var test = (await Host.QueryAsync(Test, new { rule, record = deal })).ShouldSucceed().Data!["testRule"]!;
        Assert.Equal("FAILED", Str(test["status"]));
        Assert.StartsWith("FORBIDDEN", Str(test["reason"]), StringComparison.Ordinal);
        Assert.Null(test["conditionResult"]);
        Assert.Empty(test["steps"]!.AsArray());
    }

    private const string TestWith = """
        query($rule: ID!, $record: ID!, $changes: JSON, $input: JSON) {
          testRule(ruleId: $rule, recordId: $record, changes: $changes, input: $input) { conditionResult status log conditionTrace { path held } }
        }
        """;

    [Fact]
    public async Task A_described_update_is_what_the_changed_tests_and_the_scripts_event_see_and_an_input_what_event_input_is()
    {
        var rule = await DraftAsync(new
        {
            name = "On the move",
            trigger = new { kind = "records.updated" },
            condition = new
            {
                all = new object[]
                {
                    new { field = "opportunity", op = "changed" },
                    new { field = "opportunity", op = "wasEqual", value = 10 },
                    new { script = "log('from ' + event.changed.opportunity.old + ' to ' + event.changed.opportunity.new + ' by ' + event.kind); true" },
                },
            },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "moved" } } } },
        });
        var deal = await Host.CreateDealAsync(new { title = "Mover", opportunity = 500 });

        // Without an update there is nothing that changed: the rule would not act.
        var still = (await Host.QueryAsync(TestWith, new { rule, record = deal })).ShouldSucceed().Data!["testRule"]!;
        Assert.Equal(("SKIPPED", false), (Str(still["status"]), still["conditionResult"]!.GetValue<bool>()));

        var moved = (await Host.QueryAsync(TestWith, new { rule, record = deal, changes = new { opportunity = new { old = 10, @new = 500 } } })).ShouldSucceed().Data!["testRule"]!;
        Assert.Equal(("SUCCEEDED", true), (Str(moved["status"]), moved["conditionResult"]!.GetValue<bool>()));
        Assert.Equal(["from 10 to 500 by record.updated"], moved["log"]!.AsArray().Select(Str));

        var other = (await Host.QueryAsync(TestWith, new { rule, record = deal, changes = new { opportunity = new { old = 20, @new = 500 } } })).ShouldSucceed().Data!["testRule"]!;
        Assert.Equal("SKIPPED", Str(other["status"]));

        var scripted = await DraftAsync(new
        {
            name = "By hand",
            trigger = new { kind = "platform.manual" },
            condition = new { script = "log('asked for ' + event.input.reason); event.input.reason === 'audit'" },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "asked" } } } },
        });
        var asked = (await Host.QueryAsync(TestWith, new { rule = scripted, record = deal, input = new { reason = "audit" } })).ShouldSucceed().Data!["testRule"]!;
        Assert.Equal(("SUCCEEDED", "asked for audit"), (Str(asked["status"]), Str(asked["log"]!.AsArray().Single())));

        Assert.Equal("INVALID_VALUE", (await Host.QueryAsync(TestWith, new { rule, record = deal, changes = new { noSuchField = new { old = 1, @new = 2 } } })).ErrorCodes.Single());
        Assert.Equal("INVALID_FORMAT", (await Host.QueryAsync(TestWith, new { rule, record = deal, changes = new { opportunity = 5 } })).ErrorCodes.Single());
        Assert.Equal("INVALID_VALUE", (await Host.QueryAsync(TestWith, new { rule, record = deal, changes = new { opportunity = new { old = 1, @new = 2 } }, input = new { a = 1 } })).ErrorCodes.Single());
        // Ten times the limits (50 fields, 16,000 characters), refused before anything is read.
        var manyFields = new JsonObject();
        for (var i = 0; i < 500; i++)
        {
            manyFields[$"f{i}"] = new JsonObject { ["old"] = 1, ["new"] = 2 };
        }

        Assert.Equal("LIMIT_EXCEEDED", (await Host.QueryAsync(TestWith, new { rule, record = deal, changes = manyFields })).ErrorCodes.Single());
        Assert.Equal("LIMIT_EXCEEDED", (await Host.QueryAsync(TestWith, new { rule = scripted, record = deal, input = new { text = new string('x', 160_000) } })).ErrorCodes.Single());
    }

    [Fact]
    public async Task The_active_version_is_tested_when_there_is_no_draft_and_only_the_settings_right_may_test()
    {
        var rule = await DraftAsync(new
        {
            name = "Live",
            trigger = new { kind = "records.created" },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "live" } } } },
        });
        (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message } } }", new { id = rule })).Ok();
        try
        {
            var deal = await Host.CreateDealAsync(new { title = "Any" });
            var test = (await Host.QueryAsync(Test, new { rule, record = deal })).ShouldSucceed().Data!["testRule"]!;
            Assert.Equal(("ACTIVE", 1, "SUCCEEDED"), (Str(test["state"]), test["version"]!.GetValue<int>(), Str(test["status"])));

            Assert.Equal("NOT_FOUND", (await Host.QueryAsync(Test, new { rule, record = deal, version = 9 })).ErrorCodes.Single());
            Assert.Equal("NOT_FOUND", (await Host.QueryAsync(Test, new { rule = "999999", record = deal })).ErrorCodes.Single());
            var (_, _, key) = await Host.NewUserWithKeyAsync("rule-tester");
            Assert.Equal("FORBIDDEN", (await Host.QueryAsync(Test, new { rule, record = deal }, key)).ErrorCodes.Single());
        }
        finally
        {
            (await Host.MutateAsync("deactivateAutomationRule", "mutation($id: ID!) { deactivateAutomationRule(id: $id) { errors { code message } } }", new { id = rule })).Ok();
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RuleDryRunOnSqlite(AutomationSqliteHost fixture) : RuleDryRunTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RuleDryRunOnPostgres(AutomationPostgresHost fixture) : RuleDryRunTests(fixture), IClassFixture<AutomationPostgresHost>;
