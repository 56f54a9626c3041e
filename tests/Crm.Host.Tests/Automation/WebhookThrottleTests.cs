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
/// An incoming webhook's calls are counted in the database over a sliding minute: two hosts on one
/// database let through as many of a rule's calls as one would, each rule has its own count, and no 60
/// seconds hold more than the limit's calls, across a minute's boundary too. The hosts share an injected
/// clock that stands still and is moved by hand, so the counts are exact by construction.
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
    public async Task Two_hosts_let_through_a_rules_calls_at_most_the_limit_in_any_sixty_seconds_across_a_minutes_turn_each_rule_counted_alone()
    {
        var connection = await MigratedDatabases.CreateKeptAsync(engine);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 10, 0, 50, TimeSpan.Zero));
        await using var first = Host(connection, clock);
        await using var second = Host(connection, clock);
        var (rule, secret) = await WebhookRuleAsync(first);
        var (other, otherSecret) = await WebhookRuleAsync(first);
        var passed = new List<DateTimeOffset>();

        // Calls alternately on each host at the clock's time: how many got past the count (422: they name no record) and were throttled.
        async Task<(int Passed, int Throttled)> CallsAsync(int count)
        {
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < count; i++)
            {
                var status = await CallAsync(i % 2 == 0 ? first : second, rule, secret);
                statuses.Add(status);
                if (status == HttpStatusCode.UnprocessableEntity)
                {
                    passed.Add(clock.GetUtcNow());
                }
            }

            Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.UnprocessableEntity, HttpStatusCode.TooManyRequests }));
            return (statuses.Count(s => s == HttpStatusCode.UnprocessableEntity), statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        }

        // Ten times the limit (20 a minute) ten seconds before a minute's turn: 20 get past the count between the hosts.
        Assert.Equal((20, 180), await CallsAsync(200));
        // Another rule has calls of its own.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, await CallAsync(second, other, otherSecret));

        // Past the minute's turn (a fixed clock minute would let 20 more through here), and 59 seconds on: none.
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal((0, 30), await CallsAsync(30));
        clock.Advance(TimeSpan.FromSeconds(39));
        Assert.Equal((0, 5), await CallsAsync(5));

        // Once the burst has slid out of the window (the refused calls were not counted): 20 again.
        clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal((20, 10), await CallsAsync(30));

        // Spread over the next minute and a half, a call every three seconds: still never more than 20 in any 60 seconds.
        for (var i = 0; i < 30; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(3));
            await CallsAsync(1);
        }

        Assert.All(passed, at => Assert.InRange(passed.Count(p => p >= at - TimeSpan.FromSeconds(60) && p <= at), 1, 20));
        Assert.InRange(passed.Count, 41, 60);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class WebhookThrottleOnSqlite() : WebhookThrottleTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class WebhookThrottleOnPostgres() : WebhookThrottleTests(Engine.Postgres);
