using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.BulkActions;

/// <summary>
/// The bulk actions other modules do and the stage moves: a comment and an activity on each record
/// with its timeline written and a record the owner may not read refused; open and close by what the
/// stage or status means; their bounds refused before a job is stored. Shares the bulk update tests' host.
/// </summary>
public abstract partial class BulkUpdateTests
{
    private const string StartOn = "mutation($t: CrmEntityType!, $ids: [ID!], $a: BulkActionInput!) { bulkUpdate(entityType: $t, ids: $ids, action: $a) { job { id } errors { code message path } } }";

    private async Task<JsonNode> BulkOnAsync(string type, string key, object action, string[] ids) =>
        (await Host.QueryAsync(StartOn, new { t = type, ids, a = action }, key)).ShouldSucceed().Data!["bulkUpdate"]!;

    private async Task<JsonNode> RanAsync(string type, string key, object action, string[] ids)
    {
        var job = (await BulkOnAsync(type, key, action, ids)).Ok()["job"]!["id"]!.GetValue<string>();
        await Host.RunJobsAsync();
        return await CountsAsync(job, key);
    }

    private async Task<List<(string Kind, string? Text)>> EntriesAsync(string type, string id) =>
        [.. (await Host.QueryAsync("query($t: CrmEntityType!, $id: ID!) { timeline(entityType: $t, entityId: $id, first: 20) { nodes { kind ... on TimelineCommentEntry { text } } } }", new { t = type, id }))
            .ShouldSucceed().Data!["timeline"]!["nodes"]!.AsArray().Select(n => (n!["kind"]!.GetValue<string>(), n["text"]?.GetValue<string>()))];

    [Fact]
    public async Task A_comment_and_an_activity_go_on_each_record_the_owner_may_read_and_its_timeline()
    {
        var marker = Records.NewMarker("note");
        var (me, key) = await UserAsync();
        var ids = new[] { await Host.CreateDealAsync(new { title = $"{marker} a" }), await Host.CreateDealAsync(new { title = $"{marker} b" }) };
        var gone = await Host.CreateDealAsync(new { title = $"{marker} gone" });
        (await Host.MutateAsync("deleteDeal", "mutation($id: ID!) { deleteDeal(id: $id) { deletedId errors { code } } }", new { id = gone })).Ok();

        Assert.Equal(("SUCCEEDED", 2L, 1L), Outcome(await RanAsync("DEAL", key, new { kind = "ADD_COMMENT", text = $"{marker} called all" }, [.. ids, gone])));
        foreach (var id in ids)
        {
            Assert.Contains(await EntriesAsync("DEAL", id), e => e.Text == $"{marker} called all");
        }

        var activity = new { subject = $"{marker} follow up", typeId = "CALL", responsibleId = me, deadline = "2026-12-04T17:00:00Z", priority = "HIGH" };
        Assert.Equal(("SUCCEEDED", 2L, 0L), Outcome(await RanAsync("DEAL", key, new { kind = "CREATE_ACTIVITY", activity }, ids)));
        var planned = (await Host.QueryAsync("query($s: String!) { activities(where: { subject: { eq: $s } }, first: 10) { nodes { typeId priority deadline responsible { id } bindings { entityType id } } } }",
            new { s = $"{marker} follow up" })).ShouldSucceed().Data!["activities"]!["nodes"]!.AsArray();
        Assert.Equal(ids.Order(StringComparer.Ordinal), planned.Select(a => a!["bindings"]![0]!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(planned, a => Assert.Equal(("CALL", "HIGH", me), (a!["typeId"]!.GetValue<string>(), a["priority"]!.GetValue<string>(), a["responsible"]!["id"]!.GetValue<string>())));
        Assert.All(planned, a => Assert.Equal(new DateTimeOffset(2026, 12, 4, 17, 0, 0, TimeSpan.Zero), DateTimeOffset.Parse(a!["deadline"]!.GetValue<string>(), CultureInfo.InvariantCulture)));
        await Host.DeliverAsync();
        foreach (var id in ids)
        {
            Assert.Single(await EntriesAsync("DEAL", id), e => e.Kind == "activityCreated");
        }
    }

    [Fact]
    public async Task Close_and_open_move_each_record_by_what_its_stage_or_status_means()
    {
        var marker = Records.NewMarker("close");
        var (_, key) = await UserAsync();
        var open = await Host.CreateDealAsync(new { title = $"{marker} open", stageId = "EXECUTING" });
        var lost = await Host.CreateDealAsync(new { title = $"{marker} lost", stageId = "LOSE" });

        // The lost deal is left as it is, counted unchanged.
        var closed = await RanAsync("DEAL", key, new { kind = "CLOSE", outcome = "FAILURE" }, [open, lost]);
        Assert.Equal((("SUCCEEDED", 1L, 0L), 1L), (Outcome(closed), Unchanged(closed)));
        Assert.Equal(["LOSE", "LOSE"], await StagesAsync(open, lost));
        await Host.DeliverAsync();
        Assert.Single(await EntriesAsync("DEAL", open), e => e.Kind == "stageChanged");
        Assert.DoesNotContain(await EntriesAsync("DEAL", lost), e => e.Kind == "stageChanged");

        Assert.Equal(("SUCCEEDED", 1L, 0L), Outcome(await RanAsync("DEAL", key, new { kind = "CLOSE", outcome = "SUCCESS" }, [open])));
        Assert.Equal(["WON", "LOSE"], await StagesAsync(open, lost));
        Assert.Equal(("SUCCEEDED", 2L, 0L), Outcome(await RanAsync("DEAL", key, new { kind = "OPEN" }, [open, lost])));
        Assert.Equal(["NEW", "NEW"], await StagesAsync(open, lost));

        // A lead closes as junk; its success is reached by conversion only, which its own update says per record.
        var lead = await Host.CreateLeadAsync(new { title = $"{marker} lead" });
        Assert.Equal(("SUCCEEDED", 1L, 0L), Outcome(await RanAsync("LEAD", CrmHost.AdminKey, new { kind = "CLOSE", outcome = "FAILURE" }, [lead])));
        Assert.Equal(("SUCCEEDED", 0L, 1L), Outcome(await RanAsync("LEAD", CrmHost.AdminKey, new { kind = "CLOSE", outcome = "SUCCESS" }, [lead])));
        Assert.Equal(("SUCCEEDED", 1L, 0L), Outcome(await RanAsync("LEAD", CrmHost.AdminKey, new { kind = "OPEN" }, [lead])));
        Assert.Equal("NEW", (await Host.QueryAsync("query($id: ID!) { lead(id: $id) { statusId } }", new { id = lead })).ShouldSucceed().Data!["lead"]!["statusId"]!.GetValue<string>());

        Assert.Equal("REQUIRED", (await BulkOnAsync("DEAL", key, new { kind = "CLOSE" }, [open])).ErrorCode());
        Assert.Equal("INVALID_VALUE", (await BulkOnAsync("CONTACT", CrmHost.AdminKey, new { kind = "CLOSE", outcome = "SUCCESS" }, ["1"])).ErrorCode());
    }

    [Fact]
    public async Task Activities_are_closed_by_completing_them_and_opened_again_each_as_its_owner_may()
    {
        var marker = Records.NewMarker("complete");
        var (_, key) = await UserAsync();
        var deal = await Host.CreateDealAsync(new { title = $"{marker} deal" });
        var contact = await Host.CreateContactAsync(new { name = marker });
        var onDeal = new[] { await ActivityAsync($"{marker} a", "DEAL", deal), await ActivityAsync($"{marker} b", "DEAL", deal) };
        // Bound to a contact only: the owner (deals' rights alone) may not complete it.
        var notTheirs = await ActivityAsync($"{marker} c", "CONTACT", contact);

        var closed = await RanAsync("ACTIVITY", key, new { kind = "CLOSE" }, [.. onDeal, notTheirs]);
        Assert.Equal((("SUCCEEDED", 2L, 1L), 0L), (Outcome(closed), Unchanged(closed)));
        Assert.Equal(new[] { true, true, false }, await CompletedAsync([.. onDeal, notTheirs]));
        // As completeActivity writes it: an activityCompleted entry on the deal's timeline for each.
        await Host.DeliverAsync();
        Assert.Equal(2, (await EntriesAsync("DEAL", deal)).Count(e => e.Kind == "activityCompleted"));

        // Closing a completed one again changes nothing, and says so.
        var again = await RanAsync("ACTIVITY", key, new { kind = "CLOSE" }, [onDeal[0]]);
        Assert.Equal((("SUCCEEDED", 0L, 0L), 1L), (Outcome(again), Unchanged(again)));

        // Rights come first: the one not theirs is refused, open or not.
        var opened = await RanAsync("ACTIVITY", key, new { kind = "OPEN" }, [onDeal[0], notTheirs]);
        Assert.Equal((("SUCCEEDED", 1L, 1L), 0L), (Outcome(opened), Unchanged(opened)));
        Assert.Equal(new[] { false, true, false }, await CompletedAsync([.. onDeal, notTheirs]));
        var openAgain = await RanAsync("ACTIVITY", key, new { kind = "OPEN" }, [onDeal[0]]);
        Assert.Equal((("SUCCEEDED", 0L, 0L), 1L), (Outcome(openAgain), Unchanged(openAgain)));
        // As reopenActivity writes it: the one reopened has an activityReopened entry, the one left as it was none.
        await Host.DeliverAsync();
        Assert.Single(await EntriesAsync("DEAL", deal), e => e.Kind == "activityReopened");
        // What completeActivity says of a completed one, it still says: the bulk way shares its code.
        Assert.Equal("ALREADY_COMPLETED", (await Host.MutateAsync("completeActivity", "mutation($id: ID!) { completeActivity(id: $id) { errors { code message path } } }", new { id = onDeal[1] }, key)).ErrorCode());
    }

    private async Task<string> ActivityAsync(string subject, string entityType, string id) =>
        (await Host.MutateAsync("createActivity", "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { code message path } } }",
            new { input = new { typeId = "TODO", subject, bindings = new[] { new { entityType, id } } } })).Ok()["activity"]!["id"]!.GetValue<string>();

    private async Task<bool[]> CompletedAsync(string[] ids)
    {
        var completed = new List<bool>();
        foreach (var id in ids)
        {
            completed.Add((await Host.QueryAsync("query($id: ID!) { activity(id: $id) { completed } }", new { id })).ShouldSucceed().Data!["activity"]!["completed"]!.GetValue<bool>());
        }

        return [.. completed];
    }

    private static long Unchanged(JsonNode job) => job["counts"]!["unchanged"]!.GetValue<long>();

    [Fact]
    public async Task Ten_times_the_comment_and_activity_bounds_are_refused_before_a_job_is_stored()
    {
        var (_, key) = await UserAsync();
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("long") });
        var refused = await BulkOnAsync("DEAL", key, new { kind = "ADD_COMMENT", text = new string('x', CommentMaxLength * 10) }, [deal]);
        Assert.Equal(("TOO_LONG", "action.text"), (refused.ErrorCode(), string.Join('.', refused["errors"]![0]!["path"]!.AsArray().Select(p => p!.GetValue<string>()))));
        var longSubject = await BulkOnAsync("DEAL", key, new { kind = "CREATE_ACTIVITY", activity = new { subject = new string('s', ActivitySubjectLength * 10) } }, [deal]);
        Assert.Equal(("TOO_LONG", "action.activity.subject"), (longSubject.ErrorCode(), string.Join('.', longSubject["errors"]![0]!["path"]!.AsArray().Select(p => p!.GetValue<string>()))));
        var tooMany = Enumerable.Range(0, AutomationMaxParameters * 10).ToDictionary(i => $"p{i}", _ => (object)1);
        Assert.Equal("LIMIT_EXCEEDED", (await BulkOnAsync("DEAL", key, new { kind = "CREATE_ACTIVITY", activity = tooMany }, [deal])).ErrorCode());
        Assert.Equal("REQUIRED", (await BulkOnAsync("DEAL", key, new { kind = "ADD_COMMENT" }, [deal])).ErrorCode());
        Assert.Empty((await Host.QueryAsync("{ myJobs { id } }", apiKey: key)).ShouldSucceed().Data!["myJobs"]!.AsArray());
    }

    // The documented limits: a comment's text (README, Limits) and an activity's subject.
    private const int CommentMaxLength = 10_000;
    private const int ActivitySubjectLength = 255;
    private const int AutomationMaxParameters = 50;

    private async Task<string[]> StagesAsync(params string[] ids)
    {
        var stages = new List<string>();
        foreach (var id in ids)
        {
            stages.Add((await Host.QueryAsync("query($id: ID!) { deal(id: $id) { stageId } }", new { id })).ShouldSucceed().Data!["deal"]!["stageId"]!.GetValue<string>());
        }

        return [.. stages];
    }
}
