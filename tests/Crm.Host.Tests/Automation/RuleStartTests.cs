using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// Rules started without an event: by hand (<c>startAutomationRule</c>, by whoever may update the
/// record; the run acts as the rule's run-as user) and by an incoming webhook (the rule's own secret,
/// a bounded body, a delivery id that makes a redelivery run once, a per-rule rate: see WebhookThrottleTests).
/// </summary>
public abstract class RuleStartTests(AutomationHost fixture)
{
    private const string Start = "mutation($ruleId: ID!, $recordId: ID!, $input: JSON) { startAutomationRule(ruleId: $ruleId, recordId: $recordId, input: $input) { run { id ruleId status eventType runAsUserId error steps } errors { code message path } } }";
    private const string Rotate = "mutation($ruleId: ID!) { rotateAutomationWebhookSecret(ruleId: $ruleId) { secret path errors { code message } } }";

    // What the script action does with what the start brought: event.input and who started it.
    private const string Echo = "crm.update('deal', record.id, { comments: event.kind + ' by ' + (event.actor ? event.actor.id : 'outside') + ': ' + event.input.note }); true";

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private async Task<string> RuleAsync(string trigger, bool activate = true, string source = Echo)
    {
        var id = Str((await Host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = $"Started by {trigger}", trigger = new { kind = trigger }, actions = new object[] { new { kind = "platform.script", @params = new { source } } } } })).Ok()["rule"]!["id"]);
        if (activate)
        {
            (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();
        }

        return id;
    }

    private async Task<string?> CommentsAsync(string dealId) =>
        (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { comments } }", new { id = dealId })).ShouldSucceed().Data!["deal"]!["comments"]?.GetValue<string>();

    private async Task<List<JsonNode>> RunsAsync(string dealId) =>
        (await Host.QueryAsync("query($id: ID!) { automationRuns(entityType: DEAL, entityId: $id) { id ruleId status eventType } }", new { id = dealId }))
            .ShouldSucceed().Data!["automationRuns"]!.AsArray().Select(r => r!).ToList();

    [Fact]
    public async Task A_manual_rule_runs_when_a_user_who_may_update_the_record_starts_it_and_acts_as_its_run_as_user()
    {
        var rule = await RuleAsync("platform.manual");
        var deal = await Host.CreateDealAsync(new { title = "Started by hand" });

        var started = (await Host.MutateAsync("startAutomationRule", Start, new { ruleId = rule, recordId = deal, input = new { note = "please" } })).Ok()["run"]!;
        Assert.Equal(("SUCCEEDED", "platform.manual", rule), (Str(started["status"]), Str(started["eventType"]), Str(started["ruleId"])));
        var runAs = Str(started["runAsUserId"]); // the automation user: the rule names no one
        Assert.Equal("platform.manual by 1: please", await CommentsAsync(deal));
        Assert.Equal(Str(started["id"]), Str(Assert.Single(await RunsAsync(deal))["id"]));

        // Each start is a run of its own, at a cost in SQL statements that its input's size does not change.
        // Each count the fewer of two starts: the run-as user's rights are computed again now and then (seven statements).
        // Each start has a note of its own: the rule writes it into the deal, and a value written again writes nothing.
        static JsonObject Wide(string note)
        {
            var wide = new JsonObject { ["note"] = note };
            for (var i = 0; i < 40; i++)
            {
                wide[$"k{i}"] = new string('v', 100);
            }

            return wide;
        }

        async Task<int> StatementsAsync(Func<string, object> input) => Math.Min(
            (await Host.QueryAsync(Start, new { ruleId = rule, recordId = deal, input = input("first") })).ShouldSucceed().Statements,
            (await Host.QueryAsync(Start, new { ruleId = rule, recordId = deal, input = input("second") })).ShouldSucceed().Statements);

        Assert.Equal(await StatementsAsync(note => new { note = "again " + note }), await StatementsAsync(note => Wide("wide " + note)));
        Assert.Equal(5, (await RunsAsync(deal)).Count);

        // A user who may read the deal but not update it may not start rules on it; one who may update it may.
        var (readerId, _, readerKey) = await Host.NewUserWithKeyAsync("reader");
        var reads = await Host.CreateRoleAsync("Reads deals ", [new { entityType = "DEAL", action = "READ", level = "ALL" }]);
        (await Host.AssignAsync(reads, userId: readerId)).Ok();
        var refused = await Host.MutateAsync("startAutomationRule", Start, new { ruleId = rule, recordId = deal }, readerKey);
        Assert.Equal(("FORBIDDEN", "recordId"), (refused.ErrorCode(), refused.ErrorPath()));

        var (writerId, _, writerKey) = await Host.NewUserWithKeyAsync("writer");
        var writes = await Host.CreateRoleAsync("Updates deals ", [new { entityType = "DEAL", action = "READ", level = "ALL" }, new { entityType = "DEAL", action = "UPDATE", level = "ALL" }]);
        (await Host.AssignAsync(writes, userId: writerId)).Ok();
        var byWriter = (await Host.MutateAsync("startAutomationRule", Start, new { ruleId = rule, recordId = deal, input = new { note = "mine" } }, writerKey)).Ok()["run"]!;
        // Started by the writer, run as the rule's user.
        Assert.Equal(("SUCCEEDED", runAs), (Str(byWriter["status"]), Str(byWriter["runAsUserId"])));
        Assert.Equal($"platform.manual by {writerId}: mine", await CommentsAsync(deal));
        Assert.Equal(6, (await RunsAsync(deal)).Count);
    }

    [Fact]
    public async Task A_manual_start_is_refused_for_other_rules_missing_records_and_inputs_over_the_limits_and_runs_nothing()
    {
        var manual = await RuleAsync("platform.manual");
        var onEvent = await RuleAsync("records.created");
        var inactive = await RuleAsync("platform.manual", activate: false);
        var deal = await Host.CreateDealAsync(new { title = "Refusals" });

        Assert.Equal(("INVALID_VALUE", "ruleId"), Refusal(await Host.MutateAsync("startAutomationRule", Start, new { ruleId = onEvent, recordId = deal })));
        Assert.Equal(("INVALID_VALUE", "ruleId"), Refusal(await Host.MutateAsync("startAutomationRule", Start, new { ruleId = inactive, recordId = deal })));
        Assert.Equal(("NOT_FOUND", "ruleId"), Refusal(await Host.MutateAsync("startAutomationRule", Start, new { ruleId = "987654321", recordId = deal })));
        Assert.Equal(("FORBIDDEN", "recordId"), Refusal(await Host.MutateAsync("startAutomationRule", Start, new { ruleId = manual, recordId = "987654321" })));
        Assert.Equal(("INVALID_FORMAT", "input"), Refusal(await Host.MutateAsync("startAutomationRule", Start, new { ruleId = manual, recordId = deal, input = new[] { 1 } })));

        // Ten times each limit: keys, then characters.
        var keys = new JsonObject();
        for (var i = 0; i < 500; i++)
        {
            keys[$"k{i}"] = i;
        }

        Assert.Equal(("LIMIT_EXCEEDED", "input"), Refusal(await Host.MutateAsync("startAutomationRule", Start, new { ruleId = manual, recordId = deal, input = keys })));
        Assert.Equal(("LIMIT_EXCEEDED", "input"), Refusal(await Host.MutateAsync("startAutomationRule", Start, new { ruleId = manual, recordId = deal, input = new { note = new string('x', 160_000) } })));
        Assert.Empty(await RunsAsync(deal));
        Assert.Null(await CommentsAsync(deal));
    }

    private static (string, string) Refusal(JsonNode payload) => (payload.ErrorCode(), payload.ErrorPath());

    private async Task<(HttpStatusCode Status, JsonNode? Body)> CallAsync(string path, string? secret, object? body, string? delivery = null)
    {
        using var client = Host.CreateClient(apiKey: null);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is string text ? new StringContent(text, Encoding.UTF8, "application/json") : JsonContent.Create(body) };
        if (secret is not null)
        {
            request.Headers.Add("X-Crm-Webhook-Secret", secret);
        }

        if (delivery is not null)
        {
            request.Headers.Add("X-Crm-Delivery-Id", delivery);
        }

        using var response = await client.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, answer.Length > 0 ? JsonNode.Parse(answer) : null);
    }

    [Fact]
    public async Task An_incoming_webhook_with_the_rules_secret_runs_it_once_per_delivery()
    {
        var rule = await RuleAsync("platform.webhook");
        var deal = await Host.CreateDealAsync(new { title = "Called from outside" });
        var made = (await Host.MutateAsync("rotateAutomationWebhookSecret", Rotate, new { ruleId = rule })).Ok();
        var (secret, path) = (Str(made["secret"]), Str(made["path"]));
        Assert.Equal($"/automation/webhooks/{rule}", path);

        var (status, body) = await CallAsync(path, secret, new { recordId = long.Parse(deal, System.Globalization.CultureInfo.InvariantCulture), input = new { note = "hello" } }, delivery: "delivery-1");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("SUCCEEDED", false), (Str(body!["run"]!["status"]), body["repeated"]!.GetValue<bool>()));
        Assert.Equal("platform.webhook by outside: hello", await CommentsAsync(deal));

        // The same delivery again (a sender's retry) runs nothing and answers with the first run.
        var (again, repeated) = await CallAsync(path, secret, new { recordId = deal, input = new { note = "twice" } }, delivery: "delivery-1");
        Assert.Equal((HttpStatusCode.OK, Str(body["run"]!["id"]), true), (again, Str(repeated!["run"]!["id"]), repeated["repeated"]!.GetValue<bool>()));
        Assert.Equal("platform.webhook by outside: hello", await CommentsAsync(deal));
        Assert.Single(await RunsAsync(deal));

        // A new secret replaces the old at once.
        var rotated = Str((await Host.MutateAsync("rotateAutomationWebhookSecret", Rotate, new { ruleId = rule })).Ok()["secret"]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(path, secret, new { recordId = deal, input = new { note = "old" } })).Status);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(path, rotated, new { recordId = deal, input = new { note = "new" } }, delivery: "delivery-2")).Status);
        Assert.Equal("platform.webhook by outside: new", await CommentsAsync(deal));
        Assert.Equal(2, (await RunsAsync(deal)).Count);

        // Only the settings right makes secrets.
        var (_, _, plainKey) = await Host.NewUserWithKeyAsync("no-settings");
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("rotateAutomationWebhookSecret", Rotate, new { ruleId = rule }, plainKey)).ErrorCode());
    }

    [Fact]
    public async Task Twenty_rotations_at_once_of_a_new_rules_secret_leave_one_working_secret_and_log_no_error()
    {
        var rule = await RuleAsync("platform.webhook");
        var deal = await Host.CreateDealAsync(new { title = "Rotated at once" });
        fixture.Errors.Entries.Clear();
        var secrets = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ => Str((await Host.MutateAsync("rotateAutomationWebhookSecret", Rotate, new { ruleId = rule })).Ok()["secret"])));
        Assert.Empty(fixture.Errors.Entries); // the rotations that found another's row updated it: no refused insert

        var path = $"/automation/webhooks/{rule}";
        var working = new List<string>();
        foreach (var secret in secrets.Distinct())
        {
            if ((await CallAsync(path, secret, new { recordId = deal, input = new { note = "which" } })).Status == HttpStatusCode.OK)
            {
                working.Add(secret);
            }
        }

        Assert.Single(working); // the last one written, whichever that was
    }

    [Fact]
    public async Task An_incoming_webhook_refuses_with_clear_statuses_before_doing_the_work_they_guard()
    {
        var rule = await RuleAsync("platform.webhook");
        var manual = await RuleAsync("platform.manual");
        var deal = await Host.CreateDealAsync(new { title = "Refused calls" });
        var secret = Str((await Host.MutateAsync("rotateAutomationWebhookSecret", Rotate, new { ruleId = rule })).Ok()["secret"]);
        var manualSecret = Str((await Host.MutateAsync("rotateAutomationWebhookSecret", Rotate, new { ruleId = manual })).Ok()["secret"]);
        var path = $"/automation/webhooks/{rule}";
        var call = new { recordId = deal, input = new { note = "x" } };

        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync("/automation/webhooks/987654321", secret, call)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync("/automation/webhooks/abc", secret, call)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(path, null, call)).Status);
        var (wrong, wrongBody) = await CallAsync(path, secret + "x", call);
        Assert.Equal((HttpStatusCode.Unauthorized, "UNAUTHENTICATED"), (wrong, Str(wrongBody!["error"]!["code"])));
        // Another rule's secret opens only that rule; a rule not started by webhooks is not.
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(path, manualSecret, call)).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await CallAsync($"/automation/webhooks/{manual}", manualSecret, call)).Status);

        // Ten times the body limit (64 KiB): refused by its declared length, and read no further than the limit without one.
        var big = new string('x', 655_360);
        var (tooLarge, tooLargeBody) = await CallAsync(path, secret, new { recordId = deal, input = new { note = big } });
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "LIMIT_EXCEEDED"), (tooLarge, Str(tooLargeBody!["error"]!["code"])));
        using (var client = Host.CreateClient(apiKey: null))
        using (var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StreamContent(new UnsizedStream(Encoding.UTF8.GetBytes($"{{\"recordId\":{deal},\"input\":{{\"note\":\"{big}\"}}}}"))) })
        {
            request.Headers.Add("X-Crm-Webhook-Secret", secret);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(path, secret, "not json")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await CallAsync(path, secret, new { input = new { note = "no record" } })).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await CallAsync(path, secret, new { recordId = deal, input = "text" })).Status);
        var keys = new JsonObject { ["note"] = "x" };
        for (var i = 0; i < 500; i++)
        {
            keys[$"k{i}"] = i;
        }

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await CallAsync(path, secret, new { recordId = deal, input = keys })).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await CallAsync(path, secret, call, delivery: new string('d', 2_000))).Status);
        Assert.Empty(await RunsAsync(deal));

        // A record the run-as user cannot read (or that is gone) is the run's failure, logged.
        var (status, body) = await CallAsync(path, secret, new { recordId = 987654321, input = new { note = "x" } });
        Assert.Equal((HttpStatusCode.OK, "FAILED"), (status, Str(body!["run"]!["status"])));
    }

    /// <summary>A body whose length is not known beforehand (sent chunked).</summary>
    private sealed class UnsizedStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RuleStartOnSqlite(AutomationSqliteHost fixture) : RuleStartTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RuleStartOnPostgres(AutomationPostgresHost fixture) : RuleStartTests(fixture), IClassFixture<AutomationPostgresHost>;
