using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Timeline;

/// <summary>
/// <c>feed</c>: every record's entries newest first, for the records the caller may read (rights in
/// the statement that pages), filtered by type, kind, actor and time, bounded, in one statement.
/// </summary>
public abstract class FeedTests(TimelineHost fixture)
{
    private const string Query =
        "query($where: FeedFilter, $first: Int, $after: String) { feed(where: $where, first: $first, after: $after) { nodes { id kind entityType entityId actor { userId } } pageInfo { hasNextPage endCursor } } }";

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private Task<GraphQLResponse> FeedAsync(object? where = null, int? first = null, string? after = null, string apiKey = CrmHost.AdminKey) =>
        Host.QueryAsync(Query, new { where, first, after }, apiKey);

    private static List<string> Keys(GraphQLResponse response) =>
        response.Nodes("feed").Select(n => $"{Str(n["entityType"])}:{Str(n["entityId"])}:{Str(n["kind"])}").ToList();

    [Fact]
    public async Task A_department_user_sees_the_departments_records_only_newest_first_with_full_pages()
    {
        var department = await Host.CreateDepartmentAsync(Records.NewMarker("Feed dept"));
        var elsewhere = await Host.CreateDepartmentAsync(Records.NewMarker("Feed elsewhere"));
        var viewer = await Host.NewUserWithKeyAsync("feed-viewer", department);
        var colleague = await Host.NewUserWithKeyAsync("feed-colleague", department);
        var stranger = await Host.NewUserWithKeyAsync("feed-stranger", elsewhere);
        var role = await Host.CreateRoleAsync("Feed dept", [
            new { entityType = "CONTACT", action = "READ", level = "DEPARTMENT" },
            new { entityType = "DEAL", action = "READ", level = "DEPARTMENT" },
            new { entityType = "COMPANY", action = "READ", level = "ALL" }]);
        (await Host.AssignAsync(role, userId: viewer.Id)).Ok();

        var contact = await Host.CreateContactAsync(new { name = "Dept contact", assignedById = colleague.Id });
        (await Host.QueryAsync("mutation($id: ID!) { updateContact(id: $id, input: { post: \"Buyer\" }) { errors { code } } }", new { id = contact })).ShouldSucceed();
        await Host.CreateLeadAsync(new { title = Records.NewMarker("Unreadable type"), assignedById = colleague.Id });
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Dept deal"), assignedById = colleague.Id });
        // Readable while it was; its history stays for administrators only.
        var gone = await Host.CreateCompanyAsync(new { title = Records.NewMarker("Gone") });
        (await Host.QueryAsync("mutation($id: ID!) { deleteCompany(id: $id) { errors { code } } }", new { id = gone })).ShouldSucceed();
        // The newest entries are none of theirs: a page is still full.
        for (var i = 0; i < 3; i++)
        {
            await Host.CreateContactAsync(new { name = $"Stranger's {i}", assignedById = stranger.Id });
        }

        await Host.DeliverAsync();

        var expected = new List<string> { $"DEAL:{deal}:created", $"CONTACT:{contact}:fieldsChanged", $"CONTACT:{contact}:created" };
        var all = await FeedAsync(first: 50, apiKey: viewer.Key);
        // Companies of earlier tests are readable too (READ ALL): only the department's contacts and deals are checked here.
        Assert.Equal(expected, Keys(all).Where(k => !k.StartsWith("COMPANY:", StringComparison.Ordinal)));
        Assert.DoesNotContain(Keys(all), k => k.StartsWith($"COMPANY:{gone}:", StringComparison.Ordinal));
        Assert.Contains($"COMPANY:{gone}:deleted", Keys(await FeedAsync(new { entityTypes = new[] { "COMPANY" }, kinds = new[] { "deleted" } }, first: 50)));

        var paged = new List<string>();
        string? after = null;
        for (var page = 0; page < 3; page++)
        {
            var response = await FeedAsync(new { entityTypes = new[] { "CONTACT", "DEAL" } }, first: 1, after: after, apiKey: viewer.Key);
            var keys = Keys(response);
            Assert.Single(keys);
            paged.AddRange(keys);
            var info = response.Data!["feed"]!["pageInfo"]!;
            Assert.Equal(page < 2, info["hasNextPage"]!.GetValue<bool>());
            after = Str(info["endCursor"]);
        }

        Assert.Equal(expected, paged);

        // A user who may read nothing gets nothing, not an error.
        var nobody = await Host.NewUserWithKeyAsync("feed-nobody");
        Assert.Empty((await FeedAsync(apiKey: nobody.Key)).Nodes("feed"));
    }

    [Fact]
    public async Task Mentions_me_lists_the_comments_that_mention_the_caller_on_records_they_read()
    {
        var me = await Host.NewUserWithKeyAsync("feed-mentioned");
        var role = await Host.CreateRoleAsync(Records.NewMarker("Feed mentions"), [new { entityType = "CONTACT", action = "READ", level = "ALL" }]);
        (await Host.AssignAsync(role, userId: me.Id)).Ok();
        var contact = await Host.CreateContactAsync(new { name = "Mentions here" });
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Mentions hidden") });

        var mentioned = (await Host.AddCommentAsync("CONTACT", contact, $"Look, @[user:{me.Id}]")).CommentId();
        (await Host.AddCommentAsync("CONTACT", contact, "Nobody named")).Ok();
        (await Host.AddCommentAsync("DEAL", deal, $"Hidden from @[user:{me.Id}]")).Ok();
        var dropped = (await Host.AddCommentAsync("CONTACT", contact, $"Soon not @[user:{me.Id}]")).CommentId();
        (await Host.UpdateCommentAsync(dropped, "Edited: no one")).Ok();

        var response = (await FeedAsync(new { mentionsMe = true }, apiKey: me.Key)).ShouldSucceed();
        Assert.Equal([$"CONTACT:{contact}:comment"], Keys(response));
        // The same filter for another user: none of these mention them.
        Assert.Empty(Keys(await FeedAsync(new { mentionsMe = true })));
        // One statement for the page whatever its size, the mentions included.
        Assert.Equal((await FeedAsync(new { mentionsMe = true }, first: 1, apiKey: me.Key)).ShouldSucceed().Statements, response.Statements);
        Assert.Single((await Host.MyMentionsAsync(me.Key)).Nodes("myMentions"), n => Str(n["id"]) == mentioned);
    }

    [Fact]
    public async Task Filters_by_type_kind_actor_and_time_in_one_statement_and_bounded()
    {
        var start = DateTime.UtcNow;
        var contact = await Host.CreateContactAsync(new { name = "Filtered" });
        (await Host.QueryAsync("mutation($id: ID!) { updateContact(id: $id, input: { post: \"Buyer\" }) { errors { code } } }", new { id = contact })).ShouldSucceed();
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Filtered deal") });
        await Host.DeliverAsync();

        var since = new { occurredFrom = start.ToString("O", CultureInfo.InvariantCulture), actorIds = new[] { "1" } };
        Assert.Equal([$"DEAL:{deal}:created", $"CONTACT:{contact}:fieldsChanged", $"CONTACT:{contact}:created"], Keys(await FeedAsync(since)));
        Assert.Equal([$"CONTACT:{contact}:fieldsChanged"],
            Keys(await FeedAsync(new { occurredFrom = since.occurredFrom, entityTypes = new[] { "CONTACT" }, kinds = new[] { "fieldsChanged" } })));
        Assert.Equal([$"DEAL:{deal}:created"], Keys(await FeedAsync(new { occurredFrom = since.occurredFrom, entityTypes = new[] { "DEAL" } })));
        Assert.DoesNotContain(Keys(await FeedAsync(new { occurredTo = start.ToString("O", CultureInfo.InvariantCulture) }, first: 200)), k => k.EndsWith($":{contact}:created", StringComparison.Ordinal) && k.StartsWith("CONTACT", StringComparison.Ordinal));
        var someone = await Host.NewUserWithKeyAsync("feed-actor");
        Assert.Empty(Keys(await FeedAsync(new { occurredFrom = since.occurredFrom, actorIds = new[] { someone.Id } })));

        // One statement for the page, whatever its size, for an administrator and for a user whose rights are SQL.
        var department = await Host.CreateDepartmentAsync(Records.NewMarker("Feed stmt"));
        var viewer = await Host.NewUserWithKeyAsync("feed-stmt", department);
        var role = await Host.CreateRoleAsync("Feed stmt", [new { entityType = "CONTACT", action = "READ", level = "DEPARTMENT" }, new { entityType = "DEAL", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId: viewer.Id)).Ok();
        Assert.Equal((await FeedAsync(first: 2, apiKey: viewer.Key)).ShouldSucceed().Statements, (await FeedAsync(first: 100, apiKey: viewer.Key)).ShouldSucceed().Statements);
        Assert.Equal((await FeedAsync(first: 2)).ShouldSucceed().Statements, (await FeedAsync(first: 100)).ShouldSucceed().Statements);

        // Ten times each limit.
        var tooMany = Enumerable.Range(1, 1000).ToArray();
        Assert.Equal(["LIMIT_EXCEEDED"], (await FeedAsync(new { entityTypes = tooMany.Select(_ => "CONTACT").ToArray() })).ErrorCodes);
        Assert.Equal(["LIMIT_EXCEEDED"], (await FeedAsync(new { kinds = tooMany.Select(_ => "created").ToArray() })).ErrorCodes);
        Assert.Equal(["LIMIT_EXCEEDED"], (await FeedAsync(new { actorIds = tooMany.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray() })).ErrorCodes);
        Assert.Equal(["LIMIT_EXCEEDED"], (await FeedAsync(new { kinds = new[] { new string('k', 640) } })).ErrorCodes);
        Assert.Equal(["LIMIT_EXCEEDED"], (await FeedAsync(first: 2000)).ErrorCodes);
        Assert.Equal(["INVALID_ID"], (await FeedAsync(new { actorIds = new[] { "x" } })).ErrorCodes);
        Assert.Equal(["INVALID_CURSOR"], (await FeedAsync(after: "bm90IG91cnM=")).ErrorCodes);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class FeedOnSqlite(TimelineSqliteHost fixture) : FeedTests(fixture), IClassFixture<TimelineSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class FeedOnPostgres(TimelinePostgresHost fixture) : FeedTests(fixture), IClassFixture<TimelinePostgresHost>;
