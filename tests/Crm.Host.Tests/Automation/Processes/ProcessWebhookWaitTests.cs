using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;
using static Crm.Host.Tests.Automation.Processes.ProcessGraphs;

namespace Crm.Host.Tests.Automation.Processes;

/// <summary>
/// Webhook waits: each waiting branch gets its own secret, shown to the settings right only; a call
/// with it resumes that branch once, its body kept as the wait's output; a redelivery (same delivery
/// id) changes nothing; the rule webhooks' refusals (401, 404, 413, 400, 429) hold here too.
/// </summary>
public abstract class ProcessWebhookWaitTests(AutomationHost fixture)
{
    private const string Waits = "query($t: CrmEntityType!, $id: ID!) { processInstances(where: { entityType: $t, entityId: $id }) { id status position webhookWaits { token stepId path secret } } }";

    private CrmHost Host => fixture.Host;

    private Task<string> ProcessAsync() => Host.ActiveProcessAsync(new
    {
        name = "Wait for the payment provider",
        graph = Line(Step("paid", "wait", new { on = "webhook" }), Comment("after", "Called back")),
    });

    private async Task<(string Instance, string Path, string Secret, JsonNode Position)> WaitingAsync(string process, string deal)
    {
        Assert.Equal("WAITING", (await Host.StartAsync(process, deal)).Ok()["instance"]!["status"].Str());
        var instance = Assert.Single((await Host.QueryAsync(Waits, new { t = "DEAL", id = deal })).ShouldSucceed().Data!["processInstances"]!.AsArray())!;
        var wait = Assert.Single(instance["webhookWaits"]!.AsArray())!;
        Assert.Equal("paid", wait["stepId"].Str());
        return (instance["id"].Str(), wait["path"].Str(), wait["secret"].Str(), instance["position"]!);
    }

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

    private async Task<int> CalledBackAsync(string deal) =>
        (await Host.CommentTimelineAsync("DEAL", deal)).ShouldSucceed().Data!["timeline"]!["nodes"]!.AsArray().Count(e => e!["text"]?.GetValue<string>() == "Called back");

    [Fact]
    public async Task A_call_with_the_waits_own_secret_resumes_it_once_keeping_its_body_and_a_redelivery_changes_nothing()
    {
        var process = await ProcessAsync();
        var (dealA, dealB) = (await Host.CreateDealAsync(new { title = "Paid by card" }), await Host.CreateDealAsync(new { title = "Paid by transfer" }));
        var a = await WaitingAsync(process, dealA);
        var b = await WaitingAsync(process, dealB);
        Assert.Equal($"/automation/process-waits/{a.Instance}", a.Path);
        Assert.NotEqual(a.Secret, b.Secret);
        // Whoever reads the record reads the position, not the secret.
        Assert.DoesNotContain(a.Secret, a.Position.ToJsonString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(a.Path, b.Secret, new { })).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(a.Path, null, new { })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync("/automation/process-waits/987654321", a.Secret, new { })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync("/automation/process-waits/abc", a.Secret, new { })).Status);
        // Ten times the body's limit is refused before it is read; so is a body that is not JSON.
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await CallAsync(a.Path, a.Secret, new { note = new string('x', 160_000) })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await CallAsync(a.Path, a.Secret, "{ not json")).Status);
        Assert.Equal(0, await CalledBackAsync(dealA));

        var (status, answer) = await CallAsync(a.Path, a.Secret, new { paymentId = "pay_42" }, delivery: "d-1");
        Assert.Equal((HttpStatusCode.OK, "COMPLETED", false), (status, answer!["instance"]!["status"].Str(), answer["repeated"]!.GetValue<bool>()));
        var resumed = (await Host.InstanceAsync(dealA, a.Instance))["steps"]!.AsArray().Single(s => s!["stepId"].Str() == "paid" && s["status"].Str() == "RESUMED")!;
        Assert.Equal("pay_42", resumed["output"]!["body"]!["paymentId"].Str());

        // The same delivery again: the first's answer, nothing run twice; another delivery: the wait is spent.
        var again = await CallAsync(a.Path, a.Secret, new { paymentId = "pay_42" }, delivery: "d-1");
        Assert.Equal((HttpStatusCode.OK, true), (again.Status, again.Body!["repeated"]!.GetValue<bool>()));
        Assert.Equal(HttpStatusCode.Conflict, (await CallAsync(a.Path, a.Secret, new { }, delivery: "d-2")).Status);
        Assert.Equal(1, await CalledBackAsync(dealA));
        Assert.Equal("WAITING", (await Host.InstanceAsync(dealB, b.Instance))["status"].Str());

        // Twenty parallel calls with the other wait's secret: one resumes it, the others find it spent.
        var calls = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => CallAsync(b.Path, b.Secret, new { attempt = i }, delivery: $"parallel-{i}")));
        Assert.Equal(1, calls.Count(c => c.Status == HttpStatusCode.OK));
        Assert.Equal(19, calls.Count(c => c.Status == HttpStatusCode.Conflict));
        Assert.Equal("COMPLETED", (await Host.InstanceAsync(dealB, b.Instance))["status"].Str());
        Assert.Equal(1, await CalledBackAsync(dealB));
        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task A_webhook_wait_takes_at_most_its_calls_per_minute_and_a_cancelled_instance_takes_none()
    {
        var process = await ProcessAsync();
        var deal = await Host.CreateDealAsync(new { title = "Throttled" });
        var waiting = await WaitingAsync(process, deal);

        // Ten times the limit (20 a minute in these tests): one resumes, the wait is spent for the next ones, the rest are throttled.
        var statuses = new List<HttpStatusCode>();
        var took = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            statuses.Add((await CallAsync(waiting.Path, waiting.Secret, new { }, delivery: $"call-{i}")).Status);
        }

        var (ok, spent, throttled) = (statuses.Count(s => s == HttpStatusCode.OK), statuses.Count(s => s == HttpStatusCode.Conflict), statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal((1, 200), (ok, ok + spent + throttled));
        // A sliding window: 20 in any 60 seconds, a minute's turn included (more only if the calls took longer than that).
        Assert.True(took.Elapsed > TimeSpan.FromSeconds(60) || throttled == 180, $"{throttled} throttled in {took.Elapsed}");

        var other = await Host.CreateDealAsync(new { title = "Cancelled" });
        var cancelled = await WaitingAsync(process, other);
        (await Host.MutateAsync("cancelProcess", "mutation($id: ID!) { cancelProcess(id: $id) { errors { code message } } }", new { id = cancelled.Instance })).Ok();
        Assert.Equal(HttpStatusCode.Conflict, (await CallAsync(cancelled.Path, cancelled.Secret, new { })).Status);
        Assert.Equal(0, await CalledBackAsync(other));
        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task A_webhook_wait_that_notifies_posts_its_address_and_secret_once_and_the_call_it_makes_resumes_the_branch_once()
    {
        string? calledBack = null;
        (HttpStatusCode Status, JsonNode? Body)? resumedDuringNotice = null;
        HttpReceiver? self = null;
        // The party told makes its call before it even answers the notice (the host holds the instance meanwhile).
        using var receiver = self = new HttpReceiver(async r =>
        {
            var wait = JsonNode.Parse(calledBack = Assert.Single(self!.Received).Body)!["payload"]!["wait"]!;
            resumedDuringNotice = await CallAsync(wait["path"].Str(), wait["secret"].Str(), new { paymentId = "pay_7" }, delivery: "told-1");
            r.StatusCode = 200;
        });
        var process = await Host.ActiveProcessAsync(new
        {
            name = "Tell the payment provider",
            graph = Line(Step("paid", "wait", new { on = "webhook", notify = new { url = receiver.Url, payload = new { provider = "acme" } } }), Comment("after", "Called back")),
        });
        var deal = await Host.CreateDealAsync(new { title = "Told where to call" });
        fixture.Errors.Entries.Clear();

        var instance = (await Host.StartAsync(process, deal)).Ok()["instance"]!;
        Assert.Equal("COMPLETED", instance["status"].Str());
        var (method, contentType, _) = Assert.Single(receiver.Received);
        Assert.Equal(("POST", true), (method, contentType?.StartsWith("application/json", StringComparison.Ordinal)));
        var body = JsonNode.Parse(calledBack!)!;
        var told = body["payload"]!["wait"]!;
        var path = $"/automation/process-waits/{instance["id"].Str()}";
        Assert.Equal(("acme", instance["id"].Str(), "paid", path, $"https://crm.example.com/base{path}", "X-Crm-Webhook-Secret"),
            (body["payload"]!["provider"].Str(), told["instanceId"].Str(), told["stepId"].Str(), told["path"].Str(), told["url"].Str(), told["header"].Str()));
        var secret = told["secret"].Str();
        Assert.Equal(deal, body["record"]!["id"]!.ToJsonString().Trim('"'));
        Assert.Equal(HttpStatusCode.OK, resumedDuringNotice!.Value.Status);

        // Resumed once, by that call; the history says the notice went and how it was answered.
        var steps = instance["steps"]!.AsArray();
        Assert.Equal("pay_7", Assert.Single(steps, s => s!["status"].Str() == "RESUMED")!["output"]!["body"]!["paymentId"].Str());
        var notified = Assert.Single(steps, s => s!["status"].Str() == "NOTIFIED")!;
        Assert.Equal((receiver.Url, 200), (notified["output"]!["url"].Str(), notified["output"]!["status"]!.GetValue<int>()));
        Assert.Equal(1, await CalledBackAsync(deal));
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(path, secret, new { paymentId = "pay_7" }, delivery: "told-1")).Status); // a redelivery
        Assert.Equal(HttpStatusCode.Conflict, (await CallAsync(path, secret, new { }, delivery: "told-2")).Status);
        Assert.Equal(1, await CalledBackAsync(deal));
        Assert.Single(receiver.Received);

        // The secret went to the party told, and nowhere a reader of the record (or the log) sees.
        var read = (await Host.QueryAsync(Waits, new { t = "DEAL", id = deal })).ShouldSucceed().Data!.ToJsonString();
        var history = (await Host.InstancesAsync(deal)).Select(i => i.ToJsonString());
        var timeline = (await Host.CommentTimelineAsync("DEAL", deal)).ShouldSucceed().Data!.ToJsonString();
        await Host.DeliverAsync();
        var events = fixture.Events.About("deal", deal).Select(e => System.Text.Json.JsonSerializer.Serialize<object>(e.Data));
        Assert.All([read, timeline, .. history, .. events, .. fixture.Errors.Entries], text => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
        await Host.DeactivateProcessAsync(process);
    }

    /// <summary>The notice's watchdog: its key in the scheduler and in the history (the instance, the branch, 64 bits of the secret's SHA-256).</summary>
    private static string NoticeKey(string instance, int token, string secret) =>
        $"{instance}:{token}:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(secret)), 0, 8)}";

    private Task<long> WatchdogsAsync(string key) => WatchdogsAsync(Host, key);

    private static Task<long> WatchdogsAsync(CrmHost host, string key) => Platform.ScheduledWorkTests.CountAsync(host,
        $"SELECT COUNT(*) AS n FROM {host.Table("platform", "qrtz_triggers")} WHERE trigger_group = @p0 AND trigger_name = @p1", "automation/process-notice", key);

    /// <summary>Fires the watchdog of a notice now, as the scheduler does when it is due, and waits until it has run.</summary>
    private Task FireWatchdogAsync(string instance, int token, string key) => FireWatchdogAsync(Host, instance, token, key);

    private static async Task FireWatchdogAsync(CrmHost host, string instance, int token, string key)
    {
        var scheduler = host.Services.GetRequiredService<Crm.PluginSdk.Scheduling.IWorkScheduler>();
        await scheduler.ScheduleAsync("automation/process-notice", key, DateTimeOffset.UtcNow,
            new JsonObject { ["instanceId"] = long.Parse(instance, System.Globalization.CultureInfo.InvariantCulture), ["token"] = token, ["key"] = key }.ToJsonString(), CancellationToken.None);
        for (var deadline = DateTime.UtcNow.AddSeconds(60); await WatchdogsAsync(host, key) > 0; await Task.Delay(50))
        {
            Assert.True(DateTime.UtcNow < deadline, "The watchdog did not fire within a minute.");
        }

        await Task.Delay(300); // the handler's last statement after its trigger left the store
    }

    [Fact]
    public async Task A_notice_a_stopped_host_did_not_record_is_sent_again_by_its_watchdog_with_the_same_secret_and_only_then()
    {
        using var receiver = HttpReceiver.Answering(204);
        var process = await Host.ActiveProcessAsync(new
        {
            name = "Tell the bank, at least once",
            graph = Line(Step("paid", "wait", new { on = "webhook", notify = new { url = receiver.Url, payload = new { bank = "b1" } } }), Comment("after", "Called back")),
        });
        var deal = await Host.CreateDealAsync(new { title = "Told again" });
        var instance = (await Host.StartAsync(process, deal)).Ok()["instance"]!;
        Assert.Equal("WAITING", instance["status"].Str());
        var first = JsonNode.Parse(Assert.Single(receiver.Received).Body)!["payload"]!["wait"]!;
        var (id, secret) = (instance["id"].Str(), first["secret"].Str());
        var token = (await Host.QueryAsync(Waits, new { t = "DEAL", id = deal })).ShouldSucceed().Data!["processInstances"]![0]!["webhookWaits"]![0]!["token"]!.GetValue<int>();
        var key = NoticeKey(id, token, secret);

        // Recorded, its watchdog cancelled: a firing now (a late one) sends nothing.
        Assert.Equal(0, await WatchdogsAsync(key));
        var notified = $"SELECT output FROM {Host.Table("automation", "process_step_runs")} WHERE instance_id = @p0 AND status = 'NOTIFIED'";
        var row = JsonNode.Parse((string)Assert.Single(await Host.QueryRowsAsync(notified, long.Parse(id, System.Globalization.CultureInfo.InvariantCulture)))["output"]!)!;
        Assert.Equal((key, false), (row["wait"].Str(), row["resent"]!.GetValue<bool>()));
        await FireWatchdogAsync(id, token, key);
        Assert.Single(receiver.Received);

        // What a host stopped between the call and its record leaves: the wait, no record. Its watchdog sends the notice
        // again, the same address and secret (the receiver knows a repeat by them), and records it.
        await Host.QueryRowsAsync($"DELETE FROM {Host.Table("automation", "process_step_runs")} WHERE instance_id = @p0 AND status = 'NOTIFIED'", long.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
        await FireWatchdogAsync(id, token, key);
        Assert.Equal(2, receiver.Received.Count);
        var again = receiver.Received.Select(r => JsonNode.Parse(r.Body)!["payload"]!).ToList();
        Assert.All(again, p => Assert.Equal((id, "paid", secret, "b1"), (p["wait"]!["instanceId"].Str(), p["wait"]!["stepId"].Str(), p["wait"]!["secret"].Str(), p["bank"].Str())));
        row = JsonNode.Parse((string)Assert.Single(await Host.QueryRowsAsync(notified, long.Parse(id, System.Globalization.CultureInfo.InvariantCulture)))["output"]!)!;
        Assert.Equal((key, true, 204), (row["wait"].Str(), row["resent"]!.GetValue<bool>(), row["status"]!.GetValue<int>()));

        // Once called back, the wait is gone: a watchdog finds nothing owed.
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(first["path"].Str(), secret, new { ok = true })).Status);
        Assert.Equal(1, await CalledBackAsync(deal));
        await Host.QueryRowsAsync($"DELETE FROM {Host.Table("automation", "process_step_runs")} WHERE instance_id = @p0 AND status = 'NOTIFIED'", long.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
        await FireWatchdogAsync(id, token, key);
        Assert.Equal(2, receiver.Received.Count);
        Assert.DoesNotContain(secret, row.ToJsonString(), StringComparison.Ordinal);
        await Host.DeactivateProcessAsync(process);
    }

    [Fact]
    public async Task A_notice_whose_host_stopped_right_after_the_waits_commit_is_sent_after_the_next_start()
    {
        using var receiver = HttpReceiver.Answering(204);
        var engine = Host.Engine;
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        string id, secret, key;
        int token;
        await using (var first = new CrmHost(engine, connection, DelayedActionTests.Settings))
        {
            var process = await first.ActiveProcessAsync(new
            {
                name = "Tell across a restart",
                graph = Line(Step("paid", "wait", new { on = "webhook", notify = new { url = receiver.Url } }), Comment("after", "Called back")),
            });
            var deal = await first.CreateDealAsync(new { title = "Told after a restart" });
            id = (await first.StartAsync(process, deal)).Ok()["instance"]!["id"].Str();
            secret = JsonNode.Parse(Assert.Single(receiver.Received).Body)!["payload"]!["wait"]!["secret"].Str();
            token = (await first.QueryAsync(Waits, new { t = "DEAL", id = deal })).ShouldSucceed().Data!["processInstances"]![0]!["webhookWaits"]![0]!["token"]!.GetValue<int>();
            key = NoticeKey(id, token, secret);
        }

        // As if the host had stopped between the wait's commit and its watchdog: no notice recorded, none scheduled.
        await using (var lost = new CrmHost(engine, connection))
        {
            await lost.QueryRowsAsync($"DELETE FROM {lost.Table("automation", "process_step_runs")} WHERE status = 'NOTIFIED'");
            Assert.Equal(0, await WatchdogsAsync(lost, key));
        }

        await using var second = new CrmHost(engine, connection, DelayedActionTests.Settings);
        _ = second.Server;
        await Platform.ScheduledWorkTests.EventuallyAsync(async () => await WatchdogsAsync(second, key) == 1, "the next start scheduled the notice's watchdog again");
        await FireWatchdogAsync(second, id, token, key);
        Assert.Equal(2, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.Equal(secret, JsonNode.Parse(r.Body)!["payload"]!["wait"]!["secret"].Str()));
    }

    [Fact]
    public async Task A_notice_that_fails_takes_the_waits_error_edge_or_fails_the_instance_and_its_secret_opens_nothing()
    {
        using var failing = HttpReceiver.Answering(500);
        var withEdge = await Host.ActiveProcessAsync(new
        {
            name = "Tell, or else comment",
            graph = Graph(
                [Step("start", "start"), Step("paid", "wait", new { on = "webhook", notify = new { url = failing.Url } }), Comment("after", "Called back"), Comment("untold", "Not told"), Step("end", "end")],
                [Edge("start", "paid"), Edge("paid", "after"), Edge("paid", "untold", "error"), Edge("after", "end"), Edge("untold", "end")]),
        });
        var withoutEdge = await Host.ActiveProcessAsync(new
        {
            name = "Tell, or fail",
            graph = Line(Step("paid", "wait", new { on = "webhook", notify = new { url = failing.Url } }), Comment("after", "Called back")),
        });
        var (dealA, dealB) = (await Host.CreateDealAsync(new { title = "Untold A" }), await Host.CreateDealAsync(new { title = "Untold B" }));

        var a = (await Host.StartAsync(withEdge, dealA)).Ok()["instance"]!;
        Assert.Equal("COMPLETED", a["status"].Str());
        var failedStep = Assert.Single(a["steps"]!.AsArray(), s => s!["status"].Str() == "FAILED")!;
        Assert.Equal(("paid", "error"), (failedStep["stepId"].Str(), failedStep["outcome"].Str()));
        Assert.StartsWith("WEBHOOK_FAILED: The notice failed: The webhook answered 500", failedStep["error"].Str(), StringComparison.Ordinal);
        Assert.Equal(0, await CalledBackAsync(dealA));

        var b = (await Host.StartAsync(withoutEdge, dealB)).Ok()["instance"]!;
        Assert.Equal("FAILED", b["status"].Str());
        Assert.Contains("The notice failed", b["error"].Str(), StringComparison.Ordinal);

        // The secret the failed notice carried opens no wait.
        var secret = JsonNode.Parse(failing.Received.First().Body)!["payload"]!["wait"]!["secret"].Str();
        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync($"/automation/process-waits/{a["id"].Str()}", secret, new { })).Status);
        Assert.Equal(2, failing.Received.Count);
        await Host.DeactivateProcessAsync(withEdge);
        await Host.DeactivateProcessAsync(withoutEdge);
    }

    [Fact]
    public async Task A_notice_is_checked_when_saved_its_host_allowed_its_payload_bounded_and_its_error_edge_only_with_it()
    {
        object WaitWith(object notify) => Line(Step("paid", "wait", new { on = "webhook", notify }), Comment("after", "x"));
        async Task<JsonNode> RefusedAsync(object graph) => Assert.Single((await Host.CreateAsync(new { name = "Refused notice", graph }))["errors"]!.AsArray())!;

        var elsewhere = await RefusedAsync(WaitWith(new { url = "https://elsewhere.example.com/hook" }));
        Assert.Equal(("FORBIDDEN", "input.graph.steps.1.params.notify.url"), (elsewhere["code"].Str(), string.Join('.', elsewhere["path"]!.AsArray().Select(p => p.Str()))));
        // Ten times the payload's limit, refused before anything else is checked.
        var large = await RefusedAsync(WaitWith(new { url = "http://127.0.0.1/hook", payload = new { note = new string('x', 80_000) } }));
        Assert.Equal(("LIMIT_EXCEEDED", "payload"), (large["code"].Str(), large["path"]!.AsArray().Last().Str()));
        Assert.Equal("INVALID_VALUE", (await RefusedAsync(WaitWith(new { url = "http://127.0.0.1/hook", payload = new { wait = 1 } })))["code"].Str());
        Assert.Equal("INVALID_FORMAT", (await RefusedAsync(WaitWith(new { url = "http://127.0.0.1/hook", secret = "mine" })))["code"].Str());
        var edge = await RefusedAsync(Graph(
            [Step("start", "start"), Step("paid", "wait", new { on = "webhook" }), Step("end", "end")],
            [Edge("start", "paid"), Edge("paid", "end"), Edge("paid", "end", "error")]));
        Assert.Contains("exactly one unlabelled outgoing edge", edge["message"].Str(), StringComparison.Ordinal);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ProcessWebhookWaitOnSqlite(AutomationSqliteHost fixture) : ProcessWebhookWaitTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ProcessWebhookWaitOnPostgres(AutomationPostgresHost fixture) : ProcessWebhookWaitTests(fixture), IClassFixture<AutomationPostgresHost>;
