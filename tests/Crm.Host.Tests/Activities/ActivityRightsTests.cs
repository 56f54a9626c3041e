using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Plugins;
using static Crm.Host.Tests.Activities.ActivityTests;

namespace Crm.Host.Tests.Activities;

/// <summary>
/// An activity's rights follow its bound records: readable by whoever may read one of them or is
/// responsible for it; changed, completed or deleted by whoever may change one of them or is
/// responsible. Lists apply the rule in SQL before paging (totals and cursors count only what the
/// reader may see), for every bound type, the plugin's quote included.
/// </summary>
public abstract class ActivityRightsTests(QuotePluginHost fixture)
{
    private const string Mutation = "{ activity { id } errors { code message path } }";

    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_reader_sees_the_activities_of_records_they_may_read_and_their_own_counted_and_paged_in_SQL()
    {
        var marker = Records.NewMarker("Rights");
        var (readerId, _, readerKey) = await Host.NewUserWithKeyAsync("activity-reader");
        var role = await Host.CreateRoleAsync("Own deals reader", [new { entityType = "DEAL", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId: readerId)).Ok();

        var mine = await Host.CreateDealAsync(new { title = "Mine", assignedById = readerId });
        var others = await Host.CreateDealAsync(new { title = "Others'" });
        var quote = (await Host.MutateAsync("createQuote", "mutation { createQuote(input: { title: \"Offer\" }) { quote { id } errors { code message } } }")).Ok()["quote"]!["id"]!.GetValue<string>();

        var onMine = await CreateAsync(marker + " 1", [Bind("DEAL", mine)]);
        var onOthers = await CreateAsync(marker + " 2", [Bind("DEAL", others)]);
        var responsible = await CreateAsync(marker + " 3", [Bind("DEAL", others)], responsibleId: readerId);
        var onBoth = await CreateAsync(marker + " 4", [Bind("DEAL", others), Bind("DEAL", mine)]);
        var onQuote = await CreateAsync(marker + " 5", [Bind("QUOTE", quote)]);

        const string List = "query($s: String!, $after: String) { activities(where: { subject: { startsWith: $s } }, order: [{ subject: ASC }], first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }";
        var first = (await Host.QueryAsync(List, new { s = marker, after = (string?)null }, readerKey)).ShouldSucceed().Data!["activities"]!;
        Assert.Equal(3, first["totalCount"]!.GetValue<int>());
        Assert.Equal([onMine, responsible], Records.Ids(first["nodes"]));
        Assert.True(first["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
        var second = (await Host.QueryAsync(List, new { s = marker, after = first["pageInfo"]!["endCursor"]!.GetValue<string>() }, readerKey)).ShouldSucceed().Data!["activities"]!;
        Assert.Equal([onBoth], Records.Ids(second["nodes"]));
        Assert.False(second["pageInfo"]!["hasNextPage"]!.GetValue<bool>());

        var hidden = await Host.QueryAsync("query($id: ID!) { activity(id: $id) { id } }", new { id = onOthers }, readerKey);
        Assert.Null(hidden.Data?["activity"]);

        // The administrator sees all five; a role with quotes gives the quote's activity too.
        var all = (await Host.QueryAsync("query($s: String!) { activities(where: { subject: { startsWith: $s } }) { totalCount } }", new { s = marker })).ShouldSucceed();
        Assert.Equal(5, all.Data!["activities"]!["totalCount"]!.GetValue<int>());
        var quotes = await Host.CreateRoleAsync("Quote reader", [new { entityType = "QUOTE", action = "READ", level = "ALL" }]);
        (await Host.AssignAsync(quotes, userId: readerId)).Ok();
        var withQuotes = (await Host.QueryAsync("query($s: String!) { activities(where: { subject: { startsWith: $s } }) { nodes { id } } }", new { s = marker }, readerKey)).ShouldSucceed();
        Assert.Contains(onQuote, Records.Ids(withQuotes.Data!["activities"]!["nodes"]));
    }

    [Fact]
    public async Task Changing_needs_UPDATE_on_a_bound_record_or_being_responsible_and_a_binding_needs_READ()
    {
        var (readerId, _, readerKey) = await Host.NewUserWithKeyAsync("activity-viewer");
        var (editorId, _, editorKey) = await Host.NewUserWithKeyAsync("activity-editor");
        var readOnly = await Host.CreateRoleAsync("Own deals reader", [new { entityType = "DEAL", action = "READ", level = "OWN" }]);
        var editing = await Host.CreateRoleAsync("Own deals editor", [new { entityType = "DEAL", action = "READ", level = "OWN" }, new { entityType = "DEAL", action = "UPDATE", level = "OWN" }]);
        (await Host.AssignAsync(readOnly, userId: readerId)).Ok();
        (await Host.AssignAsync(editing, userId: editorId)).Ok();
        var readersDeal = await Host.CreateDealAsync(new { title = "Reader's", assignedById = readerId });
        var editorsDeal = await Host.CreateDealAsync(new { title = "Editor's", assignedById = editorId });
        var someoneElses = await Host.CreateDealAsync(new { title = "Someone else's" });

        var onReaders = await CreateAsync("On the reader's deal", [Bind("DEAL", readersDeal)]);
        Assert.Equal("FORBIDDEN", (await UpdateAsync(onReaders, new { subject = "No" }, readerKey)).ErrorCode());
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("completeActivity", $"mutation($id: ID!) {{ completeActivity(id: $id) {Mutation} }}", new { id = onReaders }, readerKey)).ErrorCode());
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("reopenActivity", $"mutation($id: ID!) {{ reopenActivity(id: $id) {Mutation} }}", new { id = onReaders }, readerKey)).ErrorCode());
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("deleteActivity", "mutation($id: ID!) { deleteActivity(id: $id) { deletedId errors { code } } }", new { id = onReaders }, readerKey)).ErrorCode());

        // Responsible: changed, completed and reopened whatever the rights on its records.
        var theirs = await CreateAsync("The reader's own", [Bind("DEAL", someoneElses)], responsibleId: readerId);
        (await UpdateAsync(theirs, new { subject = "Changed by the responsible user" }, readerKey)).Ok();
        (await Host.MutateAsync("completeActivity", $"mutation($id: ID!) {{ completeActivity(id: $id) {Mutation} }}", new { id = theirs }, readerKey)).Ok();
        (await Host.MutateAsync("reopenActivity", $"mutation($id: ID!) {{ reopenActivity(id: $id) {Mutation} }}", new { id = theirs }, readerKey)).Ok();

        // UPDATE on a bound record is enough; giving it away is refused when nothing else would be left.
        var onEditors = await CreateAsync("On the editor's deal", [Bind("DEAL", editorsDeal)]);
        (await UpdateAsync(onEditors, new { subject = "Changed by the deal's editor" }, editorKey)).Ok();
        Assert.Equal("FORBIDDEN", (await UpdateAsync(onEditors, new { bindings = new[] { Bind("DEAL", readersDeal) } }, editorKey)).ErrorCode());

        // A binding to a record the caller may not read is refused, as one to a record that is not there.
        var hidden = await TryCreateAsync("x", [Bind("DEAL", someoneElses)], apiKey: editorKey);
        Assert.Equal("FORBIDDEN", hidden.ErrorCode());
        Assert.Equal("input.bindings.0", hidden.ErrorPath());
        // A reader may add an activity they are responsible for to a record they may read, not one for someone else.
        await CreateAsync("Reader's call", [Bind("DEAL", readersDeal)], apiKey: readerKey);
        Assert.Equal("FORBIDDEN", (await TryCreateAsync("For someone else", [Bind("DEAL", readersDeal)], responsibleId: editorId, apiKey: readerKey)).ErrorCode());
    }

    private async Task<string> CreateAsync(string subject, object[] bindings, string? responsibleId = null, string apiKey = CrmHost.AdminKey) =>
        (await TryCreateAsync(subject, bindings, responsibleId, apiKey)).Ok()["activity"]!["id"]!.GetValue<string>();

    private Task<JsonNode> TryCreateAsync(string subject, object[] bindings, string? responsibleId = null, string apiKey = CrmHost.AdminKey) =>
        Host.MutateAsync("createActivity", $"mutation($input: CreateActivityInput!) {{ createActivity(input: $input) {Mutation} }}",
            new { input = new { typeId = "TODO", subject, bindings, responsibleId } }, apiKey);

    private Task<JsonNode> UpdateAsync(string id, object input, string apiKey) =>
        Host.MutateAsync("updateActivity", $"mutation($id: ID!, $input: UpdateActivityInput!) {{ updateActivity(id: $id, input: $input) {Mutation} }}", new { id, input }, apiKey);
}

[Trait("Engine", "Sqlite")]
public sealed class ActivityRightsOnSqlite(QuotePluginSqliteHost fixture) : ActivityRightsTests(fixture), IClassFixture<QuotePluginSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ActivityRightsOnPostgres(QuotePluginPostgresHost fixture) : ActivityRightsTests(fixture), IClassFixture<QuotePluginPostgresHost>;
