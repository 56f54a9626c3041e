using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Plugins;

namespace Crm.Host.Tests.Timeline;

/// <summary>
/// <c>feed(planned:)</c>: what the caller has to do, from every module's <c>IPlannedItems</c>
/// (activities, and the sample plugin's draft quotes), merged overdue first, within their rights.
/// </summary>
public abstract class PlannedForMeTests(QuotePluginHost fixture)
{
    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    [Fact]
    public async Task The_callers_planned_activities_and_a_plugins_items_come_on_top_of_the_first_page_overdue_first_and_bounded()
    {
        var me = await Host.NewUserWithKeyAsync("feed-planner");
        // Owns no deal: the activities are theirs to read as their responsible user.
        var role = await Host.CreateRoleAsync(Records.NewMarker("Feed planner"), [
            new { entityType = "DEAL", action = "READ", level = "OWN" },
            new { entityType = "QUOTE", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId: me.Id)).Ok();
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Planned on") });
        async Task<string> PlanAsync(string typeId, string subject, string? deadline, string? responsibleId)
        {
            var created = await Host.MutateAsync("createActivity", "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { code message } } }",
                new { input = new { typeId, subject, deadline, responsibleId, bindings = new[] { new { entityType = "DEAL", id = deal } } } });
            return created.Ok()["activity"]!["id"]!.GetValue<string>();
        }

        var later = await PlanAsync("MEETING", "Later", "2099-01-01T09:00:00Z", me.Id);
        await PlanAsync("TODO", "No deadline", null, me.Id);
        var overdue = await PlanAsync("CALL", "Overdue", "2020-01-01T09:00:00Z", me.Id);
        var done = await PlanAsync("CALL", "Done", "2020-01-02T09:00:00Z", me.Id);
        (await Host.MutateAsync("completeActivity", "mutation($id: ID!) { completeActivity(id: $id) { errors { code } } }", new { id = done })).Ok();
        await PlanAsync("CALL", "Someone else's", "2020-01-03T09:00:00Z", null);
        // The sample plugin plans its draft quotes (its own IPlannedItems): merged by due time.
        (await Host.MutateAsync("createQuote", "mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } errors { code message } } }",
            new { input = new { title = "Send the offer", assignedById = me.Id, validUntil = "2020-06-01" } })).Ok();

        const string planned = "query($planned: Int, $after: String) { feed(first: 1, planned: $planned, after: $after) { planned { kind entityType id title due overdue record { ... on Activity { subject } ... on Quote { subject: title } } } pageInfo { endCursor } } }";
        static List<string> Items(GraphQLResponse response) => response.Data!["feed"]!["planned"]!.AsArray()
            .Select(i => $"{Str(i!["kind"])}:{Str(i["entityType"])}:{Str(i["title"])}:{i["overdue"]!.GetValue<bool>()}:{Str(i["record"]!["subject"])}").ToList();

        var page = (await Host.QueryAsync(planned, new { planned = 10 }, me.Key)).ShouldSucceed();
        Assert.Equal(["CALL:ACTIVITY:Overdue:True:Overdue", "quote:QUOTE:Send the offer:True:Send the offer", "MEETING:ACTIVITY:Later:False:Later", "TODO:ACTIVITY:No deadline:False:No deadline"], Items(page));
        var ids = page.Data!["feed"]!["planned"]!.AsArray().Select(i => Str(i!["id"])).ToList();
        Assert.Equal([overdue, later], new[] { ids[0], ids[2] });
        Assert.Equal(["CALL:ACTIVITY:Overdue:True:Overdue", "quote:QUOTE:Send the offer:True:Send the offer"], Items((await Host.QueryAsync(planned, new { planned = 2 }, me.Key)).ShouldSucceed()));
        // Only when asked, and only on the first page.
        Assert.Empty(Items((await Host.QueryAsync(planned, new { planned = (int?)null }, me.Key)).ShouldSucceed()));
        // (The planner reads no entry of the deal: a cursor from the administrator's feed.)
        await Host.DeliverAsync();
        var cursor = Str((await Host.QueryAsync(planned, new { planned = 0 })).ShouldSucceed().Data!["feed"]!["pageInfo"]!["endCursor"]);
        Assert.Empty(Items((await Host.QueryAsync(planned, new { planned = 10, after = cursor }, me.Key)).ShouldSucceed()));
        // Someone else's are not mine: the administrator has none of these.
        Assert.DoesNotContain(Items((await Host.QueryAsync(planned, new { planned = 200 })).ShouldSucceed()), i => i.Contains(":Overdue:", StringComparison.Ordinal));

        // The items and their records in the same statements whatever how many (one per module, one per record type); ten times the limit refused.
        Assert.Equal((await Host.QueryAsync(planned, new { planned = 2 }, me.Key)).ShouldSucceed().Statements, page.Statements);
        Assert.Equal(["LIMIT_EXCEEDED"], (await Host.QueryAsync(planned, new { planned = 2000 }, me.Key)).ErrorCodes);
        Assert.Equal(["VALIDATION"], (await Host.QueryAsync(planned, new { planned = -1 }, me.Key)).ErrorCodes);
    }

    [Fact]
    public async Task A_disabled_plugins_planned_items_are_left_out_and_come_back_once_it_is_enabled()
    {
        var me = await Host.NewUserWithKeyAsync("quote-planner");
        var role = await Host.CreateRoleAsync(Records.NewMarker("Quote planner"), [new { entityType = "QUOTE", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId: me.Id)).Ok();
        var title = Records.NewMarker("Quote to send ");
        (await Host.MutateAsync("createQuote", "mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } errors { code message } } }",
            new { input = new { title, assignedById = me.Id, validUntil = "2020-06-01" } })).Ok();
        async Task<List<string>> PlannedAsync() => (await Host.QueryAsync("{ feed(first: 1, planned: 50) { planned { entityType title } } }", apiKey: me.Key)).ShouldSucceed()
            .Data!["feed"]!["planned"]!.AsArray().Select(i => $"{Str(i!["entityType"])}:{Str(i["title"])}").ToList();

        Assert.Contains($"QUOTE:{title}", await PlannedAsync());
        (await Host.MutateAsync("disablePlugin", "mutation { disablePlugin(id: \"sample_plugin\") { module { state } errors { code message } } }")).Ok();
        try
        {
            // Not asked while disabled: its type has no CrmEntityType value in the schema then.
            Assert.DoesNotContain($"QUOTE:{title}", await PlannedAsync());
        }
        finally
        {
            (await Host.MutateAsync("enablePlugin", "mutation { enablePlugin(id: \"sample_plugin\") { module { state } errors { code message } } }")).Ok();
        }

        Assert.Contains($"QUOTE:{title}", await PlannedAsync());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class PlannedForMeOnSqlite(QuotePluginSqliteHost fixture) : PlannedForMeTests(fixture), IClassFixture<QuotePluginSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class PlannedForMeOnPostgres(QuotePluginPostgresHost fixture) : PlannedForMeTests(fixture), IClassFixture<QuotePluginPostgresHost>;
