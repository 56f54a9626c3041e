using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// <c>retryRun</c>: a failed run runs again from its failed action, on the version it pinned, without
/// testing the condition again, as one new run linked to it, however many ask at once.
/// </summary>
public abstract class RunRetryTests(AutomationHost fixture)
{
    private const string Retry = "mutation($id: ID!) { retryRun(runId: $id) { run { id status retryOf ruleVersion steps error conditionResult } errors { code message path } } }";

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static object Rule(string marker, string last) => new
    {
        name = "Fails until fixed",
        trigger = new { kind = "platform.manual" },
        condition = new { field = "title", op = "contains", value = marker },
        actions = new object[]
        {
            new { kind = "timeline.addComment", @params = new { text = $"first {marker}" } },
            new { kind = "platform.script", @params = new { source = "crm.get('deal', record.id).comments === 'fixed' || (() => { throw new Error('not yet'); })()" } },
            new { kind = "records.setFields", @params = new { fields = new { sourceDescription = last } } },
        },
    };

    [Fact]
    public async Task A_failed_run_runs_again_from_its_failed_action_on_its_pinned_version_once()
    {
        var marker = Records.NewMarker("retry");
        var rule = Str((await Host.MutateAsync("createAutomationRule", "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }",
            new { input = Rule(marker, "version 1") })).Ok()["rule"]!["id"]);
        const string activate = "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message } } }";
        (await Host.MutateAsync("activateAutomationRule", activate, new { id = rule })).Ok();
        var deal = await Host.CreateDealAsync(new { title = $"Deal {marker}" });

        var failed = (await Host.MutateAsync("startAutomationRule", "mutation($r: ID!, $d: ID!) { startAutomationRule(ruleId: $r, recordId: $d) { run { id status steps } errors { code message } } }", new { r = rule, d = deal })).Ok()["run"]!;
        Assert.Equal(("FAILED", 2), (Str(failed["status"]), failed["steps"]!.AsArray().Count));

        // Fixed; the title no longer satisfies the condition, and a new version is active: the retry tests no condition and keeps version 1.
        (await Host.MutateAsync("updateDeal", "mutation($id: ID!) { updateDeal(id: $id, input: { comments: \"fixed\", title: \"Renamed\" }) { errors { code } } }", new { id = deal })).Ok();
        (await Host.MutateAsync("updateAutomationRule", "mutation($id: ID!, $input: AutomationRuleInput!) { updateAutomationRule(id: $id, input: $input) { errors { code message } } }",
            new { id = rule, input = Rule(marker, "version 2") })).Ok();
        (await Host.MutateAsync("activateAutomationRule", activate, new { id = rule })).Ok();

        var retries = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.MutateAsync("retryRun", Retry, new { id = Str(failed["id"]) })));
        Assert.Single(retries.Select(r => Str(r.Ok()["run"]!["id"])).Distinct());
        // The one that ran it answers with the finished run; the others with it as they found it (perhaps still pending or running).
        var retry = retries.Select(r => r["run"]!).First(r => Str(r["status"]) is not ("PENDING" or "RUNNING"));
        Assert.Equal(("SUCCEEDED", Str(failed["id"]), 1, true), (Str(retry["status"]), Str(retry["retryOf"]), retry["ruleVersion"]!.GetValue<int>(), retry["conditionResult"]!.GetValue<bool>()));
        Assert.Equal(["platform.script", "records.setFields"], retry["steps"]!.AsArray().Select(s => Str(s!["kind"])));
        Assert.Equal("version 1", Str((await Host.QueryAsync("query($id: ID!) { deal(id: $id) { sourceDescription } }", new { id = deal })).ShouldSucceed().Data!["deal"]!["sourceDescription"]));
        // The first action ran once, in the failed run.
        var comments = (await Host.CommentTimelineAsync("DEAL", deal)).ShouldSucceed().Data!["timeline"]!["nodes"]!.AsArray();
        Assert.Single(comments, e => e!["text"]?.GetValue<string>() == $"first {marker}");
        var runs = (await Host.QueryAsync("query($id: ID!) { automationRuns(entityType: DEAL, entityId: $id) { id retryOf } }", new { id = deal })).ShouldSucceed().Data!["automationRuns"]!.AsArray();
        Assert.Equal(2, runs.Count);

        // Only failed runs are retried; only by the settings right.
        Assert.Equal(("INVALID_VALUE", "runId"), (Refusal(await Host.MutateAsync("retryRun", Retry, new { id = Str(retry["id"]) }))));
        Assert.Equal(("NOT_FOUND", "runId"), (Refusal(await Host.MutateAsync("retryRun", Retry, new { id = Guid.NewGuid().ToString() }))));
        Assert.Equal(("INVALID_ID", "runId"), (Refusal(await Host.MutateAsync("retryRun", Retry, new { id = "12" }))));
        var (_, _, key) = await Host.NewUserWithKeyAsync("no-settings");
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("retryRun", Retry, new { id = Str(failed["id"]) }, key)).ErrorCode());
    }

    private static (string, string) Refusal(JsonNode payload) => (payload.ErrorCode(), payload.ErrorPath());
}

[Trait("Engine", "Sqlite")]
public sealed class RunRetryOnSqlite(AutomationSqliteHost fixture) : RunRetryTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RunRetryOnPostgres(AutomationPostgresHost fixture) : RunRetryTests(fixture), IClassFixture<AutomationPostgresHost>;
