using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Subscriptions;

/// <summary>
/// The subscription host with events delivered as they are written (woken at commit, polled
/// often), so that entries reach subscribers as in production; messages large enough to send ten
/// times a filter's limit.
/// </summary>
public abstract class LiveTimelineHost(Engine engine) : SubscriptionHost(engine)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Events:WakeUp"] = "true",
        ["Events:PollInterval"] = "00:00:00.2",
        ["GraphQL:WebSocket:MaxMessageBytes"] = "65536",
    };
}

public sealed class LiveTimelineSqliteHost() : LiveTimelineHost(Engine.Sqlite);

public sealed class LiveTimelinePostgresHost() : LiveTimelineHost(Engine.Postgres);

/// <summary>
/// <c>timelineEvents</c> and <c>feedEvents</c>: the timeline's entries as they are written (events
/// delivered by the host's own outbox dispatcher, entries waking the live readers), in order,
/// resumable, for the records the subscriber may read now. Each subscription starts after an entry
/// written before it, so that what a test writes next cannot come before it joins.
/// </summary>
public abstract class TimelineEventsTests(LiveTimelineHost fixture)
{
    private const string TimelineEvents =
        "subscription($t: CrmEntityType!, $id: ID!, $after: String) { timelineEvents(entityType: $t, entityId: $id, after: $after) { cursor node { id kind entityType entityId ... on TimelineFieldsChangedEntry { changes { field newValue } } } } }";

    private const string FeedEvents =
        "subscription($where: FeedFilter, $after: String) { feedEvents(where: $where, after: $after) { cursor node { id kind entityType entityId } } }";

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    /// <summary>The id of the newest entry of the record (its events delivered first).</summary>
    private async Task<string> LastEntryAsync(string entityType, string id)
    {
        await Host.DeliverAsync();
        return Str((await Host.TimelineAsync(entityType, id, first: 1)).Nodes()[0]["id"]);
    }

    /// <summary>
    /// The id of the newest entry of all (every event delivered first); "0", before the first entry,
    /// when there is none yet (a test that runs first on its host writes no record before it subscribes).
    /// </summary>
    private async Task<string> LastFeedEntryAsync()
    {
        await Host.DeliverAsync();
        var newest = (await Host.QueryAsync("{ feed(first: 1) { nodes { id } } }")).Nodes("feed");
        return newest.Count == 0 ? "0" : Str(newest[0]["id"]);
    }

    private Task UpdatePostAsync(string contact, string post, string apiKey = CrmHost.AdminKey) =>
        Host.MutateAsync("updateContact", "mutation($id: ID!, $post: String!) { updateContact(id: $id, input: { post: $post }) { contact { id } errors { code message path } } }", new { id = contact, post }, apiKey)
            .ContinueWith(t => t.Result.Ok(), TaskScheduler.Default);

    private static async Task<(string Cursor, JsonNode Node)> NextAsync(GraphQLSocket socket, string id, string field)
    {
        var data = (await socket.NextDataAsync(id))[field]!;
        Assert.Equal(Str(data["cursor"]), Str(data["node"]!["id"]));
        return (Str(data["cursor"]), data["node"]!);
    }

    [Fact]
    public async Task A_burst_of_100_changes_arrives_complete_and_in_order_and_only_for_the_record_asked()
    {
        var contact = await Host.CreateContactAsync(new { name = Records.NewMarker("Burst") });
        var other = await Host.CreateContactAsync(new { name = Records.NewMarker("Other") });
        var start = await LastEntryAsync("CONTACT", contact);
        await using var socket = await GraphQLSocket.OpenAsync(Host);
        await socket.SubscribeAsync("tl", TimelineEvents, new { t = "CONTACT", id = contact, after = start });

        // Twenty writers at once, and changes of another record between them.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                await UpdatePostAsync(contact, $"w{w} c{i}");
                await UpdatePostAsync(other, $"elsewhere w{w} c{i}");
            }
        })));

        var received = new List<(long Id, string Post)>();
        for (var i = 0; i < 100; i++)
        {
            var (cursor, node) = await NextAsync(socket, "tl", "timelineEvents");
            Assert.Equal(("fieldsChanged", contact), (Str(node["kind"]), Str(node["entityId"])));
            received.Add((long.Parse(cursor, CultureInfo.InvariantCulture), Str(node["changes"]![0]!["newValue"])));
        }

        // In id order, each change once: the record's timeline holds the same 100 entries.
        Assert.Equal(received.Select(r => r.Id).Order(), received.Select(r => r.Id));
        Assert.Equal(100, received.Select(r => r.Post).Distinct().Count());
        var timeline = (await Host.TimelineAsync("CONTACT", contact, first: 100)).Nodes().Select(n => long.Parse(Str(n["id"]), CultureInfo.InvariantCulture)).Order();
        Assert.Equal(timeline, received.Select(r => r.Id));
    }

    [Fact]
    public async Task Each_event_shows_its_record_and_actor_as_they_are_when_it_is_sent_not_as_an_earlier_event_loaded_them()
    {
        // A reader of their own contacts: reading the record reads who they are, so their events are
        // executed in the subscription's own scope (not one shared across users, made per event).
        var owner = await Host.NewUserWithKeyAsync("fresh-owner");
        var role = await Host.CreateRoleAsync(Records.NewMarker("Fresh own"), [new { entityType = "CONTACT", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId: owner.Id)).Ok();
        var contact = await Host.CreateContactAsync(new { name = Records.NewMarker("Fresh"), assignedById = owner.Id });
        var start = await LastEntryAsync("CONTACT", contact);
        await using var socket = await GraphQLSocket.OpenAsync(Host, owner.Key);
        await socket.SubscribeAsync("tl",
            "subscription($id: ID!, $after: String) { timelineEvents(entityType: CONTACT, entityId: $id, after: $after) { cursor node { id record { ... on Contact { post } } actor { user { id } } } } }",
            new { id = contact, after = start });

        // One at a time: each event is sent before the next change, so each shows the post it made.
        foreach (var post in new[] { "First post", "Second post", "Third post" })
        {
            await UpdatePostAsync(contact, post);
            var (_, node) = await NextAsync(socket, "tl", "timelineEvents");
            Assert.Equal(post, Str(node["record"]!["post"]));
        }
    }

    [Fact]
    public async Task Reconnecting_with_the_last_cursor_misses_nothing_and_repeats_nothing()
    {
        var contact = await Host.CreateContactAsync(new { name = Records.NewMarker("Resume") });
        var start = await LastEntryAsync("CONTACT", contact);
        string last;
        await using (var socket = await GraphQLSocket.OpenAsync(Host))
        {
            await socket.SubscribeAsync("tl", TimelineEvents, new { t = "CONTACT", id = contact, after = start });
            for (var i = 0; i < 5; i++)
            {
                await UpdatePostAsync(contact, $"first {i}");
            }

            var seen = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                seen.Add((await NextAsync(socket, "tl", "timelineEvents")).Cursor);
            }

            last = seen[^1];
        }

        // Written while nobody listened.
        for (var i = 0; i < 5; i++)
        {
            await UpdatePostAsync(contact, $"missed {i}");
        }

        var missed = await Task.Run(async () =>
        {
            await Host.DeliverAsync();
            return (await Host.TimelineAsync("CONTACT", contact, first: 5)).Nodes().Select(n => Str(n["id"])).Reverse().ToList();
        });
        await using var again = await GraphQLSocket.OpenAsync(Host);
        await again.SubscribeAsync("tl", TimelineEvents, new { t = "CONTACT", id = contact, after = last });
        var resumed = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            resumed.Add((await NextAsync(again, "tl", "timelineEvents")).Cursor);
        }

        Assert.Equal(missed, resumed);
        Assert.True(long.Parse(resumed[0], CultureInfo.InvariantCulture) > long.Parse(last, CultureInfo.InvariantCulture));
        // Then live ones, and nothing of what came before.
        await UpdatePostAsync(contact, "live");
        var (_, node) = await NextAsync(again, "tl", "timelineEvents");
        Assert.Equal("\"live\"", Str(node["changes"]![0]!["newValue"]));
    }

    [Fact]
    public async Task A_department_user_gets_feed_events_of_the_departments_records_only()
    {
        var department = await Host.CreateDepartmentAsync(Records.NewMarker("Live dept"));
        var elsewhere = await Host.CreateDepartmentAsync(Records.NewMarker("Live elsewhere"));
        var viewer = await Host.NewUserWithKeyAsync("live-viewer", department);
        var colleague = await Host.NewUserWithKeyAsync("live-colleague", department);
        var stranger = await Host.NewUserWithKeyAsync("live-stranger", elsewhere);
        var role = await Host.CreateRoleAsync("Live dept", [new { entityType = "CONTACT", action = "READ", level = "DEPARTMENT" }]);
        (await Host.AssignAsync(role, userId: viewer.Id)).Ok();
        var start = await LastFeedEntryAsync();

        await using var socket = await GraphQLSocket.OpenAsync(Host, viewer.Key);
        await socket.SubscribeAsync("feed", FeedEvents, new { where = new { entityTypes = new[] { "CONTACT", "DEAL" } }, after = start });
        // Entries come in id order: a stranger's record sent would come before the colleague's.
        await Host.CreateContactAsync(new { name = "Stranger's", assignedById = stranger.Id });
        await Host.CreateDealAsync(new { title = Records.NewMarker("Unreadable type"), assignedById = colleague.Id });
        var mine = await Host.CreateContactAsync(new { name = "Colleague's", assignedById = colleague.Id });
        var (_, node) = await NextAsync(socket, "feed", "feedEvents");
        Assert.Equal(("CONTACT", mine, "created"), (Str(node["entityType"]), Str(node["entityId"]), Str(node["kind"])));

        await Host.CreateContactAsync(new { name = "Stranger's again", assignedById = stranger.Id });
        await UpdatePostAsync(mine, "Buyer");
        (_, node) = await NextAsync(socket, "feed", "feedEvents");
        Assert.Equal(("CONTACT", mine, "fieldsChanged"), (Str(node["entityType"]), Str(node["entityId"]), Str(node["kind"])));
    }

    [Fact]
    public async Task A_user_subscribed_to_their_mentions_is_told_of_a_comment_that_mentions_them_only()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("live-mentioned");
        var role = await Host.CreateRoleAsync(Records.NewMarker("Live mentions"), [new { entityType = "CONTACT", action = "READ", level = "ALL" }]);
        (await Host.AssignAsync(role, userId: userId)).Ok();
        var contact = await Host.CreateContactAsync(new { name = Records.NewMarker("Talked about") });
        var other = await Host.CreateContactAsync(new { name = Records.NewMarker("Talked about too") });
        var start = await LastFeedEntryAsync();

        await using var socket = await GraphQLSocket.OpenAsync(Host, key);
        await socket.SubscribeAsync("feed", FeedEvents, new { where = new { mentionsMe = true }, after = start });
        // Written before the one that mentions them: sent first if the filter let it through.
        (await Host.AddCommentAsync("CONTACT", other, "About nobody")).Ok();
        await UpdatePostAsync(contact, "noise");
        (await Host.AddCommentAsync("CONTACT", contact, $"Over to you, @[user:{userId}]")).Ok();
        var (_, node) = await NextAsync(socket, "feed", "feedEvents");
        Assert.Equal(("CONTACT", contact, "comment"), (Str(node["entityType"]), Str(node["entityId"]), Str(node["kind"])));
    }

    [Fact]
    public async Task A_subscriber_whose_role_is_taken_away_stops_receiving_at_once()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("live-reader");
        var readAll = await Host.CreateRoleAsync("Contact reader", [new { entityType = "CONTACT", action = "READ", level = "ALL" }]);
        var readOwn = await Host.CreateRoleAsync("Own contact reader", [new { entityType = "CONTACT", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(readAll, userId: userId)).Ok();
        (await Host.AssignAsync(readOwn, userId: userId)).Ok();
        var someones = await Host.CreateContactAsync(new { name = Records.NewMarker("Someone's") });
        var theirs = await Host.CreateContactAsync(new { name = Records.NewMarker("Theirs"), assignedById = userId });
        var start = await LastFeedEntryAsync();

        await using var socket = await GraphQLSocket.OpenAsync(Host, key);
        await socket.SubscribeAsync("feed", FeedEvents, new { where = new { kinds = new[] { "fieldsChanged" } }, after = start });
        await UpdatePostAsync(someones, "seen");
        Assert.Equal(someones, Str((await NextAsync(socket, "feed", "feedEvents")).Node["entityId"]));

        // READ ALL goes; READ OWN stays: someone's next change is not sent, theirs is.
        (await Host.MutateAsync("unassignRole", PermissionHelpers.UnassignMutation, new { roleId = readAll, userId })).Ok();
        await UpdatePostAsync(someones, "hidden");
        await UpdatePostAsync(theirs, "own");
        Assert.Equal(theirs, Str((await NextAsync(socket, "feed", "feedEvents")).Node["entityId"]));
    }

    [Fact]
    public async Task A_record_the_subscriber_may_not_read_and_a_filter_over_its_limits_are_refused_at_subscribe()
    {
        var contact = await Host.CreateContactAsync(new { name = Records.NewMarker("Private") });
        var nobody = await Host.NewUserWithKeyAsync("live-nobody");
        await using var socket = await GraphQLSocket.OpenAsync(Host, nobody.Key);
        await socket.SubscribeAsync("tl", TimelineEvents, new { t = "CONTACT", id = contact });
        Assert.Equal("FORBIDDEN", await ErrorCodeAsync(socket, "tl"));

        await socket.SubscribeAsync("feed", FeedEvents, new { where = new { kinds = Enumerable.Repeat("created", FeedFilterMax * 10).ToArray() } });
        Assert.Equal("LIMIT_EXCEEDED", await ErrorCodeAsync(socket, "feed"));
        await socket.SubscribeAsync("bad", FeedEvents, new { after = "timeline:1" });
        Assert.Equal("INVALID_CURSOR", await ErrorCodeAsync(socket, "bad"));
    }

    private const int FeedFilterMax = 100;

    private static async Task<string> ErrorCodeAsync(GraphQLSocket socket, string id)
    {
        var message = await socket.ReceiveForAsync(id);
        var errors = message["type"]!.GetValue<string>() == "error" ? message["payload"]! : message["payload"]!["errors"]!;
        return Str(errors[0]!["extensions"]!["code"]);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class TimelineEventsOnSqlite(LiveTimelineSqliteHost fixture) : TimelineEventsTests(fixture), IClassFixture<LiveTimelineSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class TimelineEventsOnPostgres(LiveTimelinePostgresHost fixture) : TimelineEventsTests(fixture), IClassFixture<LiveTimelinePostgresHost>;
