using System.Text.Json.Nodes;
using Crm.Host.Tests.Import;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Platform;

/// <summary>
/// A disabled module's record type leaves the schema (its <c>CrmEntityType</c> value with it): the
/// lists that span every type (the feed, the run log) leave its records out rather than fail on a
/// value the schema lacks. Its jobs run when a test says (a job queued before the disable runs after it).
/// </summary>
public abstract class DisabledRecordTypeTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task The_feed_leaves_out_the_entries_of_a_disabled_record_type()
    {
        var marker = Records.NewMarker("Disabled lead ");
        await Host.CreateLeadAsync(new { title = marker });
        await Host.DeliverAsync();
        // The administrator reads every entry; a user, the entries of the types they may read (one condition per type).
        var key = await ReaderKeyAsync("feed-reader");
        foreach (var apiKey in new[] { CrmHost.AdminKey, key })
        {
            var before = (await Host.QueryAsync("{ feed(first: 50) { nodes { entityType } } }", apiKey: apiKey)).ShouldSucceed();
            Assert.Contains(before.Data!["feed"]!["nodes"]!.AsArray(), n => n!["entityType"]!.GetValue<string>() == "LEAD");
        }

        (await Host.MutateAsync("disablePlugin", "mutation { disablePlugin(id: \"leads\") { module { state } errors { code message } } }")).Ok();
        try
        {
            foreach (var apiKey in new[] { CrmHost.AdminKey, key })
            {
                var during = (await Host.QueryAsync("{ feed(first: 50) { nodes { entityType } } }", apiKey: apiKey)).ShouldSucceed();
                Assert.DoesNotContain(during.Data!["feed"]!["nodes"]!.AsArray(), n => n!["entityType"]!.GetValue<string>() == "LEAD");
            }
        }
        finally
        {
            await EnableLeadsAsync();
        }
    }

    [Fact]
    public async Task The_run_log_leaves_out_the_runs_of_a_disabled_record_type()
    {
        var marker = Records.NewMarker("Ruled lead ");
        var rule = (await Host.MutateAsync("createAutomationRule",
            "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: LEAD, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = marker, trigger = new { kind = "records.created" }, condition = new { field = "title", op = "eq", value = marker }, actions = new[] { new { kind = "timeline.addComment", @params = new { text = marker } } } } })).Ok()["rule"]!["id"]!.GetValue<string>();
        (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id = rule })).Ok();
        await Host.CreateLeadAsync(new { title = marker });
        await Host.DeliverAsync();
        // The settings right reads every run; a user, the runs of the records they may read (one condition per type).
        var key = await ReaderKeyAsync("run-reader");
        foreach (var apiKey in new[] { CrmHost.AdminKey, key })
        {
            var before = (await Host.QueryAsync("{ automationRuns(first: 50) { entityType } }", apiKey: apiKey)).ShouldSucceed();
            Assert.Contains(before.Data!["automationRuns"]!.AsArray(), n => n!["entityType"]!.GetValue<string>() == "LEAD");
        }

        (await Host.MutateAsync("disablePlugin", "mutation { disablePlugin(id: \"leads\") { module { state } errors { code message } } }")).Ok();
        try
        {
            foreach (var apiKey in new[] { CrmHost.AdminKey, key })
            {
                var during = (await Host.QueryAsync("{ automationRuns(first: 50) { entityType } }", apiKey: apiKey)).ShouldSucceed();
                Assert.DoesNotContain(during.Data!["automationRuns"]!.AsArray(), n => n!["entityType"]!.GetValue<string>() == "LEAD");
            }

            // The rules likewise (stored, listed again once enabled).
            var rules = (await Host.QueryAsync("{ automationRules { id entityType } }")).ShouldSucceed().Data!["automationRules"]!.AsArray();
            Assert.DoesNotContain(rules, r => r!["id"]!.GetValue<string>() == rule);
        }
        finally
        {
            await EnableLeadsAsync();
        }

        Assert.Contains((await Host.QueryAsync("{ automationRules { id entityType } }")).ShouldSucceed().Data!["automationRules"]!.AsArray(), r => r!["id"]!.GetValue<string>() == rule);
    }

    [Fact]
    public async Task An_activitys_binding_to_a_disabled_record_type_is_left_out_of_the_activity_and_the_planned_items()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("planner-of-leads");
        var lead = await Host.CreateLeadAsync(new { title = Records.NewMarker("Planned lead ") });
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Planned deal ") });
        var subject = Records.NewMarker("Call about the lead ");
        var activity = (await Host.MutateAsync("createActivity", "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { code message } } }",
            new { input = new { typeId = "CALL", subject, deadline = "2020-01-01T09:00:00Z", responsibleId = userId, bindings = new object[] { new { entityType = "LEAD", id = lead }, new { entityType = "DEAL", id = deal } } } }))
            .Ok()["activity"]!["id"]!.GetValue<string>();
        const string Bindings = "query($id: ID!) { activity(id: $id) { bindings { entityType id } } }";
        // The responsible user reads it among their planned items (as its responsible, whatever the records' rights).
        const string Planned = "{ feed(first: 1, planned: 50) { planned { entityType title record { ... on Activity { bindings { entityType } } } } } }";
        static List<string> Types(JsonNode? bindings) => bindings!.AsArray().Select(b => b!["entityType"]!.GetValue<string>()).ToList();
        JsonNode? Item(GraphQLResponse page) => page.Data!["feed"]!["planned"]!.AsArray().Single(i => i!["title"]!.GetValue<string>() == subject);

        Assert.Equal(["DEAL", "LEAD"], Types((await Host.QueryAsync(Bindings, new { id = activity })).ShouldSucceed().Data!["activity"]!["bindings"]));
        Assert.Equal(["DEAL", "LEAD"], Types(Item((await Host.QueryAsync(Planned, apiKey: key)).ShouldSucceed())!["record"]!["bindings"]));

        (await Host.MutateAsync("disablePlugin", "mutation { disablePlugin(id: \"leads\") { module { state } errors { code message } } }")).Ok();
        try
        {
            Assert.Equal(["DEAL"], Types((await Host.QueryAsync(Bindings, new { id = activity })).ShouldSucceed().Data!["activity"]!["bindings"]));
            var item = Item((await Host.QueryAsync(Planned, apiKey: key)).ShouldSucceed())!;
            Assert.Equal("ACTIVITY", item["entityType"]!.GetValue<string>());
            Assert.Equal(["DEAL"], Types(item["record"]!["bindings"]));
        }
        finally
        {
            await EnableLeadsAsync();
        }

        // Stored all along: shown again once the module is back.
        Assert.Equal(["DEAL", "LEAD"], Types((await Host.QueryAsync(Bindings, new { id = activity })).ShouldSucceed().Data!["activity"]!["bindings"]));
    }

    [Fact]
    public async Task My_mentions_leave_out_the_comments_on_records_of_a_disabled_type()
    {
        var (userId, key) = await ReaderAsync("mentioned-on-lead");
        var lead = await Host.CreateLeadAsync(new { title = Records.NewMarker("Mentioned lead ") });
        (await Host.MutateAsync("addComment", "mutation($id: ID!, $text: String!) { addComment(entityType: LEAD, entityId: $id, text: $text) { errors { code message } } }",
            new { id = lead, text = $"Look at it, @[user:{userId}]" })).Ok();
        await Host.DeliverAsync();
        const string Mentions = "{ myMentions(first: 50) { nodes { entityType } } }";
        static List<string> Types(GraphQLResponse page) => page.Data!["myMentions"]!["nodes"]!.AsArray().Select(n => n!["entityType"]!.GetValue<string>()).ToList();

        Assert.Contains("LEAD", Types((await Host.QueryAsync(Mentions, apiKey: key)).ShouldSucceed()));
        (await Host.MutateAsync("disablePlugin", "mutation { disablePlugin(id: \"leads\") { module { state } errors { code message } } }")).Ok();
        try
        {
            Assert.DoesNotContain("LEAD", Types((await Host.QueryAsync(Mentions, apiKey: key)).ShouldSucceed()));
        }
        finally
        {
            await EnableLeadsAsync();
        }
    }

    [Fact]
    public async Task A_notification_about_a_record_of_a_disabled_type_is_listed_without_its_record()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("notified-of-lead");
        var text = Records.NewMarker("About the lead ");
        var rule = (await Host.MutateAsync("createAutomationRule", "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: LEAD, input: $input) { rule { id } errors { code message path } } }",
            new { input = new { name = text, trigger = new { kind = "platform.manual" }, actions = new[] { new { kind = "timeline.notify", @params = new { userId, text, aboutRecord = true } } } } }))
            .Ok()["rule"]!["id"]!.GetValue<string>();
        (await Host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message } } }", new { id = rule })).Ok();
        var lead = await Host.CreateLeadAsync(new { title = text });
        (await Host.MutateAsync("startAutomationRule", "mutation($r: ID!, $d: ID!) { startAutomationRule(ruleId: $r, recordId: $d) { run { status } errors { code message } } }", new { r = rule, d = lead })).Ok();
        const string Mine = "{ notifications { text entityType entityId } unreadNotificationCount }";
        string About(GraphQLResponse listed) => string.Join(",", listed.Data!["notifications"]!.AsArray().Where(n => n!["text"]!.GetValue<string>() == text)
            .Select(n => $"{n!["entityType"]?.GetValue<string>()}:{n["entityId"]?.GetValue<string>()}"));

        Assert.Equal($"LEAD:{lead}", About((await Host.QueryAsync(Mine, apiKey: key)).ShouldSucceed()));
        (await Host.MutateAsync("disablePlugin", "mutation { disablePlugin(id: \"leads\") { module { state } errors { code message } } }")).Ok();
        try
        {
            var during = (await Host.QueryAsync(Mine, apiKey: key)).ShouldSucceed();
            Assert.Equal(":", About(during));
            Assert.Equal(1, during.Data!["unreadNotificationCount"]!.GetValue<int>());
        }
        finally
        {
            await EnableLeadsAsync();
        }

        Assert.Equal($"LEAD:{lead}", About((await Host.QueryAsync(Mine, apiKey: key)).ShouldSucceed()));
    }

    [Fact]
    public async Task A_rule_action_naming_a_disabled_record_type_is_refused_with_a_clear_error()
    {
        const string Create = "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }";
        object Input(string name) => new { input = new { name, trigger = new { kind = "records.created" }, actions = new[] { new { kind = "records.create", @params = new { entityType = "lead", fields = new { title = name } } } } } };

        (await Host.MutateAsync("disablePlugin", "mutation { disablePlugin(id: \"leads\") { module { state } errors { code message } } }")).Ok();
        try
        {
            var refused = (await Host.QueryAsync(Create, Input(Records.NewMarker("Makes a lead ")))).ShouldSucceed().Data!["createAutomationRule"]!;
            Assert.Null(refused["rule"]);
            var error = Assert.Single(refused["errors"]!.AsArray())!;
            Assert.Equal("INVALID_VALUE", error["code"]!.GetValue<string>());
            Assert.Equal("'entityType' names the record type 'lead', whose module is disabled.", error["message"]!.GetValue<string>());
        }
        finally
        {
            await EnableLeadsAsync();
        }

        // The same rule is taken once the module is back.
        (await Host.MutateAsync("createAutomationRule", Create, Input(Records.NewMarker("Makes a lead ")))).Ok();
    }

    [Fact]
    public async Task An_export_an_import_and_a_bulk_update_queued_before_the_disable_fail_with_a_clear_error()
    {
        var lead = await Host.CreateLeadAsync(new { title = Records.NewMarker("Queued lead ") });
        var import = (await Host.StartImportAsync("LEAD", await Host.UploadAsync(ImportFiles.Utf8("title\nImported while disabled\n")), new { mapping = new[] { new { column = "title", field = "title" } } })).Ok()["job"]!["id"]!.GetValue<string>();
        var export = (await Host.ExportAsync(CrmHost.AdminKey, "LEAD")).Ok()["job"]!["id"]!.GetValue<string>();
        var bulk = (await Host.MutateAsync("bulkUpdate", "mutation($ids: [ID!], $a: BulkActionInput!) { bulkUpdate(entityType: LEAD, ids: $ids, action: $a) { job { id } errors { code message path } } }",
            new { ids = new[] { lead }, a = new { kind = "SET_FIELDS", fields = new { title = "Changed while disabled" } } })).Ok()["job"]!["id"]!.GetValue<string>();

        (await Host.MutateAsync("disablePlugin", "mutation { disablePlugin(id: \"leads\") { module { state } errors { code message } } }")).Ok();
        try
        {
            // A new one cannot be started: the type's value is out of the schema.
            Assert.Equal(["VALIDATION"], (await Host.QueryAsync("mutation { exportRecords(entityType: LEAD, format: CSV) { job { id } } }")).ErrorCodes);
            await Host.RunJobsAsync();
            foreach (var id in new[] { export, import, bulk })
            {
                var job = (await Host.JobAsync(id))!;
                Assert.Equal(("FAILED", "CONFLICT", "The record type 'lead' is out of service: its module is disabled."),
                    (job["state"]!.GetValue<string>(), job["errorCode"]!.GetValue<string>(), job["error"]!.GetValue<string>()));
            }
        }
        finally
        {
            await EnableLeadsAsync();
        }
    }

    /// <summary>A user who may read every lead and deal.</summary>
    private async Task<string> ReaderKeyAsync(string name) => (await ReaderAsync(name)).Key;

    private async Task<(string Id, string Key)> ReaderAsync(string name)
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync(name);
        var role = await Host.CreateRoleAsync(name, [new { entityType = "LEAD", action = "READ", level = "ALL" }, new { entityType = "DEAL", action = "READ", level = "ALL" }]);
        (await Host.AssignAsync(role, userId: userId)).Ok();
        return (userId, key);
    }

    private async Task EnableLeadsAsync() =>
        (await Host.MutateAsync("enablePlugin", "mutation { enablePlugin(id: \"leads\") { module { state } errors { code message } } }")).Ok();
}

[Trait("Engine", "Sqlite")]
public sealed class DisabledRecordTypeOnSqlite(JobsSqliteHost fixture) : DisabledRecordTypeTests(fixture), IClassFixture<JobsSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DisabledRecordTypeOnPostgres(JobsPostgresHost fixture) : DisabledRecordTypeTests(fixture), IClassFixture<JobsPostgresHost>;
