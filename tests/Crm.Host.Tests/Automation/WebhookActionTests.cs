using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Automation;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// <c>platform.callWebhook</c> against a real HTTP listener: the POSTed JSON, only allow-listed
/// hosts, no redirect followed, the timeout and the response limit, and no call in a dry run.
/// </summary>
public abstract class WebhookActionTests(AutomationHost fixture)
{
    private CrmHost Host => fixture.Host;

    private static async Task Answer(HttpListenerResponse response, int status, string text)
    {
        response.StatusCode = status;
        var bytes = Encoding.UTF8.GetBytes(text);
        await response.OutputStream.WriteAsync(bytes);
    }

    [Fact]
    public async Task It_posts_the_run_as_JSON_and_records_the_answer_and_calls_nothing_in_a_dry_run()
    {
        using var receiver = new HttpReceiver(r => Answer(r, 200, "{\"ok\":true}"));
        var id = await Host.CreateDealAsync(new { title = "Hooked" });
        var parameters = new { url = receiver.Url, payload = "{\"reason\":\"won\"}" };

        var dry = await Host.RunActionAsync("platform.callWebhook", "deal", id, "1", parameters, dryRun: true);
        dry.ShouldSucceed();
        Assert.Empty(receiver.Received);
        var effect = Assert.Single(dry.SideEffects);
        Assert.Equal((SideEffectKind.HttpCall, receiver.Url), (effect.Kind, effect.Detail!["url"]!.GetValue<string>()));

        var real = await Host.RunActionAsync("platform.callWebhook", "deal", id, "1", parameters);
        real.ShouldSucceed();
        Assert.Equal(dry.SideEffects.Select(e => (e.Kind, e.EntityId)), real.SideEffects.Select(e => (e.Kind, e.EntityId)));
        Assert.Equal((200, "{\"ok\":true}"), (real.Output!["status"]!.GetValue<int>(), real.Output["response"]!.GetValue<string>()));
        var (method, contentType, body) = Assert.Single(receiver.Received);
        Assert.Equal("POST", method);
        Assert.StartsWith("application/json", contentType, StringComparison.Ordinal);
        var sent = JsonNode.Parse(body)!;
        Assert.Equal((7L, 2, "deal", long.Parse(id, CultureInfo.InvariantCulture), "won"),
            (sent["rule"]!["id"]!.GetValue<long>(), sent["rule"]!["version"]!.GetValue<int>(), sent["record"]!["entityType"]!.GetValue<string>(), sent["record"]!["id"]!.GetValue<long>(), sent["payload"]!["reason"]!.GetValue<string>()));
    }

    [Fact]
    public async Task After_its_record_is_deleted_a_run_still_calls_out_and_an_action_on_the_record_finds_it_gone()
    {
        using var receiver = new HttpReceiver(r => Answer(r, 204, ""));
        var id = await Host.CreateDealAsync(new { title = "Short-lived" });
        (await Host.QueryAsync("mutation($id: ID!) { deleteDeal(id: $id) { errors { code } } }", new { id })).ShouldSucceed();

        (await Host.RunActionAsync("platform.callWebhook", "deal", id, "1", new { url = receiver.Url })).ShouldSucceed();
        Assert.Single(receiver.Received);
        Assert.Equal("NOT_FOUND", (await Host.RunActionAsync("records.setFields", "deal", id, "1", new { fields = new { title = "Back" } })).Code);
    }

    [Fact]
    public async Task A_host_not_allowed_a_redirect_an_error_a_slow_answer_and_a_long_answer_each_fail()
    {
        var id = await Host.CreateDealAsync(new { title = "Hooked badly" });
        (await Host.ValidateAsync("platform.callWebhook", "deal", new { url = "https://example.com/hook" })).Single("FORBIDDEN", "actions.2.params.url");
        (await Host.ValidateAsync("platform.callWebhook", "deal", new { url = "ftp://127.0.0.1/hook" })).Single("INVALID_FORMAT", "actions.2.params.url");
        (await Host.ValidateAsync("platform.callWebhook", "deal", new { url = "http://127.0.0.1/hook", payload = "[1]" })).Single("INVALID_FORMAT", "actions.2.params.payload");
        (await Host.ValidateAsync("platform.callWebhook", "deal", new { url = "http://127.0.0.1/" + new string('x', 10 * 2_000) })).Single("TOO_LONG", "actions.2.params.url");
        (await Host.ValidateAsync("platform.callWebhook", "deal", new { url = "http://127.0.0.1/hook", payload = "{\"a\":\"" + new string('x', 10 * 16_000) + "\"}" })).Single("TOO_LONG", "actions.2.params.payload");
        var notAllowed = await Host.RunActionAsync("platform.callWebhook", "deal", id, "1", new { url = "https://example.com/hook" });
        Assert.Equal("FORBIDDEN", notAllowed.Code);

        using var redirect = new HttpReceiver(r =>
        {
            r.RedirectLocation = "https://example.com/elsewhere";
            return Answer(r, 302, "");
        });
        var redirected = await Host.RunActionAsync("platform.callWebhook", "deal", id, "1", new { url = redirect.Url });
        Assert.Equal("WEBHOOK_FAILED", redirected.Code);
        Assert.Single(redirect.Received);

        using var failing = new HttpReceiver(r => Answer(r, 500, "boom"));
        Assert.Equal("WEBHOOK_FAILED", (await Host.RunActionAsync("platform.callWebhook", "deal", id, "1", new { url = failing.Url })).Code);

        using var slow = new HttpReceiver(async r =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            await Answer(r, 200, "late");
        });
        var timedOut = await Host.RunActionAsync("platform.callWebhook", "deal", id, "1", new { url = slow.Url });
        Assert.Equal("WEBHOOK_FAILED", timedOut.Code);
        Assert.Contains("within 2 seconds", timedOut.Message, StringComparison.Ordinal);

        // Ten times the response limit (1,024 bytes in these tests).
        using var talkative = new HttpReceiver(r => Answer(r, 200, new string('x', 10 * 1024)));
        Assert.Equal("LIMIT_EXCEEDED", (await Host.RunActionAsync("platform.callWebhook", "deal", id, "1", new { url = talkative.Url })).Code);
    }

    [Fact]
    public async Task A_scripts_crm_http_needs_one_allow_list_the_webhooks_and_its_source_one_limit_the_sandboxes()
    {
        using var receiver = new HttpReceiver(r => Answer(r, 200, "{}"));
        var id = await Host.CreateDealAsync(new { title = "Scripted call" });
        // No Scripts:HttpAllowList in these tests: the webhooks' allowed hosts (127.0.0.1) are the one list.
        var called = await Host.RunActionAsync("platform.script", "deal", id, "1", new { source = $"crm.http('POST', '{receiver.Url}won', {{ id: record.id }}); true" });
        called.ShouldSucceed();
        Assert.Contains("\"id\":" + id, Assert.Single(receiver.Received).Body, StringComparison.Ordinal);

        var refused = await Host.RunActionAsync("platform.script", "deal", id, "1", new { source = "crm.http('POST', 'https://not-allowed.example.org/x', {}); true" });
        Assert.Equal("SCRIPT_ERROR", refused.Code);
        Assert.Contains("Automation:Webhooks:AllowedHosts", refused.Message, StringComparison.Ordinal);

        // The source's limit is Scripts:MaxSourceLength (32,768): the catalog says so, and ten times it is refused before it is parsed.
        var catalog = (await Host.QueryAsync("{ automationCatalog { actions { name parameters { name maxLength } } } }")).ShouldSucceed().Data!["automationCatalog"]!["actions"]!.AsArray();
        var source = catalog.Single(a => a!["name"]!.GetValue<string>() == "platform.script")!["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "source")!;
        Assert.Equal(32_768, source["maxLength"]!.GetValue<int>());
        (await Host.ValidateAsync("platform.script", "deal", new { source = "1;" + new string(' ', 327_680) })).Single("TOO_LONG", "actions.2.params.source");
    }
}

[Trait("Engine", "Sqlite")]
public sealed class WebhookActionTestsOnSqlite(AutomationSqliteHost fixture) : WebhookActionTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class WebhookActionTestsOnPostgres(AutomationPostgresHost fixture) : WebhookActionTests(fixture), IClassFixture<AutomationPostgresHost>;
