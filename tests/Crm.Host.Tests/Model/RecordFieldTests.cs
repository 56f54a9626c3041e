using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Host.Tests.Activities;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Model;

/// <summary>
/// <c>record: CrmRecord</c>, the SDK's one field for whatever points at a record of any type
/// (timeline entries, an activity's bindings and communications, planned items, CRM links): the
/// record loaded in batches, one statement per record type whatever the page size, only the
/// columns each type's fragment shows, within the reader's rights.
/// </summary>
public abstract class RecordFieldTests(TimelineHost fixture)
{
    private const string Record = "record { __typename ... on Deal { id title } ... on Contact { id name } }";

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private Task<GraphQLResponse> FeedAsync(int first, string apiKey = CrmHost.AdminKey) =>
        Host.QueryAsync($"query($first: Int) {{ feed(first: $first) {{ nodes {{ entityType entityId {Record} }} }} }}", new { first }, apiKey);

    [Fact]
    public async Task Feed_entries_show_their_records_with_one_statement_per_record_type_whatever_the_page_size()
    {
        await Host.DeliverAsync(); // what other tests left undelivered is not among the newest entries
        var marker = Records.NewMarker("Rf");
        var titles = new Dictionary<string, string>();
        for (var i = 0; i < 6; i++)
        {
            var deal = await Host.CreateDealAsync(new { title = $"{marker} deal {i}" });
            titles[$"DEAL:{deal}"] = $"{marker} deal {i}";
            var contact = await Host.CreateContactAsync(new { name = $"{marker} contact {i}" });
            titles[$"CONTACT:{contact}"] = $"{marker} contact {i}";
        }

        await Host.DeliverAsync();

        // Seven of the twelve entries hold both types, however the outboxes' rounds ordered them.
        var small = (await FeedAsync(7)).ShouldSucceed();
        var large = (await FeedAsync(12)).ShouldSucceed();
        var nodes = large.Nodes("feed");
        Assert.Equal(12, nodes.Count);
        foreach (var node in nodes)
        {
            var key = $"{Str(node["entityType"])}:{Str(node["entityId"])}";
            var record = node["record"]!;
            Assert.Equal(Str(node["entityId"]), Str(record["id"]));
            Assert.Equal(titles[key], Str(record["title"] ?? record["name"]));
            Assert.Equal(key.StartsWith("DEAL:", StringComparison.Ordinal) ? "Deal" : "Contact", Str(record["__typename"]));
        }

        // A page of seven and one of twelve send as many statements.
        Assert.Equal(small.Statements, large.Statements);
    }

    [Fact]
    public async Task Each_record_type_reads_only_the_columns_its_fragment_shows()
    {
        var contact = await Host.CreateContactAsync(new
        {
            name = Records.NewMarker("Rf columns"),
            comments = "long notes",
            emails = new[] { new { value = "rf@example.com", valueType = "WORK" } },
        });
        await Host.DeliverAsync();

        using var capture = SqlCapture.Start(Host);
        (await Host.QueryAsync(
            "query($id: ID!) { timeline(entityType: CONTACT, entityId: $id, first: 5) { nodes { record { ... on Contact { name } ... on Deal { title comments } } } } }",
            new { id = contact })).ShouldSucceed();

        var table = Host.Table("contacts", "contacts");
        // The timeline's own check that the record may be read (SELECT EXISTS) aside.
        var reads = capture.Commands.Where(c => Regex.IsMatch(c.Text, $@"FROM\s+""?{Regex.Escape(table)}""?(\s|$)", RegexOptions.IgnoreCase)
            && !c.Text.TrimStart().StartsWith("SELECT EXISTS", StringComparison.Ordinal)).ToList();
        var read = Assert.Single(reads);
        // The deal's fragment asks for comments; the contact's does not, so a contact's are not read.
        foreach (var heavy in new[] { "emails", "phones", "comments", "custom_fields", "search_content" })
        {
            Assert.False(Regex.IsMatch(read.Text, $@"\b{heavy}\b"), $"Reads {heavy}:\n{read.Text}");
        }
    }

    [Fact]
    public async Task A_binding_shows_its_record_when_the_reader_may_read_it_and_null_without_an_error_when_not()
    {
        var reader = await Host.NewUserWithKeyAsync("rf-reader");
        var role = await Host.CreateRoleAsync(Records.NewMarker("Rf deals"), [new { entityType = "DEAL", action = "READ", level = "ALL" }]);
        (await Host.AssignAsync(role, userId: reader.Id)).Ok();
        var title = Records.NewMarker("Rf bound deal");
        var deal = await Host.CreateDealAsync(new { title });
        var contact = await Host.CreateContactAsync(new { name = Records.NewMarker("Rf hidden contact") });
        var activity = (await Host.MutateAsync("createActivity",
                "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { code message } } }",
                new { input = new { typeId = "CALL", subject = "Both", bindings = new[] { ActivityTests.Bind("DEAL", deal), ActivityTests.Bind("CONTACT", contact) } } }))
            .Ok()["activity"]!["id"]!.GetValue<string>();

        var answer = (await Host.QueryAsync(
            $"query($id: ID!) {{ activity(id: $id) {{ bindings {{ entityType id {Record} }} }} }}", new { id = activity }, reader.Key)).ShouldSucceed();

        var bindings = answer.Data!["activity"]!["bindings"]!.AsArray();
        var onDeal = bindings.Single(b => Str(b!["entityType"]) == "DEAL")!;
        Assert.Equal(title, Str(onDeal["record"]!["title"]));
        var onContact = bindings.Single(b => Str(b!["entityType"]) == "CONTACT")!;
        Assert.Equal(contact, Str(onContact["id"]));
        Assert.Null(onContact["record"]);
    }

    [Fact]
    public async Task Actors_authors_and_mentioned_users_show_as_users_loaded_once_for_the_page()
    {
        var writer = await Host.NewUserWithKeyAsync("rf-writer");
        var role = await Host.CreateRoleAsync(Records.NewMarker("Rf writers"), [
            new { entityType = "CONTACT", action = "READ", level = "ALL" },
            new { entityType = "CONTACT", action = "UPDATE", level = "ALL" }]);
        (await Host.AssignAsync(role, userId: writer.Id)).Ok();
        var mentioned = await Host.NewUserWithKeyAsync("rf-mentioned");
        (await Host.AssignAsync(role, userId: mentioned.Id)).Ok(); // mentions show to those who may read the record
        var contact = await Host.CreateContactAsync(new { name = Records.NewMarker("Rf users") });
        (await Host.QueryAsync("mutation($id: ID!) { updateContact(id: $id, input: { post: \"Buyer\" }) { errors { code } } }", new { id = contact }, writer.Key)).ShouldSucceed();
        for (var i = 0; i < 3; i++)
        {
            (await Host.MutateAsync("addComment", "mutation($id: ID!, $text: String!) { addComment(entityType: CONTACT, entityId: $id, text: $text) { errors { code message } } }",
                new { id = contact, text = $"Note {i} for @[user:{mentioned.Id}] and @[user:{writer.Id}]" }, writer.Key)).Ok();
        }

        await Host.DeliverAsync();

        var timeline = (await Host.QueryAsync(
            "query($id: ID!) { timeline(entityType: CONTACT, entityId: $id, first: 10) { nodes { kind actor { userId user { id name } } } } }",
            new { id = contact }, writer.Key)).ShouldSucceed();
        var actors = timeline.Nodes("timeline").Select(n => (Kind: Str(n["kind"]), UserId: n["actor"]!["userId"], User: n["actor"]!["user"])).ToList();
        Assert.Equal(5, actors.Count); // created (by the administrator), fieldsChanged, three comments
        Assert.All(actors.Where(a => a.Kind != "created"), a =>
        {
            Assert.Equal(writer.Id, Str(a.UserId));
            Assert.Equal(writer.Id, Str(a.User!["id"]));
            Assert.Equal("rf-writer", Str(a.User["name"]));
        });

        var comments = (await Host.QueryAsync(
            "{ myMentions(first: 10) { nodes { authorId author { name } mentionedUsers { id name } } } }", apiKey: mentioned.Key)).ShouldSucceed();
        var nodes = comments.Nodes("myMentions");
        Assert.Equal(3, nodes.Count);
        var expected = new[] { writer.Id, mentioned.Id }.OrderBy(long.Parse).ToList();
        Assert.All(nodes, n =>
        {
            Assert.Equal("rf-writer", Str(n["author"]!["name"]));
            Assert.Equal(expected, n["mentionedUsers"]!.AsArray().Select(u => Str(u!["id"])));
        });

        // The users of three comments: one statement, as for one.
        var one = (await Host.QueryAsync(
            "{ myMentions(first: 1) { nodes { authorId author { name } mentionedUsers { id name } } } }", apiKey: mentioned.Key)).ShouldSucceed();
        Assert.Equal(one.Statements, comments.Statements);
    }

    [Fact]
    public async Task The_entries_of_a_deleted_record_show_no_record()
    {
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Rf gone") });
        (await Host.QueryAsync("mutation($id: ID!) { deleteDeal(id: $id) { errors { code } } }", new { id = deal })).ShouldSucceed();
        await Host.DeliverAsync();

        var entries = (await Host.QueryAsync(
            $"query($id: ID!) {{ timeline(entityType: DEAL, entityId: $id, first: 5) {{ nodes {{ kind {Record} }} }} }}", new { id = deal })).ShouldSucceed().Nodes("timeline");
        Assert.Equal(["deleted", "created"], entries.Select(e => Str(e["kind"])));
        Assert.All(entries, e => Assert.Null(e["record"]));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RecordFieldsOnSqlite(TimelineSqliteHost fixture) : RecordFieldTests(fixture), IClassFixture<TimelineSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RecordFieldsOnPostgres(TimelinePostgresHost fixture) : RecordFieldTests(fixture), IClassFixture<TimelinePostgresHost>;
