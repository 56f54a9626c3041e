using System.Security.Claims;
using Crm.Host.Live;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;
using Crm.PluginSdk.Live;
using Crm.PluginSdk.Security;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Subscriptions;

/// <summary>
/// Subscribers of different users with the same rights share an event's execution and its rights
/// check when these read nothing of who the subscriber is (<see cref="IdentityReads"/>); when they
/// do (an OWN level, a value that depends on the reader), each user gets their own.
/// </summary>
public abstract class LiveSharingAcrossUsersTests(LiveTimelineHost fixture)
{
    private const string ContactChanges =
        "subscription($after: String) { feedEvents(where: { entityTypes: [CONTACT], kinds: [\"fieldsChanged\"] }, after: $after) { cursor node { id entityId ... on TimelineFieldsChangedEntry { changes { field newValue } } } } }";

    private const string NotesOnMyQuote =
        "subscription($quoteId: ID, $after: String) { quoteNotes(quoteId: $quoteId, after: $after) { cursor node { id text onMyQuote } } }";

    private CrmHost Host => fixture.Host;

    private LiveExecutionStrategy Strategy => Host.Services.GetRequiredService<LiveExecutionStrategy>();

    private LiveStreams Streams => Host.Services.GetRequiredService<LiveStreams>();

    private async Task<string> LastFeedEntryAsync()
    {
        await Host.DeliverAsync();
        var newest = (await Host.QueryAsync("{ feed(first: 1) { nodes { id } } }")).Nodes("feed");
        return newest.Count == 0 ? "0" : newest[0]["id"]!.GetValue<string>();
    }

    private async Task UpdatePostAsync(string contact, string post) =>
        (await Host.MutateAsync("updateContact", "mutation($id: ID!, $post: String!) { updateContact(id: $id, input: { post: $post }) { contact { id } errors { code message path } } }", new { id = contact, post })).Ok();

    /// <summary>The (record, new post) of the socket's next contact change.</summary>
    private static async Task<(string Record, string Post)> NextChangeAsync(GraphQLSocket socket, string id)
    {
        var node = (await socket.NextDataAsync(id))["feedEvents"]!["node"]!;
        var post = node["changes"]!.AsArray().Single(c => c!["field"]!.GetValue<string>() == "post")!["newValue"]!.GetValue<string>();
        return (node["entityId"]!.GetValue<string>(), post);
    }

    /// <summary>Waits until only this test's subscribers are served: those of an earlier test leave as their sockets close.</summary>
    private async Task OnlySubscribersAsync(int count)
    {
        while (Streams.Subscribers > count)
        {
            await Task.Delay(20);
        }
    }

    private async Task<(string Id, string Key)[]> UsersWithRoleAsync(string prefix, object[] permissions, int count)
    {
        var role = await Host.CreateRoleAsync(Records.NewMarker(prefix), permissions);
        var users = new (string, string)[count];
        for (var i = 0; i < count; i++)
        {
            // Each in a department of their own: the department sets differ, the levels do not.
            var (id, _, key) = await Host.NewUserWithKeyAsync($"{prefix}-{i}", await Host.CreateDepartmentAsync(Records.NewMarker($"{prefix} {i}")));
            (await Host.AssignAsync(role, userId: id)).Ok();
            users[i] = (id, key);
        }

        return users;
    }

    [Fact]
    public async Task Users_with_the_same_rights_share_each_events_execution_and_rights_check_when_neither_reads_who_they_are()
    {
        var users = await UsersWithRoleAsync("across", [new { entityType = "CONTACT", action = "READ", level = "ALL" }], 3);
        var contact = await Host.CreateContactAsync(new { name = Records.NewMarker("Across users") });
        var start = await LastFeedEntryAsync();
        var sockets = new List<GraphQLSocket>();
        try
        {
            foreach (var (_, key) in users)
            {
                var socket = await GraphQLSocket.OpenAsync(Host, key);
                sockets.Add(socket);
                await socket.SubscribeAsync("changes", ContactChanges, new { after = start });
            }

            await UpdatePostAsync(contact, "joined");
            foreach (var socket in sockets)
            {
                Assert.Equal((contact, "\"joined\""), await NextChangeAsync(socket, "changes"));
            }

            await OnlySubscribersAsync(users.Length);
            var (executions, checks) = (Strategy.Executions, Streams.VisibilityChecks);
            await UpdatePostAsync(contact, "shared");
            foreach (var socket in sockets)
            {
                Assert.Equal((contact, "\"shared\""), await NextChangeAsync(socket, "changes"));
            }

            // One execution and one rights check for the three users, not one each.
            Assert.Equal(1, Strategy.Executions - executions);
            Assert.Equal(1, Streams.VisibilityChecks - checks);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Users_with_the_same_own_level_each_get_only_their_records()
    {
        var users = await UsersWithRoleAsync("own", [new { entityType = "CONTACT", action = "READ", level = "OWN" }], 2);
        var first = await Host.CreateContactAsync(new { name = Records.NewMarker("First's"), assignedById = users[0].Id });
        var second = await Host.CreateContactAsync(new { name = Records.NewMarker("Second's"), assignedById = users[1].Id });
        var start = await LastFeedEntryAsync();
        await using var firstSocket = await GraphQLSocket.OpenAsync(Host, users[0].Key);
        await using var secondSocket = await GraphQLSocket.OpenAsync(Host, users[1].Key);
        await firstSocket.SubscribeAsync("changes", ContactChanges, new { after = start });
        await secondSocket.SubscribeAsync("changes", ContactChanges, new { after = start });

        // Each change reaches its assignee only; entries come in order, so the other's would have come first.
        await UpdatePostAsync(first, "to the first");
        await UpdatePostAsync(second, "to the second");
        Assert.Equal((first, "\"to the first\""), await NextChangeAsync(firstSocket, "changes"));
        Assert.Equal((second, "\"to the second\""), await NextChangeAsync(secondSocket, "changes"));
        await UpdatePostAsync(second, "again to the second");
        await UpdatePostAsync(first, "again to the first");
        Assert.Equal((first, "\"again to the first\""), await NextChangeAsync(firstSocket, "changes"));
        Assert.Equal((second, "\"again to the second\""), await NextChangeAsync(secondSocket, "changes"));
    }

    [Fact]
    public async Task Users_with_the_same_rights_each_get_their_own_result_when_it_reads_who_they_are()
    {
        var users = await UsersWithRoleAsync("mine", [new { entityType = "QUOTE", action = "READ", level = "ALL" }], 2);
        var quote = await Host.CreateQuoteAsync(Records.NewMarker("The first's"), assignedById: users[0].Id);
        var start = await Host.AddNoteAsync(quote, "start");
        await using var firstSocket = await GraphQLSocket.OpenAsync(Host, users[0].Key);
        await using var secondSocket = await GraphQLSocket.OpenAsync(Host, users[1].Key);
        await firstSocket.SubscribeAsync("notes", NotesOnMyQuote, new { quoteId = quote, after = start });
        await secondSocket.SubscribeAsync("notes", NotesOnMyQuote, new { quoteId = quote, after = start });

        await Host.AddNoteAsync(quote, "joined");
        await firstSocket.NextNoteAsync("notes");
        await secondSocket.NextNoteAsync("notes");

        await OnlySubscribersAsync(2);
        var (executions, bound) = (Strategy.Executions, Strategy.IdentityBoundExecutions);
        var note = await Host.AddNoteAsync(quote, "whose");
        var (firstCursor, toFirst) = await firstSocket.NextNoteAsync("notes");
        var (secondCursor, toSecond) = await secondSocket.NextNoteAsync("notes");
        Assert.Equal([note, note], new[] { firstCursor, secondCursor });
        Assert.True(toFirst["onMyQuote"]!.GetValue<bool>());
        Assert.False(toSecond["onMyQuote"]!.GetValue<bool>());

        // The first execution read the user: the other user executed their own.
        Assert.Equal(2, Strategy.Executions - executions);
        Assert.Equal(1, Strategy.IdentityBoundExecutions - bound);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class LiveSharingAcrossUsersOnSqlite(LiveTimelineSqliteHost fixture) : LiveSharingAcrossUsersTests(fixture), IClassFixture<LiveTimelineSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class LiveSharingAcrossUsersOnPostgres(LiveTimelinePostgresHost fixture) : LiveSharingAcrossUsersTests(fixture), IClassFixture<LiveTimelinePostgresHost>;

/// <summary>Which reads tell who the actor is (<see cref="IdentityReads"/>), and the key shared across users.</summary>
public sealed class IdentityReadsTests
{
    private static readonly ISchema Schema = new Schema();

    private static AccessRights Rights(long userId, PermissionLevel contacts, params long[] department) =>
        new(userId, new Dictionary<(string, string?, PermissionAction), PermissionLevel> { [("CONTACT", null, PermissionAction.Read)] = contacts },
            new HashSet<long>([userId, .. department]), new HashSet<long>([userId, .. department]), canConfigure: false);

    private static CurrentActor Actor(long userId, PermissionLevel contacts, params long[] department)
    {
        var actor = new CurrentActor();
        actor.SignIn(userId, Rights(userId, contacts, department));
        return actor;
    }

    private static Task<bool> ReadsAsync(Action read) => Task.Run(() =>
    {
        var reads = IdentityReads.Track();
        read();
        return reads.Any;
    });

    [Fact]
    public async Task The_user_the_departments_and_the_levels_that_reach_them_are_reads_of_who()
    {
        var actor = Actor(5, PermissionLevel.Own, 6);
        Assert.True(await ReadsAsync(() => _ = actor.UserId));
        Assert.True(await ReadsAsync(() => _ = actor.ClientAddress));
        Assert.True(await ReadsAsync(() => _ = actor.Rights.UserId));
        Assert.True(await ReadsAsync(() => _ = actor.Rights.DepartmentUserIds));
        Assert.True(await ReadsAsync(() => _ = actor.Rights.SubdepartmentUserIds));
        Assert.True(await ReadsAsync(() => actor.Rights.Assignees(PermissionLevel.Own)));
        Assert.True(await ReadsAsync(() => actor.Rights.Assignees(PermissionLevel.Department)));
        Assert.True(await ReadsAsync(() => actor.Rights.Assignees(PermissionLevel.Open)));
        Assert.True(await ReadsAsync(() => actor.WithAllRights().Dispose()));

        // GraphQL's User principal, as an execution shared across users sees it.
        var principal = new IdentityNotingPrincipal(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "5")], "test")));
        Assert.True(await ReadsAsync(() => principal.FindFirst(ClaimTypes.NameIdentifier)));
        Assert.True(await ReadsAsync(() => _ = principal.Identity));
        Assert.True(await ReadsAsync(() => principal.Claims.ToList()));
    }

    [Fact]
    public async Task Levels_rights_flags_and_an_all_level_are_not()
    {
        var actor = Actor(5, PermissionLevel.All, 6);
        Assert.False(await ReadsAsync(() => _ = actor.IsAuthenticated));
        Assert.False(await ReadsAsync(() => _ = actor.IsAdministrator));
        Assert.False(await ReadsAsync(() => _ = actor.CanConfigure));
        Assert.False(await ReadsAsync(() => actor.Rights.Level("CONTACT", PermissionAction.Read)));
        Assert.False(await ReadsAsync(() => actor.Rights.Assignees(PermissionLevel.All)));
        Assert.False(await ReadsAsync(() => actor.Rights.Granted.ToList()));
    }

    [Fact]
    public async Task A_read_outside_the_tracked_flow_is_not_counted_and_one_inside_what_it_starts_is()
    {
        var actor = Actor(5, PermissionLevel.Own);
        var reads = await Task.Run(async () =>
        {
            var tracked = IdentityReads.Track();
            await Task.Run(() => _ = actor.UserId);
            return tracked;
        });
        Assert.True(reads.Any);

        var quiet = await Task.Run(IdentityReads.Track);
        _ = actor.UserId;
        Assert.False(quiet.Any);
    }

    private static string Key(CurrentActor actor, string query = "subscription { feedEvents { cursor } }") =>
        LiveSharing.AcrossUsersKeyOf(Schema, query, null, "{}", actor);

    [Fact]
    public void The_key_across_users_holds_the_levels_but_not_the_user_or_their_departments()
    {
        Assert.Equal(Key(Actor(5, PermissionLevel.All, 7)), Key(Actor(6, PermissionLevel.All, 8)));
        Assert.Equal(Key(Actor(5, PermissionLevel.Own)), Key(Actor(6, PermissionLevel.Own)));
        Assert.NotEqual(Key(Actor(5, PermissionLevel.All)), Key(Actor(6, PermissionLevel.Own)));
        Assert.NotEqual(Key(Actor(5, PermissionLevel.All)), Key(Actor(5, PermissionLevel.All), "subscription { feedEvents { cursor node { id } } }"));
        var throughKey = Actor(5, PermissionLevel.All);
        throughKey.ActingThrough(Crm.PluginSdk.Events.ActorKind.ApiKey, "graphql");
        Assert.NotEqual(Key(Actor(5, PermissionLevel.All)), Key(throughKey));
        Assert.Equal(LiveSharing.RightsKeyAcrossUsers(Rights(5, PermissionLevel.Department, 7)), LiveSharing.RightsKeyAcrossUsers(Rights(6, PermissionLevel.Department)));
        Assert.NotEqual(LiveSharing.RightsKeyAcrossUsers(Rights(5, PermissionLevel.Department)), LiveSharing.RightsKeyAcrossUsers(Rights(5, PermissionLevel.Own)));
    }
}
