using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// <c>backtestRule</c> on a crafted history: the records rebuilt as they were at each change (later
/// changes undone), the replayed time what scripts read, the counts of matched, fired and skipped runs,
/// the changes it would have made, its errors and its self-trigger cycles; nothing written.
/// </summary>
public abstract class RuleBacktestTests(AutomationHost fixture)
{
    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private const string Backtest = """
        query($rule: ID!, $from: DateTime!, $to: DateTime!) {
          backtestRule(ruleId: $rule, from: $from, to: $to) {
            events matched outOfScope fired skipped unavailable selfTriggers sawOwnChanges cascadeLimitHits errorCount truncated delayed pending cancelled
            fieldChanges { name count } actions { name count } samples
            errors { entityId step code line message }
          }
        }
        """;

    private async Task<string> DraftAsync(object input) =>
        Str((await Host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }", new { input })).Ok()["rule"]!["id"]);

    private async Task UpdateDealAsync(string id, object input) =>
        (await Host.MutateAsync("updateDeal", "mutation($id: ID!, $input: UpdateDealInput!) { updateDeal(id: $id, input: $input) { errors { code message } } }", new { id, input })).Ok();

    private async Task<JsonNode> BacktestAsync(string rule, DateTimeOffset from, DateTimeOffset to) =>
        (await Host.QueryAsync(Backtest, new { rule, from = from.ToString("O", CultureInfo.InvariantCulture), to = to.ToString("O", CultureInfo.InvariantCulture) })).ShouldSucceed().Data!["backtestRule"]!;

    private static int Count(JsonNode report, string list, string name) =>
        report[list]!.AsArray().FirstOrDefault(c => Str(c!["name"]) == name)?["count"]!.GetValue<int>() ?? 0;

    /// <summary>Waits until the clock has moved on, so that what comes next is later than what came before.</summary>
    private static async Task<DateTimeOffset> TickAsync()
    {
        await Task.Delay(20);
        var now = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        return now;
    }

    [Fact]
    public async Task A_crafted_history_gives_the_expected_counts_on_records_as_they_were_and_on_the_replayed_clock()
    {
        var from = await TickAsync();
        var a = await Host.CreateDealAsync(new { title = "Backtest A", opportunity = 5000 });
        var b = await Host.CreateDealAsync(new { title = "Backtest B", opportunity = 500 });
        var c = await Host.CreateDealAsync(new { title = "Backtest C", opportunity = 8000 });
        var created = await TickAsync();
        await UpdateDealAsync(a, new { stageId = "PREPARATION" });   // matched, held: fired
        await UpdateDealAsync(b, new { stageId = "PREPARATION" });   // matched, too small: skipped
        await UpdateDealAsync(c, new { title = "Backtest C renamed" }); // not a stage change
        await UpdateDealAsync(c, new { stageId = "PREPARATION" });   // matched, held: fired
        await UpdateDealAsync(a, new { opportunity = 50 });          // later in the window: undone for A's stage change
        var to = await TickAsync();
        await UpdateDealAsync(c, new { opportunity = 10 });          // after the window: undone too
        await Host.DeliverAsync();

        var rule = await DraftAsync(new
        {
            name = "Big deals prepared",
            trigger = new { kind = "records.stageChanged", @params = new { toStageId = "PREPARATION" } },
            condition = new
            {
                all = new object[]
                {
                    new { field = "opportunity", op = "gt", value = 1000 },
                    // The replayed clock: crm.now() is the event's time, not today's.
                    new { script = "crm.now() === event.occurredAt" },
                },
            },
            actions = new object[]
            {
                new { kind = "records.setFields", @params = new { fields = new { comments = "big deal" } } },
                new { kind = "timeline.addComment", @params = new { text = "Call" } },
            },
        });
        var runs = await Host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {Host.Table("automation", "runs")}");

        var report = await BacktestAsync(rule, from, to);

        Assert.Equal((8, 3, 2, 1, 0, 0, 0), (report["events"]!.GetValue<int>(), report["matched"]!.GetValue<int>(), report["fired"]!.GetValue<int>(), report["skipped"]!.GetValue<int>(),
            report["unavailable"]!.GetValue<int>(), report["errorCount"]!.GetValue<int>(), report["selfTriggers"]!.GetValue<int>()));
        Assert.Null(report["truncated"]);
        Assert.Equal(2, Count(report, "fieldChanges", "comments"));
        Assert.Equal((2, 2), (Count(report, "actions", "records.setFields"), Count(report, "actions", "timeline.addComment")));
        var samples = report["samples"]!.AsArray();
        Assert.Equal([a, c], samples.Select(s => s!["entityId"]!.ToJsonString()));
        Assert.All(samples, s => Assert.Equal((null, "big deal"), (s!["old"], Str(s["new"]))));
        Assert.Equal(runs, await Host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {Host.Table("automation", "runs")}"));

        // The statements do not grow with the events replayed: the creations alone take as many as the whole window.
        var variables = (string f, string t) => new { rule, from = f, to = t };
        // Each counted twice, the fewer kept: a concurrent test that changes rights or lists makes the
        // next request reload them, statements that are not the backtest's.
        async Task<(int Events, int Statements)> CountAsync(DateTimeOffset until)
        {
            var first = await Host.QueryAsync(Backtest, variables(from.ToString("O", CultureInfo.InvariantCulture), until.ToString("O", CultureInfo.InvariantCulture)));
            var second = await Host.QueryAsync(Backtest, variables(from.ToString("O", CultureInfo.InvariantCulture), until.ToString("O", CultureInfo.InvariantCulture)));
            return (second.ShouldSucceed().Data!["backtestRule"]!["events"]!.GetValue<int>(), Math.Min(first.ShouldSucceed().Statements, second.Statements));
        }

        var whole = await CountAsync(to);
        var creations = await CountAsync(created);
        Assert.Equal(3, creations.Events);
        Assert.Equal(creations.Statements, whole.Statements);
        Assert.Null((await Host.QueryAsync("query($id: ID!) { deal(id: $id) { comments } }", new { id = a })).ShouldSucceed().Data!["deal"]!["comments"]);
    }

    [Fact]
    public async Task A_rule_whose_own_change_matches_its_trigger_is_followed_to_the_cascade_limit_and_script_errors_are_counted()
    {
        var from = await TickAsync();
        var deal = await Host.CreateDealAsync(new { title = "Loop" });
        await UpdateDealAsync(deal, new { comments = "start" });
        var broken = await Host.CreateDealAsync(new { title = "Broken" });
        await UpdateDealAsync(broken, new { comments = "start" });
        var to = await TickAsync();
        await Host.DeliverAsync();

        object Input(bool allowSelfTrigger) => new
        {
            name = "Exclaim",
            trigger = new { kind = "records.updated", @params = new { watchedFields = new[] { "comments" } } },
            allowSelfTrigger,
            actions = new object[]
            {
                new { kind = "platform.script", @params = new { source = "if (record.title === 'Broken') {\n  record.nothing.here;\n}\ncrm.update('deal', record.id, { comments: record.comments + '!' });" } },
            },
        };
        var guarded = await DraftAsync(Input(allowSelfTrigger: false));
        var report = await BacktestAsync(guarded, from, to);
        Assert.Equal((2, 1, 1, 0), (report["matched"]!.GetValue<int>(), report["selfTriggers"]!.GetValue<int>(), report["errorCount"]!.GetValue<int>(), report["cascadeLimitHits"]!.GetValue<int>()));
        var error = Assert.Single(report["errors"]!.AsArray());
        Assert.Equal((broken, 0, "SCRIPT_ERROR", 2), (error!["entityId"]!.GetValue<string>(), error["step"]!.GetValue<int>(), Str(error["code"]), error["line"]!.GetValue<int>()));

        var looping = await DraftAsync(Input(allowSelfTrigger: true));
        report = await BacktestAsync(looping, from, to);
        // Depth 1 changes "start" to "start!", which starts it again: depth 2, then 3, where the cascade stops.
        Assert.Equal((3, 1), (report["selfTriggers"]!.GetValue<int>(), report["cascadeLimitHits"]!.GetValue<int>()));
        Assert.Equal(["start!", "start!!", "start!!!"], report["samples"]!.AsArray().Select(s => Str(s!["new"])));
        Assert.Equal(3, Count(report, "fieldChanges", "comments"));
    }

    [Fact]
    public async Task Delayed_actions_are_done_at_their_due_time_pending_after_the_window_and_cancelled_when_the_record_left_the_stage()
    {
        var from = await TickAsync();
        var stays = await Host.CreateDealAsync(new { title = "Waits and stays" });
        var leaves = await Host.CreateDealAsync(new { title = "Waits and leaves" });
        var started = await TickAsync();
        await UpdateDealAsync(stays, new { stageId = "PREPARATION" });
        await UpdateDealAsync(leaves, new { stageId = "PREPARATION" });
        await UpdateDealAsync(leaves, new { stageId = "EXECUTING" }); // before its first action is due
        var moved = await TickAsync();
        await Host.DeliverAsync();

        object Input(bool keepWhenStageLeft) => new
        {
            name = "An hour on, then two more",
            trigger = new { kind = "records.stageChanged", @params = new { toStageId = "PREPARATION" } },
            keepWhenStageLeft,
            actions = new object[]
            {
                new { kind = "records.setFields", @params = new { fields = new { comments = "an hour on" } }, timing = new { mode = "AFTER_DELAY", delay = "PT1H" } },
                new { kind = "records.setFields", @params = new { fields = new { title = "three hours on" } }, timing = new { mode = "AFTER_DELAY", delay = "PT2H" } },
            },
        };
        var cancelling = await DraftAsync(Input(keepWhenStageLeft: false));
        var keeping = await DraftAsync(Input(keepWhenStageLeft: true));
        (int Fired, int Delayed, int Pending, int Cancelled, int Done, int Comments, int Titles) Counts(JsonNode r) =>
            (r["fired"]!.GetValue<int>(), r["delayed"]!.GetValue<int>(), r["pending"]!.GetValue<int>(), r["cancelled"]!.GetValue<int>(),
                Count(r, "actions", "records.setFields"), Count(r, "fieldChanges", "comments"), Count(r, "fieldChanges", "title"));

        // Two hours: the first action is due within them (done for the deal that stayed, cancelled for the one
        // that left PREPARATION), the second three hours on, after the window: pending.
        var report = await BacktestAsync(cancelling, from, from.AddHours(2));
        Assert.Equal((2, 3, 1, 1, 1, 1, 0), Counts(report));
        var sample = Assert.Single(report["samples"]!.AsArray());
        Assert.Equal(stays, sample!["entityId"]!.ToJsonString());
        Assert.InRange(DateTimeOffset.Parse(Str(sample["occurredAt"]), CultureInfo.InvariantCulture), started.AddHours(1), moved.AddHours(1));

        // Four hours: both actions of the deal that stayed are done.
        Assert.Equal((2, 3, 0, 1, 2, 1, 1), Counts(await BacktestAsync(cancelling, from, from.AddHours(4))));

        // A rule that keeps its runs when the record leaves the stage: both deals go on.
        Assert.Equal((2, 4, 2, 0, 2, 2, 0), Counts(await BacktestAsync(keeping, from, from.AddHours(2))));
        var kept = await BacktestAsync(keeping, from, from.AddHours(4));
        Assert.Equal((2, 4, 0, 0, 4, 2, 2), Counts(kept));
        // Each deal's second action went on on a record carrying the first's comment, the rule's own change.
        Assert.Equal(2, kept["sawOwnChanges"]!.GetValue<int>());

        // Within the recorded window alone nothing is due yet: every run is pending, no action counted as done.
        Assert.Equal((2, 2, 2, 0, 0, 0, 0), Counts(await BacktestAsync(cancelling, from, moved)));
    }

    [Fact]
    public async Task Scripts_read_the_records_as_they_were_at_the_replayed_time_and_a_read_that_cannot_be_rebuilt_fails_plainly()
    {
        var outside = await Host.CreateDealAsync(new { title = "Not in the window" });
        var from = await TickAsync();
        var other = await Host.CreateDealAsync(new { title = "Read by the script", opportunity = 100 });
        var deal = await Host.CreateDealAsync(new { title = "Reader" });
        await UpdateDealAsync(deal, new { comments = "first" });   // the other deal is at 100 then: skipped
        await UpdateDealAsync(other, new { opportunity = 200 });
        await UpdateDealAsync(deal, new { comments = "second" });  // at 200 then: fired
        var to = await TickAsync();
        await UpdateDealAsync(other, new { opportunity = 300 });   // today's value: were it read, both would fire
        await Host.DeliverAsync();

        async Task<JsonNode> ReplayAsync(string condition, string action) => await BacktestAsync(await DraftAsync(new
        {
            name = "Reads another deal",
            trigger = new { kind = "records.updated", @params = new { watchedFields = new[] { "comments" } } },
            condition = new { all = new object[] { new { script = condition } } },
            actions = new object[] { new { kind = "platform.script", @params = new { source = action } } },
        }), from, to);

        var report = await ReplayAsync($"crm.get('deal', {other}).opportunity > 150",
            $"crm.update('deal', record.id, {{ title: crm.get('deal', record.id).comments + ' at ' + crm.get('deal', {other}).opportunity }});");
        Assert.Equal((2, 1, 1, 0), (report["matched"]!.GetValue<int>(), report["fired"]!.GetValue<int>(), report["skipped"]!.GetValue<int>(), report["errorCount"]!.GetValue<int>()));
        Assert.Equal("second at 200", Str(Assert.Single(report["samples"]!.AsArray())!["new"]));

        // A record whose history the window does not hold, and a search over all the deals: not today's data, an error that says so.
        foreach (var (condition, names) in new[] { ($"crm.get('deal', {outside}) !== null", "crm.get('deal', "), ("crm.count('deal') > 0", "crm.count"), ("crm.find('deal').length > 0", "crm.find") })
        {
            report = await ReplayAsync(condition, "log('never');");
            Assert.Equal((2, 0, 2), (report["matched"]!.GetValue<int>(), report["fired"]!.GetValue<int>(), report["errorCount"]!.GetValue<int>()));
            Assert.All(report["errors"]!.AsArray(), e =>
            {
                Assert.Equal("SCRIPT_ERROR", Str(e!["code"]));
                Assert.StartsWith("not available in a backtest: " + names, Str(e["message"]).Replace("Error: ", "", StringComparison.Ordinal), StringComparison.Ordinal);
            });
        }

        // A script may catch it and go on.
        report = await ReplayAsync("(function () { try { return crm.count('deal') > 0; } catch (e) { return e.message.startsWith('not available in a backtest'); } })()", "log('caught');");
        Assert.Equal((2, 0), (report["fired"]!.GetValue<int>(), report["errorCount"]!.GetValue<int>()));
    }

    [Fact]
    public async Task The_rules_own_changes_are_seen_by_the_windows_later_events()
    {
        var from = await TickAsync();
        var deal = await Host.CreateDealAsync(new { title = "Not flagged yet" });
        await UpdateDealAsync(deal, new { comments = "first" });   // fires: the rule flags it
        await UpdateDealAsync(deal, new { comments = "second" });  // flagged by the rule then: skipped
        await UpdateDealAsync(deal, new { title = "Renamed" });    // a recorded change overwrites the rule's
        await UpdateDealAsync(deal, new { comments = "third" });   // not flagged: fires again
        var to = await TickAsync();
        await Host.DeliverAsync();
        var rule = await DraftAsync(new
        {
            name = "Flag once",
            trigger = new { kind = "records.updated", @params = new { watchedFields = new[] { "comments" } } },
            condition = new { field = "title", op = "neq", value = "flagged" },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { title = "flagged" } } } },
        });

        var report = await BacktestAsync(rule, from, to);
        Assert.Equal((3, 2, 1, 0), (report["matched"]!.GetValue<int>(), report["fired"]!.GetValue<int>(), report["skipped"]!.GetValue<int>(), report["selfTriggers"]!.GetValue<int>()));
        // Of the three conditions, one saw the rule's own change (the second); the third's was overwritten by the rename.
        Assert.Equal(1, report["sawOwnChanges"]!.GetValue<int>());
        Assert.Equal(["Not flagged yet", "Renamed"], report["samples"]!.AsArray().Select(s => Str(s!["old"])));
    }

    [Fact]
    public async Task Records_the_run_as_user_cannot_read_are_not_replayed()
    {
        var from = await TickAsync();
        var deal = await Host.CreateDealAsync(new { title = "Unseen" });
        await UpdateDealAsync(deal, new { comments = "changed" });
        var to = await TickAsync();
        await Host.DeliverAsync();
        var (userId, _, _) = await Host.NewUserWithKeyAsync("no-deals-replayed");
        var rule = await DraftAsync(new
        {
            name = "As a user who reads no deals",
            trigger = new { kind = "records.updated" },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "x" } } } },
            runAsUserId = userId,
        });

        var report = await BacktestAsync(rule, from, to);
        Assert.Equal((2, 2, 0, 0), (report["events"]!.GetValue<int>(), report["unavailable"]!.GetValue<int>(), report["matched"]!.GetValue<int>(), report["fired"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Only_the_settings_right_may_backtest_and_a_window_is_well_formed()
    {
        var rule = await DraftAsync(new
        {
            name = "Any", trigger = new { kind = "records.created" },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "x" } } } },
        });
        var now = DateTimeOffset.UtcNow;
        var (_, _, key) = await Host.NewUserWithKeyAsync("backtester");
        var variables = new { rule, from = now.AddDays(-1).ToString("O", CultureInfo.InvariantCulture), to = now.ToString("O", CultureInfo.InvariantCulture) };
        Assert.Equal("FORBIDDEN", (await Host.QueryAsync(Backtest, variables, key)).ErrorCodes.Single());
        Assert.Equal("INVALID_VALUE", (await Host.QueryAsync(Backtest, new { rule, variables.from, to = variables.from })).ErrorCodes.Single());

        var cron = await DraftAsync(new
        {
            name = "Daily", trigger = new { kind = "schedule.cron", @params = new { cron = "0 0 9 ? * MON-FRI" } },
            actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "x" } } } },
        });
        Assert.Equal("INVALID_VALUE", (await Host.QueryAsync(Backtest, variables with { rule = cron })).ErrorCodes.Single());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RuleBacktestOnSqlite(AutomationSqliteHost fixture) : RuleBacktestTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RuleBacktestOnPostgres(AutomationPostgresHost fixture) : RuleBacktestTests(fixture), IClassFixture<AutomationPostgresHost>;

/// <summary>A host whose backtests are held to small limits: a day's window, five events, three steps of work.</summary>
public abstract class BacktestLimitedHost(Engine engine) : AutomationHost(engine)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Automation:Backtest:MaxWindow"] = "1.00:00:00",
        ["Automation:Backtest:MaxEvents"] = "5",
        ["Automation:Backtest:MaxSteps"] = "3",
    };
}

public sealed class BacktestLimitedSqliteHost() : BacktestLimitedHost(Engine.Sqlite);

public sealed class BacktestLimitedPostgresHost() : BacktestLimitedHost(Engine.Postgres);

/// <summary>Ten times each limit: a window refused before any work, a replay of many events and little time reported as truncated.</summary>
public abstract class RuleBacktestLimitTests(BacktestLimitedHost fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task Ten_times_each_limit_is_refused_or_reported_as_truncated()
    {
        var rule = (await Host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }", new
            {
                input = new { name = "Any", trigger = new { kind = "records.updated" }, actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "x" } } } } },
            })).Ok()["rule"]!["id"]!.GetValue<string>();
        const string query = "query($rule: ID!, $from: DateTime!, $to: DateTime!) { backtestRule(ruleId: $rule, from: $from, to: $to) { events truncated } }";
        var now = DateTimeOffset.UtcNow;
        var window = await Host.QueryAsync(query, new { rule, from = now.AddDays(-10).ToString("O", CultureInfo.InvariantCulture), to = now.ToString("O", CultureInfo.InvariantCulture) });
        Assert.Equal("LIMIT_EXCEEDED", window.ErrorCodes.Single());

        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        for (var i = 0; i < 25; i++)
        {
            var id = await Host.CreateDealAsync(new { title = $"Many {i}" });
            (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { comments: \"y\" }) { errors { code } } }", new { id })).Ok();
        }

        await Host.DeliverAsync();
        var report = (await Host.QueryAsync(query, new { rule, from = from.ToString("O", CultureInfo.InvariantCulture), to = DateTimeOffset.UtcNow.AddSeconds(1).ToString("O", CultureInfo.InvariantCulture) }))
            .ShouldSucceed().Data!["backtestRule"]!;
        // Three steps of work are spent within the first events (each is a step, a matched one adds its condition and its action): the same place on any machine.
        Assert.InRange(report["events"]!.GetValue<int>(), 1, 4);
        var truncated = report["truncated"]!.GetValue<string>();
        Assert.Contains("Automation:Backtest:MaxEvents", truncated, StringComparison.Ordinal);
        Assert.Contains("Automation:Backtest:MaxSteps", truncated, StringComparison.Ordinal);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RuleBacktestLimitsOnSqlite(BacktestLimitedSqliteHost fixture) : RuleBacktestLimitTests(fixture), IClassFixture<BacktestLimitedSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RuleBacktestLimitsOnPostgres(BacktestLimitedPostgresHost fixture) : RuleBacktestLimitTests(fixture), IClassFixture<BacktestLimitedPostgresHost>;
