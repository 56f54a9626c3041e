using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Platform;

/// <summary>
/// A disabled module's record type leaves the schema (its <c>CrmEntityType</c> value with it): the
/// lists that span every type (the feed, the run log) leave its records out rather than fail on a
/// value the schema lacks.
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
        }
        finally
        {
            await EnableLeadsAsync();
        }
    }

    /// <summary>A user who may read every lead and deal.</summary>
    private async Task<string> ReaderKeyAsync(string name)
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync(name);
        var role = await Host.CreateRoleAsync(name, [new { entityType = "LEAD", action = "READ", level = "ALL" }, new { entityType = "DEAL", action = "READ", level = "ALL" }]);
        (await Host.AssignAsync(role, userId: userId)).Ok();
        return key;
    }

    private async Task EnableLeadsAsync() =>
        (await Host.MutateAsync("enablePlugin", "mutation { enablePlugin(id: \"leads\") { module { state } errors { code message } } }")).Ok();
}

[Trait("Engine", "Sqlite")]
public sealed class DisabledRecordTypeOnSqlite(SqliteHost fixture) : DisabledRecordTypeTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DisabledRecordTypeOnPostgres(PostgresHost fixture) : DisabledRecordTypeTests(fixture), IClassFixture<PostgresHost>;
