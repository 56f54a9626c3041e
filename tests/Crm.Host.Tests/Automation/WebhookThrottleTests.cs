using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// An incoming webhook's calls per minute are counted in the database: two hosts on one database let
/// through as many of a rule's calls as one would, each rule has its own count, the next minute has its
/// own. The hosts share an injected clock that stands still, so the counts are exact by construction.
/// </summary>
public abstract class WebhookThrottleTests(Engine engine)
{
    private const string Rotate = "mutation($ruleId: ID!) { rotateAutomationWebhookSecret(ruleId: $ruleId) { secret path errors { code message } } }";

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private CrmHost Host(string connection, FakeTimeProvider clock)
    {
        var settings = new Dictionary<string, string?>(DelayedActionTests.Settings) { ["Automation:Webhooks:Incoming:CallsPerMinute"] = "20" };
        var host = new CrmHost(engine, connection, settings, services: services => services.AddSingleton<TimeProvider>(clock));
        _ = host.Server;
        return host;
    }

    private static async Task<(string Rule, string Secret)> WebhookRuleAsync(CrmHost host)
    {
        var id = Str((await host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = "Called", trigger = new { kind = "platform.webhook" }, actions = new object[] { new { kind = "timeline.addComment", @params = new { text = "Called" } } } } })).Ok()["rule"]!["id"]);
        (await host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id })).Ok();
        return (id, Str((await host.MutateAsync("rotateAutomationWebhookSecret", Rotate, new { ruleId = id })).Ok()["secret"]));
    }

    /// <summary>A call that names no record: it counts, and is refused (422) after the count; nothing runs.</summary>
    private static async Task<HttpStatusCode> CallAsync(CrmHost host, string rule, string secret)
    {
        using var client = host.CreateClient(apiKey: null);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/automation/webhooks/{rule}") { Content = JsonContent.Create(new { }) };
        request.Headers.Add("X-Crm-Webhook-Secret", secret);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Two_hosts_let_through_a_rules_calls_per_minute_once_between_them_each_rule_and_each_minute_counted_alone()
    {
        var connection = await ScheduledWorkTests.NewDatabaseAsync(engine);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 10, 0, 15, TimeSpan.Zero));
        await using var first = Host(connection, clock);
        await using var second = Host(connection, clock);
        var (rule, secret) = await WebhookRuleAsync(first);
        var (other, otherSecret) = await WebhookRuleAsync(first);

        // Ten times the limit (20 a minute), alternately on each host: 20 get past the count between them.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200; i++)
        {
            statuses.Add(await CallAsync(i % 2 == 0 ? first : second, rule, secret));
        }

        Assert.Equal((20, 180), (statuses.Count(s => s == HttpStatusCode.UnprocessableEntity), statuses.Count(s => s == HttpStatusCode.TooManyRequests)));
        // Another rule has calls of its own.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, await CallAsync(second, other, otherSecret));

        // The next minute counts again from none.
        clock.Advance(TimeSpan.FromMinutes(1));
        var next = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            next.Add(await CallAsync(i % 2 == 0 ? second : first, rule, secret));
        }

        Assert.Equal((20, 10), (next.Count(s => s == HttpStatusCode.UnprocessableEntity), next.Count(s => s == HttpStatusCode.TooManyRequests)));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class WebhookThrottleOnSqlite() : WebhookThrottleTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class WebhookThrottleOnPostgres() : WebhookThrottleTests(Engine.Postgres);
