using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Scheduling;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Platform;
using Crm.PluginSdk.Scheduling;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// Rules started by a schedule: a CRON rule runs for the records its filter selects, at most the
/// documented number per firing, and a repeated firing runs nothing twice; deactivating it ends its
/// work; a date-field rule runs for a record when its date (plus or minus the offset) comes, once.
/// The tests share the class's host; a CRON rule's filter selects only its own test's deals (by title).
/// </summary>
public abstract class ScheduleTriggerTests(ScheduleTriggerHost fixture)
{
    private const string Handler = "automation/schedules";

    /// <summary>Records a firing runs for at most, in the shared host.</summary>
    public const int MaxRecordsPerFiring = 3;

    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(DelayedActionTests.Settings)
    {
        ["Automation:DateFieldSweep"] = "0/1 * * * * ?",
        ["Automation:MaxRecordsPerFiring"] = MaxRecordsPerFiring.ToString(CultureInfo.InvariantCulture),
    };

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static async Task<string> ActiveRuleAsync(CrmHost host, object trigger, string comments)
    {
        var id = Str((await host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = "Scheduled", trigger, actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments } } } } } })).Ok()["rule"]!["id"]);
        (await host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();
        return id;
    }

    private static async Task<List<JsonNode>> RunsAsync(CrmHost host, string deal) =>
        (await host.QueryAsync("query($id: ID!) { automationRuns(entityType: DEAL, entityId: $id) { status eventId eventType } }", new { id = deal }))
            .ShouldSucceed().Data!["automationRuns"]!.AsArray().Select(r => r!).ToList();

    private static async Task<string?> CommentsAsync(CrmHost host, string deal) =>
        (await host.QueryAsync("query($id: ID!) { deal(id: $id) { comments } }", new { id = deal })).ShouldSucceed().Data!["deal"]!["comments"]?.GetValue<string>();

    private static Task<long> ScheduledAsync(CrmHost host, string rule) =>
        ScheduledWorkTests.CountAsync(host, $"SELECT COUNT(*) AS n FROM {host.Table("platform", "qrtz_triggers")} WHERE trigger_group = @p0 AND trigger_name = @p1", Handler, rule);

    /// <summary>Fires the rule's schedule by hand, as the scheduler would for <paramref name="firedFor"/>.</summary>
    private static async Task FireAsync(CrmHost host, string rule, DateTimeOffset firedFor)
    {
        var registration = host.Services.GetRequiredService<ScheduledWorkHandlers>().Find(Handler)!;
        using var scope = host.Services.GetRequiredService<IServiceScopeFactory>().CreateSystemScope();
        var handler = (IScheduledWorkHandler)scope.ServiceProvider.GetRequiredService(registration.HandlerType);
        await handler.HandleAsync(new ScheduledWork(Handler, rule, firedFor, "", 1), CancellationToken.None);
    }

    private static object Cron(string cron, string title) => new { kind = "schedule.cron", @params = new { cron, filter = System.Text.Json.JsonSerializer.Serialize(new { title = new { eq = title } }) } };

    [Fact]
    public async Task A_cron_rule_runs_for_the_records_its_filter_selects_until_deactivated()
    {
        var host = Host;
        var title = Records.NewMarker("swept");
        var swept = new[] { await host.CreateDealAsync(new { title }), await host.CreateDealAsync(new { title }) };
        var other = await host.CreateDealAsync(new { title = "Other" });
        var rule = await ActiveRuleAsync(host, Cron("0/1 * * * * ?", title), "Cron");
        Assert.Equal(1, await ScheduledAsync(host, rule));

        foreach (var deal in swept)
        {
            await ScheduledWorkTests.EventuallyAsync(async () => await CommentsAsync(host, deal) == "Cron", "the scheduled rule ran for the deal");
            Assert.All(await RunsAsync(host, deal), r => Assert.Equal("schedule.cron", Str(r["eventType"])));
        }

        Assert.Empty(await RunsAsync(host, other));
        (await host.MutateAsync("deactivateAutomationRule", "mutation($id: ID!) { deactivateAutomationRule(id: $id) { errors { code message path } } }", new { id = rule })).Ok();
        Assert.Equal(0, await ScheduledAsync(host, rule));
    }

    [Fact]
    public async Task A_repeated_firing_runs_nothing_twice_and_a_firing_is_bounded()
    {
        const int Max = MaxRecordsPerFiring;
        var host = Host;
        var title = Records.NewMarker("bounded");
        var deals = new List<string>();
        for (var i = 0; i < Max * 10; i++)
        {
            deals.Add(await host.CreateDealAsync(new { title }));
        }

        // Due in 2099: nothing fires but what the test fires.
        var rule = await ActiveRuleAsync(host, Cron("0 0 0 1 1 ? 2099", title), "By hand");
        var firedFor = new DateTimeOffset(2030, 1, 1, 9, 0, 0, TimeSpan.Zero);
        await FireAsync(host, rule, firedFor);
        await FireAsync(host, rule, firedFor);
        var runs = new List<int>();
        foreach (var deal in deals)
        {
            runs.Add((await RunsAsync(host, deal)).Count);
        }

        Assert.Equal(Enumerable.Repeat(1, Max).Concat(Enumerable.Repeat(0, Max * 9)), runs);

        await FireAsync(host, rule, firedFor.AddMinutes(1));
        Assert.Equal(2, (await RunsAsync(host, deals[0])).Count);
    }

    [Fact]
    public async Task A_bad_cron_is_refused_at_activation()
    {
        var host = Host;
        var id = Str((await host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = "Bad", trigger = Cron("0 0 25 * * ?", "Bad"), actions = new object[] { new { kind = "records.setFields", @params = new { fields = new { comments = "x" } } } } } })).Ok()["rule"]!["id"]);
        var refused = await host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message } } }", new { id });
        Assert.Equal("INVALID_FORMAT", Str(refused["errors"]![0]!["code"]));
        Assert.Equal(0, await ScheduledAsync(host, id));
    }

    [Fact]
    public async Task A_date_field_rule_runs_for_a_record_once_when_its_date_comes()
    {
        var host = Host;
        var tomorrow = DateTime.UtcNow.Date.AddDays(1);
        var due = await host.CreateDealAsync(new { title = "Closing", closeDate = tomorrow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
        var later = await host.CreateDealAsync(new { title = "Later", closeDate = tomorrow.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
        // Its time: tomorrow's midnight less the offset, a few seconds from now.
        var offset = (long)(tomorrow - DateTime.UtcNow).TotalSeconds - 4;
        var rule = await ActiveRuleAsync(host, new { kind = "schedule.dateField", @params = new { field = "closeDate", offset = $"PT{offset}S", direction = "BEFORE" } }, "Closing soon");

        await ScheduledWorkTests.EventuallyAsync(async () => await CommentsAsync(host, due) == "Closing soon", "the rule ran when the date came");
        await FireAsync(host, rule, DateTimeOffset.UtcNow);
        var run = Assert.Single(await RunsAsync(host, due));
        Assert.Equal("schedule.dateField", Str(run["eventType"]));
        Assert.Empty(await RunsAsync(host, later));
        // The class's other tests make deals in this host: the sweep no longer looks at them for this rule.
        (await host.MutateAsync("deactivateAutomationRule", "mutation($id: ID!) { deactivateAutomationRule(id: $id) { errors { code message path } } }", new { id = rule })).Ok();
    }
}

/// <summary>The host the schedule trigger tests share: a date-field sweep every second, a small bound per firing.</summary>
public abstract class ScheduleTriggerHost(Engine engine) : HostFixture(engine)
{
    protected override IReadOnlyDictionary<string, string?> Settings => ScheduleTriggerTests.Settings;
}

public sealed class ScheduleTriggerSqliteHost() : ScheduleTriggerHost(Engine.Sqlite);

public sealed class ScheduleTriggerPostgresHost() : ScheduleTriggerHost(Engine.Postgres);

[Trait("Engine", "Sqlite")]
public sealed class ScheduleTriggerTestsOnSqlite(ScheduleTriggerSqliteHost fixture) : ScheduleTriggerTests(fixture), IClassFixture<ScheduleTriggerSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ScheduleTriggerTestsOnPostgres(ScheduleTriggerPostgresHost fixture) : ScheduleTriggerTests(fixture), IClassFixture<ScheduleTriggerPostgresHost>;
