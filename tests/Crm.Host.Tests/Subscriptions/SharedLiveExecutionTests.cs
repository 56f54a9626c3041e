using System.Text.Json.Nodes;
using Crm.Host.Live;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;
using Crm.PluginSdk.Security;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Subscriptions;

/// <summary>
/// Subscriptions with the same document, request and rights share each event's execution
/// (<see cref="LiveExecutionStrategy"/>), and a shared execution reaches only subscribers who may
/// read the item: the rights per item stay each subscriber's.
/// </summary>
public abstract class SharedLiveExecutionTests(LiveTimelineHost fixture)
{
    private const string ContactChanges =
        "subscription($after: String) { feedEvents(where: { entityTypes: [CONTACT], kinds: [\"fieldsChanged\"] }, after: $after) { cursor node { id entityId ... on TimelineFieldsChangedEntry { changes { field newValue } } } } }";

    private CrmHost Host => fixture.Host;

    private async Task<string> LastFeedEntryAsync()
    {
        await Host.DeliverAsync();
        var newest = (await Host.QueryAsync("{ feed(first: 1) { nodes { id } } }")).Nodes("feed");
        return newest.Count == 0 ? "0" : newest[0]["id"]!.GetValue<string>();
    }

    private async Task UpdatePostAsync(string contact, string post) =>
        (await Host.MutateAsync("updateContact", "mutation($id: ID!, $post: String!) { updateContact(id: $id, input: { post: $post }) { contact { id } errors { code message path } } }", new { id = contact, post })).Ok();

    /// <summary>The next <paramref name="count"/> events of the socket's subscriptions: per subscription id, the (record, new post) of each, in order.</summary>
    private static async Task<Dictionary<string, List<(string Record, string Post)>>> ReceiveAsync(GraphQLSocket socket, int count)
    {
        var received = new Dictionary<string, List<(string, string)>>();
        for (var i = 0; i < count; i++)
        {
            var message = await socket.ReceiveAsync() ?? throw new Xunit.Sdk.XunitException($"The server closed ({socket.CloseCode} {socket.CloseReason}).");
            Assert.True(message["type"]!.GetValue<string>() == "next" && message["payload"]?["errors"] is null, $"Expected next with data, got {message.ToJsonString()}");
            var node = message["payload"]!["data"]!["feedEvents"]!["node"]!;
            var post = node["changes"]!.AsArray().Single(c => c!["field"]!.GetValue<string>() == "post")!["newValue"]!.GetValue<string>();
            var id = message["id"]!.GetValue<string>();
            (received.TryGetValue(id, out var list) ? list : received[id] = []).Add((node["entityId"]!.GetValue<string>(), post));
        }

        return received;
    }

    [Fact]
    public async Task Subscriptions_with_one_document_and_rights_share_each_events_execution_and_each_gets_only_what_it_may_read()
    {
        var department = await Host.CreateDepartmentAsync(Records.NewMarker("Shared dept"));
        var elsewhere = await Host.CreateDepartmentAsync(Records.NewMarker("Shared elsewhere"));
        var viewer = await Host.NewUserWithKeyAsync("shared-viewer", department);
        var colleague = await Host.NewUserWithKeyAsync("shared-colleague", department);
        var stranger = await Host.NewUserWithKeyAsync("shared-stranger", elsewhere);
        var role = await Host.CreateRoleAsync(Records.NewMarker("Shared dept reader"), [new { entityType = "CONTACT", action = "READ", level = "DEPARTMENT" }]);
        (await Host.AssignAsync(role, userId: viewer.Id)).Ok();
        var mine = await Host.CreateContactAsync(new { name = Records.NewMarker("Colleague's"), assignedById = colleague.Id });
        var strangers = await Host.CreateContactAsync(new { name = Records.NewMarker("Stranger's"), assignedById = stranger.Id });
        var start = await LastFeedEntryAsync();

        // Three subscriptions of the administrator, two of the department user: one document.
        await using var admin = await GraphQLSocket.OpenAsync(Host);
        await using var viewerSocket = await GraphQLSocket.OpenAsync(Host, viewer.Key);
        foreach (var id in new[] { "a1", "a2", "a3" })
        {
            await admin.SubscribeAsync(id, ContactChanges, new { after = start });
        }

        foreach (var id in new[] { "v1", "v2" })
        {
            await viewerSocket.SubscribeAsync(id, ContactChanges, new { after = start });
        }

        // Each has joined the live reader once it received a change written after it subscribed.
        await UpdatePostAsync(mine, "joined");
        await ReceiveAsync(admin, 3);
        await ReceiveAsync(viewerSocket, 2);

        var executions = Host.Services.GetRequiredService<LiveExecutionStrategy>().Executions;
        await UpdatePostAsync(strangers, "hidden");
        await UpdatePostAsync(mine, "shared");
        var toAdmin = await ReceiveAsync(admin, 6);
        var toDepartment = await ReceiveAsync(viewerSocket, 2);

        foreach (var id in new[] { "a1", "a2", "a3" })
        {
            Assert.Equal([(strangers, "\"hidden\""), (mine, "\"shared\"")], toAdmin[id]);
        }

        // Entries come in id order: the stranger's, had it been sent, would have come first.
        foreach (var id in new[] { "v1", "v2" })
        {
            Assert.Equal([(mine, "\"shared\"")], toDepartment[id]);
        }

        // One execution per (event, document and rights): the stranger's change for the administrator,
        // the colleague's for the administrator and for the department user; not one per subscription.
        Assert.Equal(3, Host.Services.GetRequiredService<LiveExecutionStrategy>().Executions - executions);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class SharedLiveExecutionOnSqlite(LiveTimelineSqliteHost fixture) : SharedLiveExecutionTests(fixture), IClassFixture<LiveTimelineSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class SharedLiveExecutionOnPostgres(LiveTimelinePostgresHost fixture) : SharedLiveExecutionTests(fixture), IClassFixture<LiveTimelinePostgresHost>;

/// <summary>What decides whether two subscriptions share an event's result: everything the result depends on.</summary>
public sealed class LiveSharingKeyTests
{
    private const string Query = "subscription { feedEvents { cursor } }";

    private static readonly ISchema Schema = new Schema();

    private static CurrentActor Actor(long userId, PermissionLevel contacts)
    {
        var actor = new CurrentActor();
        actor.SignIn(userId, new AccessRights(userId,
            new Dictionary<(string, string?, PermissionAction), PermissionLevel> { [("CONTACT", null, PermissionAction.Read)] = contacts },
            new HashSet<long> { userId }, new HashSet<long> { userId }, canConfigure: false));
        return actor;
    }

    private static string Key(ISchema? schema = null, string query = Query, string variables = "{}", string credential = "Bearer one", CurrentActor? actor = null) =>
        LiveSharing.KeyOf(schema ?? Schema, query, null, variables, credential, actor ?? Actor(5, PermissionLevel.Department));

    [Fact]
    public void The_same_document_request_credential_and_rights_give_the_same_key() =>
        Assert.Equal(Key(), Key(actor: Actor(5, PermissionLevel.Department)));

    [Fact]
    public void Other_rights_another_user_credential_document_variables_or_schema_give_another_key()
    {
        var key = Key();
        Assert.NotEqual(key, Key(actor: Actor(5, PermissionLevel.All)));
        Assert.NotEqual(key, Key(actor: Actor(6, PermissionLevel.Department)));
        Assert.NotEqual(key, Key(credential: "Bearer two"));
        Assert.NotEqual(key, Key(query: "subscription { feedEvents { cursor node { id } } }"));
        Assert.NotEqual(key, Key(variables: "{\"after\":\"1\"}"));
        Assert.NotEqual(key, Key(schema: new Schema()));
    }
}
