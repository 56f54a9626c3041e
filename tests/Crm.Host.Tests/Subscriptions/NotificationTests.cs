using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Subscriptions;

/// <summary>
/// Notifications: sent by rules (<c>timeline.notify</c>, and <c>crm.notify</c> in scripts), for one
/// user, about the run's record or not; listed for their recipient only, sent live to their
/// <c>notificationEvents</c>, marked read once however many mark them at once.
/// </summary>
public abstract class NotificationTests(LiveTimelineHost fixture)
{
    private const string Mine = "query($unread: Boolean, $first: Int, $after: ID) { notifications(unread: $unread, first: $first, after: $after) { id text entityType entityId fromUserId actorKind ruleId read readAt } unreadNotificationCount }";
    private const string Mark = "mutation($ids: [ID!], $all: Boolean) { markNotificationsRead(ids: $ids, all: $all) { marked errors { code message path } } }";
    private const string Events = "subscription($after: String) { notificationEvents(after: $after) { cursor node { id text entityType entityId ruleId read } } }";

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    /// <summary>An active manual rule on deals whose actions notify <paramref name="userId"/>: one about the deal (by script), one not.</summary>
    private async Task<string> NotifyingRuleAsync(string userId)
    {
        var input = new
        {
            name = "Tell them",
            trigger = new { kind = "platform.manual" },
            actions = new object[]
            {
                new { kind = "platform.script", @params = new { source = $"crm.notify({userId}, 'Look at ' + record.title); true" } },
                new { kind = "timeline.notify", @params = new { userId, text = "Not about a record", aboutRecord = false } },
            },
        };
        var id = Str((await Host.MutateAsync("createAutomationRule", "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }", new { input })).Ok()["rule"]!["id"]);
        (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message } } }", new { id })).Ok();
        return id;
    }

    private async Task<JsonNode> StartAsync(string rule, string deal) =>
        (await Host.MutateAsync("startAutomationRule", "mutation($r: ID!, $d: ID!) { startAutomationRule(ruleId: $r, recordId: $d) { run { status error steps } errors { code message } } }", new { r = rule, d = deal })).Ok()["run"]!;

    [Fact]
    public async Task A_rule_notifies_a_user_who_alone_sees_it_live_and_in_their_list_and_marks_it_read()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("notified");
        var (_, _, otherKey) = await Host.NewUserWithKeyAsync("bystander");
        var rule = await NotifyingRuleAsync(userId);
        var deal = await Host.CreateDealAsync(new { title = "Big one" });

        var first = await StartAsync(rule, deal);
        Assert.Equal("SUCCEEDED", Str(first["status"]));
        var listed = (await Host.QueryAsync(Mine, apiKey: key)).ShouldSucceed().Data!;
        var notes = listed["notifications"]!.AsArray();
        Assert.Equal(2, notes.Count);
        Assert.Equal(2, listed["unreadNotificationCount"]!.GetValue<int>());
        var (plain, aboutDeal) = (notes[0]!, notes[1]!); // newest first
        Assert.Equal(("Not about a record", null, null, rule, false), (Str(plain["text"]), plain["entityType"], plain["entityId"], Str(plain["ruleId"]), plain["read"]!.GetValue<bool>()));
        Assert.Equal(("Look at Big one", "DEAL", deal, "AUTOMATION"), (Str(aboutDeal["text"]), Str(aboutDeal["entityType"]), Str(aboutDeal["entityId"]), Str(aboutDeal["actorKind"])));

        // Nobody else sees them, the administrator included.
        Assert.Empty((await Host.QueryAsync(Mine, apiKey: otherKey)).ShouldSucceed().Data!["notifications"]!.AsArray());
        Assert.DoesNotContain((await Host.QueryAsync(Mine)).ShouldSucceed().Data!["notifications"]!.AsArray(), n => Str(n!["text"]) == "Look at Big one");

        // Live: the recipient's subscription gets the next ones; a bystander's gets nothing of theirs.
        await using var socket = await GraphQLSocket.OpenAsync(Host, key);
        await socket.SubscribeAsync("n", Events, new { after = Str(plain["id"]) });
        await using var bystander = await GraphQLSocket.OpenAsync(Host, otherKey);
        await bystander.SubscribeAsync("b", Events, new { after = "0" });
        await StartAsync(rule, deal);
        var live = new[] { (await socket.NextDataAsync("n"))["notificationEvents"]!, (await socket.NextDataAsync("n"))["notificationEvents"]! };
        Assert.Equal(["Look at Big one", "Not about a record"], live.Select(e => Str(e["node"]!["text"])));
        Assert.Equal(Str(live[0]["cursor"]), Str(live[0]["node"]!["id"]));

        // Marked read: by id (others' ids ignored), then all; twenty marks at once mark each once.
        Assert.Equal(1, (await Host.MutateAsync("markNotificationsRead", Mark, new { ids = new[] { Str(aboutDeal["id"]) } }, key)).Ok()["marked"]!.GetValue<int>());
        Assert.Equal(0, (await Host.MutateAsync("markNotificationsRead", Mark, new { ids = new[] { Str(plain["id"]) } }, otherKey)).Ok()["marked"]!.GetValue<int>());
        var marks = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.MutateAsync("markNotificationsRead", Mark, new { all = true }, key)));
        Assert.Equal(3, marks.Sum(m => m.Ok()["marked"]!.GetValue<int>()));
        var after = (await Host.QueryAsync(Mine, new { unread = false }, key)).ShouldSucceed().Data!;
        Assert.Equal((4, 0), (after["notifications"]!.AsArray().Count, after["unreadNotificationCount"]!.GetValue<int>()));
        Assert.All(after["notifications"]!.AsArray(), n => Assert.NotNull(n!["readAt"]));

        // Paging: below the id given.
        var page = (await Host.QueryAsync(Mine, new { first = 1, after = Str(plain["id"]) }, key)).ShouldSucceed().Data!["notifications"]!.AsArray();
        Assert.Equal(Str(aboutDeal["id"]), Str(Assert.Single(page)!["id"]));
    }

    [Fact]
    public async Task Notifications_are_bounded_and_refused_before_anything_is_written()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("bounded");
        var ids = Enumerable.Range(1, 2_000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var tooMany = await Host.MutateAsync("markNotificationsRead", Mark, new { ids }, key);
        Assert.Equal(("LIMIT_EXCEEDED", "ids"), (tooMany.ErrorCode(), tooMany.ErrorPath()));
        Assert.Equal("INVALID_VALUE", (await Host.MutateAsync("markNotificationsRead", Mark, new { }, key)).ErrorCode());
        Assert.Equal("LIMIT_EXCEEDED", (await Host.QueryAsync(Mine, new { first = 2_000 }, key)).ErrorCodes.Single());

        // Ten times the text limit: refused when the rule is saved, and as a script's request when it runs.
        var saved = await Host.MutateAsync("createAutomationRule", "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = "Too long", trigger = new { kind = "platform.manual" }, actions = new object[] { new { kind = "timeline.notify", @params = new { userId, text = new string('x', 20_000) } } } } });
        Assert.Equal("TOO_LONG", saved.ErrorCode());
        var script = Str((await Host.MutateAsync("createAutomationRule", "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = "Long by script", trigger = new { kind = "platform.manual" }, actions = new object[] { new { kind = "platform.script", @params = new { source = $"crm.notify({userId}, 'x'.repeat(20000)); true" } } } } })).Ok()["rule"]!["id"]);
        (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message } } }", new { id = script })).Ok();
        var run = await StartAsync(script, await Host.CreateDealAsync(new { title = "Long" }));
        Assert.Equal("FAILED", Str(run["status"]));
        Assert.StartsWith("TOO_LONG", Str(run["error"]), StringComparison.Ordinal);
        Assert.Equal(0, (await Host.QueryAsync(Mine, apiKey: key)).ShouldSucceed().Data!["unreadNotificationCount"]!.GetValue<int>());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class NotificationsOnSqlite(LiveTimelineSqliteHost fixture) : NotificationTests(fixture), IClassFixture<LiveTimelineSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class NotificationsOnPostgres(LiveTimelinePostgresHost fixture) : NotificationTests(fixture), IClassFixture<LiveTimelinePostgresHost>;
