using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Plugins;
using System.Text.RegularExpressions;

namespace Crm.Host.Tests.Timeline;

/// <summary>What the comment tests share: writing comments and reading them back.</summary>
public static class CommentSteps
{
    public const string CommentFields = "id entityType entityId text authorId createdAt updatedAt pinned mentionedUserIds";

    public const string EntryFields = "id kind actor { kind userId } ... on TimelineCommentEntry { commentId text authorId createdAt updatedAt pinned mentionedUserIds }";

    public static Task<JsonNode> AddCommentAsync(this CrmHost host, string entityType, string entityId, string text, string? apiKey = CrmHost.AdminKey) =>
        host.MutateAsync("addComment", $"mutation($t: CrmEntityType!, $id: ID!, $text: String!) {{ addComment(entityType: $t, entityId: $id, text: $text) {{ comment {{ {CommentFields} }} errors {{ code message path }} }} }}",
            new { t = entityType, id = entityId, text }, apiKey);

    public static Task<JsonNode> UpdateCommentAsync(this CrmHost host, string id, string text, string? apiKey = CrmHost.AdminKey) =>
        host.MutateAsync("updateComment", $"mutation($id: ID!, $text: String!) {{ updateComment(id: $id, text: $text) {{ comment {{ {CommentFields} }} errors {{ code message path }} }} }}", new { id, text }, apiKey);

    public static Task<JsonNode> DeleteCommentAsync(this CrmHost host, string id, string? apiKey = CrmHost.AdminKey) =>
        host.MutateAsync("deleteComment", "mutation($id: ID!) { deleteComment(id: $id) { deletedId errors { code message path } } }", new { id }, apiKey);

    public static Task<JsonNode> PinCommentAsync(this CrmHost host, string id, bool pinned, string? apiKey = CrmHost.AdminKey) =>
        host.MutateAsync("pinComment", $"mutation($id: ID!, $p: Boolean!) {{ pinComment(id: $id, pinned: $p) {{ comment {{ {CommentFields} }} errors {{ code message path }} }} }}", new { id, p = pinned }, apiKey);

    public static string CommentId(this JsonNode payload) => payload.Ok()["comment"]!["id"]!.GetValue<string>();

    public static async Task<GraphQLResponse> CommentTimelineAsync(this CrmHost host, string entityType, string id, string? apiKey = CrmHost.AdminKey) =>
        await host.QueryAsync(
            $"query($t: CrmEntityType!, $id: ID!) {{ timeline(entityType: $t, entityId: $id) {{ pinned {{ {CommentFields} }} nodes {{ {EntryFields} }} }} }}",
            new { t = entityType, id }, apiKey);

    public static async Task<GraphQLResponse> MyMentionsAsync(this CrmHost host, string apiKey, int? first = null, string? after = null) =>
        await host.QueryAsync(
            $"query($first: Int, $after: String) {{ myMentions(first: $first, after: $after) {{ nodes {{ {CommentFields} }} edges {{ cursor }} pageInfo {{ hasNextPage endCursor }} }} }}",
            new { first, after }, apiKey);
}

/// <summary>
/// Comments on records of every type: on the timeline as they are now, gone when deleted; rights
/// (read to comment, author to edit, UPDATE to pin); bounds; mentions and myMentions; pins on top;
/// twenty writers at once.
/// </summary>
public abstract class CommentTests(TimelineHost fixture)
{
    // The documented limits (README, Limits; CommentLimits in the Timeline module).
    private const int MaxTextLength = 10_000;
    private const int MaxMentions = 20;
    private const int MaxPinnedPerRecord = 5;

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static long Long(string id) => long.Parse(id, CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_comment_shows_on_the_timeline_as_it_is_now_and_leaves_it_when_deleted()
    {
        var user = await Host.NewUserWithKeyAsync("cm-mentioned");
        var id = await Host.CreateContactAsync(new { name = "Commented" });
        var added = (await Host.AddCommentAsync("CONTACT", id, $"Call back @[user:{user.Id}] and @[user:{user.Id}] please")).Ok()["comment"]!;
        var commentId = Str(added["id"]);
        Assert.Equal(("CONTACT", id, "1", false), (Str(added["entityType"]), Str(added["entityId"]), Str(added["authorId"]), added["pinned"]!.GetValue<bool>()));
        Assert.Equal([user.Id], added["mentionedUserIds"]!.AsArray().Select(Str));

        var entry = Assert.Single((await Host.CommentTimelineAsync("CONTACT", id)).Nodes(), n => Str(n["kind"]) == "comment");
        Assert.Equal((commentId, $"Call back @[user:{user.Id}] and @[user:{user.Id}] please", "1"), (Str(entry["commentId"]), Str(entry["text"]), Str(entry["authorId"])));
        Assert.Equal(("API_KEY", "1"), (Str(entry["actor"]!["kind"]), Str(entry["actor"]!["userId"])));

        // Edited: the same entry shows the new text and mentions.
        var edited = (await Host.UpdateCommentAsync(commentId, "Done, no one to call")).Ok()["comment"]!;
        Assert.Empty(edited["mentionedUserIds"]!.AsArray());
        var now = Assert.Single((await Host.CommentTimelineAsync("CONTACT", id)).Nodes(), n => Str(n["kind"]) == "comment");
        Assert.Equal((Str(entry["id"]), "Done, no one to call"), (Str(now["id"]), Str(now["text"])));
        Assert.Empty(now["mentionedUserIds"]!.AsArray());
        Assert.True(now["updatedAt"]!.GetValue<DateTime>() >= now["createdAt"]!.GetValue<DateTime>());
        Assert.Equal(0, await Host.CountAsync($"SELECT COUNT(*) FROM {Host.Table("timeline", "comment_mentions")} WHERE comment_id = @p0", Long(commentId)));

        Assert.Equal(commentId, Str((await Host.DeleteCommentAsync(commentId)).Ok()["deletedId"]));
        Assert.DoesNotContain((await Host.CommentTimelineAsync("CONTACT", id)).Nodes(), n => Str(n["kind"]) == "comment");
        Assert.Equal(0, await Host.CountAsync($"SELECT COUNT(*) FROM {Host.Table("timeline", "entries")} WHERE entity_type = 'contact' AND entity_id = @p0 AND kind = 'comment'", Long(id)));
        Assert.Equal("NOT_FOUND", (await Host.UpdateCommentAsync(commentId, "again")).ErrorCode());
    }

    [Fact]
    public async Task Readers_comment_authors_edit_their_own_administrators_delete_and_pinning_needs_update()
    {
        var id = await Host.CreateContactAsync(new { name = "Rights" });
        var nobody = await Host.NewUserWithKeyAsync("cm-nobody");
        Assert.Equal("FORBIDDEN", (await Host.AddCommentAsync("CONTACT", id, "let me in", nobody.Key)).ErrorCode());

        var reader = await Host.NewUserWithKeyAsync("cm-reader");
        var role = await Host.CreateRoleAsync(Records.NewMarker("cm-read"), [new { entityType = "CONTACT", action = "READ", level = "ALL" }]);
        await Host.AssignAsync(role, userId: reader.Id);
        var mine = (await Host.AddCommentAsync("CONTACT", id, "A reader's word", reader.Key)).CommentId();
        var admins = (await Host.AddCommentAsync("CONTACT", id, "The admin's word")).CommentId();

        Assert.Equal("NOT_AUTHOR", (await Host.UpdateCommentAsync(admins, "rewritten", reader.Key)).ErrorCode());
        Assert.Equal("NOT_AUTHOR", (await Host.DeleteCommentAsync(admins, reader.Key)).ErrorCode());
        Assert.Equal("NOT_AUTHOR", (await Host.UpdateCommentAsync(mine, "rewritten by the admin")).ErrorCode());
        Assert.Equal("FORBIDDEN", (await Host.PinCommentAsync(mine, true, reader.Key)).ErrorCode());
        Assert.Equal("FORBIDDEN", (await Host.UpdateCommentAsync(mine, "sneaky", nobody.Key)).ErrorCode());
        (await Host.UpdateCommentAsync(mine, "A reader's better word", reader.Key)).Ok();
        (await Host.PinCommentAsync(mine, true)).Ok();

        Assert.Equal(["The admin's word", "A reader's better word"], (await Host.CommentTimelineAsync("CONTACT", id)).Nodes().Where(n => Str(n["kind"]) == "comment").Select(n => Str(n["text"])));
        (await Host.DeleteCommentAsync(mine)).Ok();
        (await Host.DeleteCommentAsync(admins)).Ok();
        Assert.Equal(0, await Host.CountAsync($"SELECT COUNT(*) FROM {Host.Table("timeline", "comments")} WHERE entity_type = 'contact' AND entity_id = @p0", Long(id)));
    }

    [Fact]
    public async Task Text_mentions_pins_and_pages_are_bounded_and_refused_beyond_their_limits()
    {
        var id = await Host.CreateContactAsync(new { name = "Bounds" });
        Assert.Equal("TOO_LONG", (await Host.AddCommentAsync("CONTACT", id, new string('x', MaxTextLength * 10))).ErrorCode());
        Assert.Equal("REQUIRED", (await Host.AddCommentAsync("CONTACT", id, "  \n ")).ErrorCode());
        var tenTimes = string.Join(" ", Enumerable.Range(1, MaxMentions * 10).Select(u => $"@[user:{u}]"));
        Assert.Equal("LIMIT_EXCEEDED", (await Host.AddCommentAsync("CONTACT", id, tenTimes)).ErrorCode());
        Assert.Equal("INVALID_VALUE", (await Host.AddCommentAsync("CONTACT", id, "Hello @[user:999999999]")).ErrorCode());
        Assert.Equal("NOT_FOUND", (await Host.AddCommentAsync("CONTACT", "999999999", "Nobody here")).ErrorCode());
        var kept = (await Host.AddCommentAsync("CONTACT", id, "Kept")).CommentId();
        Assert.Equal("TOO_LONG", (await Host.UpdateCommentAsync(kept, new string('y', MaxTextLength * 10))).ErrorCode());
        Assert.Equal(0, await Host.CountAsync($"SELECT COUNT(*) FROM {Host.Table("timeline", "comments")} WHERE entity_type = 'contact' AND entity_id = @p0 AND text <> 'Kept'", Long(id)));

        var ids = new List<string>();
        for (var i = 0; i < MaxPinnedPerRecord + 1; i++)
        {
            ids.Add((await Host.AddCommentAsync("CONTACT", id, $"Pin {i}")).CommentId());
        }

        foreach (var pin in ids.Take(MaxPinnedPerRecord))
        {
            (await Host.PinCommentAsync(pin, true)).Ok();
        }

        Assert.Equal("LIMIT_EXCEEDED", (await Host.PinCommentAsync(ids[^1], true)).ErrorCode());
        var pinned = (await Host.CommentTimelineAsync("CONTACT", id)).ShouldSucceed().Data!["timeline"]!["pinned"]!.AsArray();
        Assert.Equal(ids.Take(MaxPinnedPerRecord).Reverse(), pinned.Select(p => Str(p!["id"])));
        (await Host.PinCommentAsync(ids[0], false)).Ok();
        (await Host.PinCommentAsync(ids[^1], true)).Ok();

        var user = await Host.NewUserWithKeyAsync("cm-pages");
        Assert.Equal(["LIMIT_EXCEEDED"], (await Host.MyMentionsAsync(user.Key, first: 2000)).ErrorCodes);
        Assert.Equal(["INVALID_CURSOR"], (await Host.MyMentionsAsync(user.Key, after: "bm90IG91cnM=")).ErrorCodes);
    }

    [Fact]
    public async Task My_mentions_are_the_comments_that_mention_me_newest_first_on_records_I_still_read()
    {
        var me = await Host.NewUserWithKeyAsync("cm-me");
        var role = await Host.CreateRoleAsync(Records.NewMarker("cm-contacts"), [new { entityType = "CONTACT", action = "READ", level = "ALL" }]);
        await Host.AssignAsync(role, userId: me.Id);
        var contact = await Host.CreateContactAsync(new { name = "Mentioned on" });
        var deal = await Host.CreateDealAsync(new { title = "Hidden from me" });

        var first = (await Host.AddCommentAsync("CONTACT", contact, $"One for @[user:{me.Id}]")).CommentId();
        (await Host.AddCommentAsync("DEAL", deal, $"Hidden @[user:{me.Id}]")).Ok();
        var second = (await Host.AddCommentAsync("CONTACT", contact, $"Two for @[user:{me.Id}]")).CommentId();
        (await Host.AddCommentAsync("CONTACT", contact, "None for anyone")).Ok();
        var third = (await Host.AddCommentAsync("CONTACT", contact, $"Three for @[user:{me.Id}]")).CommentId();

        var all = (await Host.MyMentionsAsync(me.Key)).Nodes("myMentions");
        Assert.Equal([third, second, first], all.Select(n => Str(n["id"])));

        // Paged: the hidden deal's comment counts towards no page.
        var page1 = (await Host.MyMentionsAsync(me.Key, first: 2)).ShouldSucceed().Data!["myMentions"]!;
        Assert.Equal([third, second], page1["nodes"]!.AsArray().Select(n => Str(n!["id"])));
        Assert.True(page1["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
        var page2 = (await Host.MyMentionsAsync(me.Key, first: 2, after: Str(page1["pageInfo"]!["endCursor"]))).ShouldSucceed().Data!["myMentions"]!;
        Assert.Equal([first], page2["nodes"]!.AsArray().Select(n => Str(n!["id"])));
        Assert.False(page2["pageInfo"]!["hasNextPage"]!.GetValue<bool>());

        // An edit that drops the mention drops it from my mentions.
        (await Host.UpdateCommentAsync(second, "Two, for nobody")).Ok();
        Assert.Equal([third, first], (await Host.MyMentionsAsync(me.Key)).Nodes("myMentions").Select(n => Str(n["id"])));

        // A record I no longer read: its comments leave my mentions (its record is deleted here).
        (await Host.QueryAsync("mutation($id: ID!) { deleteContact(id: $id) { errors { code } } }", new { id = contact })).ShouldSucceed();
        Assert.Empty((await Host.MyMentionsAsync(me.Key)).Nodes("myMentions"));
    }

    [Fact]
    public async Task A_list_loads_its_records_comments_and_pins_in_one_statement_per_level_whatever_the_page_size()
    {
        var marker = Records.NewMarker("CmBatch");
        var user = await Host.NewUserWithKeyAsync("cm-batch");
        for (var i = 0; i < 6; i++)
        {
            var id = await Host.CreateContactAsync(new { name = $"{marker} {i}" });
            (await Host.AddCommentAsync("CONTACT", id, $"First on {i} @[user:{user.Id}]")).Ok();
            var pinned = (await Host.AddCommentAsync("CONTACT", id, $"Pinned on {i}")).CommentId();
            (await Host.PinCommentAsync(pinned, true)).Ok();
        }

        const string Query = "query($m: String!, $n: Int!) { contacts(where: { name: { startsWith: $m } }, first: $n) { nodes { id timeline(first: 5) { pinned { id text mentionedUserIds } nodes { kind ... on TimelineCommentEntry { text authorId mentionedUserIds } } } } } }";
        var two = (await Host.QueryAsync(Query, new { m = marker, n = 2 })).ShouldSucceed();
        var six = (await Host.QueryAsync(Query, new { m = marker, n = 6 })).ShouldSucceed();
        var nodes = six.Data!["contacts"]!["nodes"]!.AsArray();
        Assert.Equal(6, nodes.Count);
        Assert.All(nodes, n =>
        {
            Assert.StartsWith("Pinned on", Str(Assert.Single(n!["timeline"]!["pinned"]!.AsArray())!["text"]));
            var comments = n["timeline"]!["nodes"]!.AsArray().Where(e => Str(e!["kind"]) == "comment").ToList();
            Assert.Equal(2, comments.Count);
            Assert.Equal([user.Id], comments[1]!["mentionedUserIds"]!.AsArray().Select(Str));
        });
        Assert.Equal(two.Statements, six.Statements);
    }

    [Fact]
    public async Task Twenty_parallel_edits_and_pins_of_one_comment_lose_nothing()
    {
        var id = await Host.CreateContactAsync(new { name = "Contested comment" });
        var commentId = (await Host.AddCommentAsync("CONTACT", id, "Start")).CommentId();
        var users = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            users.Add((await Host.NewUserWithKeyAsync($"cm-par{i}")).Id);
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => i % 2 == 0
            ? Host.UpdateCommentAsync(commentId, $"Edit {i} @[user:{users[i % 3]}] @[user:{users[(i + 1) % 3]}]")
            : Host.PinCommentAsync(commentId, i % 4 == 1))));
        Assert.All(answers, a => a.Ok());

        var row = Assert.Single(await Host.QueryRowsAsync($"SELECT text, pinned, pinned_at FROM {Host.Table("timeline", "comments")} WHERE id = @p0", Long(commentId)));
        var text = (string)row["text"]!;
        Assert.Contains(answers.Where(a => a["comment"]!["text"] is not null), a => Str(a["comment"]!["text"]) == text);
        // The mentions are exactly those of the text that stands.
        var mentioned = (await Host.QueryRowsAsync($"SELECT user_id FROM {Host.Table("timeline", "comment_mentions")} WHERE comment_id = @p0", Long(commentId)))
            .Select(r => Convert.ToInt64(r["user_id"], CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal(Regex.Matches(text, @"@\[user:([0-9]+)\]").Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct().Order(), mentioned);
        // The pin state is what one of the pins left, and the timeline shows it once.
        var pinned = Convert.ToBoolean(row["pinned"], CultureInfo.InvariantCulture);
        Assert.Equal(pinned, row["pinned_at"] is not null and not DBNull);
        Assert.Equal(pinned ? [commentId] : [], (await Host.CommentTimelineAsync("CONTACT", id)).ShouldSucceed().Data!["timeline"]!["pinned"]!.AsArray().Select(p => Str(p!["id"])));
        Assert.Equal(1, await Host.CountAsync($"SELECT COUNT(*) FROM {Host.Table("timeline", "entries")} WHERE entity_type = 'contact' AND entity_id = @p0 AND kind = 'comment'", Long(id)));
    }

    [Fact]
    public async Task Twenty_parallel_comments_on_one_record_write_one_entry_each_and_twenty_parallel_pins_never_pass_the_maximum()
    {
        var id = await Host.CreateContactAsync(new { name = "Busy record" });
        var added = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => Host.AddCommentAsync("CONTACT", id, $"Parallel {i}"))));
        var ids = added.Select(a => a.CommentId()).ToList();
        Assert.Equal(20, ids.Distinct().Count());
        Assert.Equal(20, await Host.CountAsync($"SELECT COUNT(*) FROM {Host.Table("timeline", "comments")} WHERE entity_type = 'contact' AND entity_id = @p0", Long(id)));
        Assert.Equal(20, await Host.CountAsync($"SELECT COUNT(*) FROM {Host.Table("timeline", "entries")} WHERE entity_type = 'contact' AND entity_id = @p0 AND kind = 'comment'", Long(id)));
        var entryComments = (await Host.CommentTimelineAsync("CONTACT", id)).Nodes().Where(n => Str(n["kind"]) == "comment").Select(n => Str(n["commentId"])).ToList();
        Assert.Equal(ids.Order(), entryComments.Order());

        var pins = await Task.WhenAll(ids.Select(c => Task.Run(() => Host.PinCommentAsync(c, true))));
        Assert.Equal(MaxPinnedPerRecord, pins.Count(p => p["errors"]!.AsArray().Count == 0));
        Assert.All(pins.Where(p => p["errors"]!.AsArray().Count > 0), p => Assert.Equal("LIMIT_EXCEEDED", p.ErrorCode()));
        Assert.Equal(MaxPinnedPerRecord, await Host.CountAsync($"SELECT COUNT(*) FROM {Host.Table("timeline", "comments")} WHERE entity_type = 'contact' AND entity_id = @p0 AND pinned", Long(id)));
    }

    [Fact]
    public async Task A_deleted_records_comments_stay_with_its_history_for_administrators()
    {
        var reader = await Host.NewUserWithKeyAsync("cm-deleted");
        var role = await Host.CreateRoleAsync(Records.NewMarker("cm-del"), [new { entityType = "DEAL", action = "READ", level = "ALL" }]);
        await Host.AssignAsync(role, userId: reader.Id);
        var deal = await Host.CreateDealAsync(new { title = "Going away" });
        var own = (await Host.AddCommentAsync("DEAL", deal, "Before it went", reader.Key)).CommentId();
        (await Host.QueryAsync("mutation($id: ID!) { deleteDeal(id: $id) { errors { code } } }", new { id = deal })).ShouldSucceed();

        Assert.Equal(["Before it went"], (await Host.CommentTimelineAsync("DEAL", deal)).Nodes().Where(n => Str(n["kind"]) == "comment").Select(n => Str(n["text"])));
        Assert.Equal(["NOT_FOUND"], (await Host.CommentTimelineAsync("DEAL", deal, reader.Key)).ErrorCodes);
        Assert.Equal("NOT_FOUND", (await Host.AddCommentAsync("DEAL", deal, "Too late")).ErrorCode());
        Assert.Equal("NOT_FOUND", (await Host.UpdateCommentAsync(own, "Edited after", reader.Key)).ErrorCode());
        (await Host.DeleteCommentAsync(own)).Ok();
    }
}

[Trait("Engine", "Sqlite")]
public sealed class CommentsOnSqlite(TimelineSqliteHost fixture) : CommentTests(fixture), IClassFixture<TimelineSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class CommentsOnPostgres(TimelinePostgresHost fixture) : CommentTests(fixture), IClassFixture<TimelinePostgresHost>;

/// <summary>A plugin's record type (the tests' quote) takes comments with no code of its own.</summary>
public abstract class PluginCommentTests(QuotePluginHost fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_quote_takes_comments_shown_on_its_timeline()
    {
        var created = await Host.MutateAsync("createQuote", "mutation { createQuote(input: { title: \"Commented plan\", amount: 10 }) { quote { id } errors { code path } } }");
        var id = created["quote"]!["id"]!.GetValue<string>();
        var commentId = (await Host.AddCommentAsync("QUOTE", id, "Discount agreed")).CommentId();
        (await Host.PinCommentAsync(commentId, true)).Ok();

        var quote = (await Host.QueryAsync("query($id: ID!) { quote(id: $id) { timeline { pinned { id } nodes { kind ... on TimelineCommentEntry { commentId text } } } } }", new { id })).ShouldSucceed();
        var timeline = quote.Data!["quote"]!["timeline"]!;
        Assert.Equal(commentId, timeline["pinned"]![0]!["id"]!.GetValue<string>());
        var entry = Assert.Single(timeline["nodes"]!.AsArray(), n => n!["kind"]!.GetValue<string>() == "comment");
        Assert.Equal((commentId, "Discount agreed"), (entry!["commentId"]!.GetValue<string>(), entry["text"]!.GetValue<string>()));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class PluginCommentsOnSqlite(QuotePluginSqliteHost fixture) : PluginCommentTests(fixture), IClassFixture<QuotePluginSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class PluginCommentsOnPostgres(QuotePluginPostgresHost fixture) : PluginCommentTests(fixture), IClassFixture<QuotePluginPostgresHost>;
