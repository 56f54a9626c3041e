using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;
using static Crm.Host.Tests.Activities.ActivityTests;

namespace Crm.Host.Tests.Duplicates;

/// <summary>
/// <c>mergeRecords</c>: what named the removed records names the kept one (links both ways,
/// reference fields, activities, comments), the kept one takes the chosen values, the merge is on
/// its timeline; a dry run changes nothing; bounds and rights; and merges racing writes and each
/// other leave no reference to a removed record and no half merge.
/// </summary>
public abstract class MergeTests(DuplicatesHost fixture)
{
    private const string Merge = """
        mutation($t: CrmEntityType!, $ids: [ID!]!, $keep: ID!, $values: JSON, $dry: Boolean) {
          mergeRecords(entityType: $t, ids: $ids, keepId: $keep, values: $values, dryRun: $dry) {
            record { ... on Contact { id name companies { id } } ... on Company { id title } } removedIds movedReferences dryRun errors { code message path } } }
        """;

    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task Merging_contacts_moves_their_deals_companies_activities_and_comments_and_takes_the_chosen_values()
    {
        var field = await Host.CreateFieldAsync(new { entityType = "CONTACT", code = CustomFieldHelpers.NewCode("MERGE"), type = "STRING", label = "Merge note" });
        var note = field["fieldName"]!.GetValue<string>();
        var acme = await Host.CreateCompanyAsync(new { title = "Acme" });
        var globex = await Host.CreateCompanyAsync(new { title = "Globex" });
        var keep = await Host.CreateContactAsync(new { name = "Ann", companyIds = new[] { acme } });
        var other = await Host.CreateContactAsync(new Dictionary<string, object?> { ["name"] = "Anne", ["companyIds"] = new[] { globex, acme }, [note] = "from the other" });
        var deal = await Host.CreateDealAsync(new { title = "Talks", contactIds = new[] { other } });
        var both = await Host.CreateDealAsync(new { title = "Both", contactIds = new[] { other, keep } });
        var activity = (await Host.MutateAsync("createActivity", "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { code message } } }",
            new { input = new { typeId = "CALL", subject = "Call Anne", bindings = new[] { Bind("CONTACT", other) }, communications = new[] { new { type = "PHONE", value = "+48 600 100 200", entityType = "CONTACT", entityId = other } } } }))
            .Ok()["activity"]!["id"]!.GetValue<string>();
        (await Host.MutateAsync("addComment", "mutation($id: ID!) { addComment(entityType: CONTACT, entityId: $id, text: \"Met at the fair\") { errors { code } } }", new { id = other })).Ok();

        var merged = (await MergeAsync("CONTACT", [keep, other], keep, new JsonObject { ["name"] = "Anne", [note] = "from the other" })).Ok();
        Assert.Equal([other], merged["removedIds"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.False(merged["dryRun"]!.GetValue<bool>());
        Assert.Equal("Anne", merged["record"]!["name"]!.GetValue<string>());
        // Two deals, one activity (its binding and its communication), one comment.
        Assert.Equal(4, merged["movedReferences"]!.GetValue<int>());

        var after = (await Host.QueryAsync($$"""
            query($c: ID!, $d: ID!, $b: ID!, $a: ID!, $o: ID!) {
              contact(id: $c) { {{note}} companies { id } }
              d: deal(id: $d) { contactId contacts { id } }
              b: deal(id: $b) { contactId contacts { id } }
              activity(id: $a) { bindings { entityType id } communications { entityType entityId } }
              gone: contacts(where: { id: { eq: $o } }) { totalCount } }
            """, new { c = keep, d = deal, b = both, a = activity, o = other })).ShouldSucceed().Data!;
        Assert.Equal("from the other", after["contact"]![note]!.GetValue<string>());
        Assert.Equal([acme, globex], Records.Ids(after["contact"]!["companies"]));
        Assert.Equal(keep, after["d"]!["contactId"]!.GetValue<string>());
        Assert.Equal([keep], Records.Ids(after["b"]!["contacts"]));
        Assert.Equal([$"CONTACT:{keep}"], BindingsOf(after["activity"]!));
        Assert.Equal(keep, after["activity"]!["communications"]![0]!["entityId"]!.GetValue<string>());
        Assert.Equal(0, after["gone"]!["totalCount"]!.GetValue<int>());

        // The comment moved with its entry; the merge is on the kept record's timeline, the removed one's history under its own id.
        await Host.DeliverAsync();
        var timeline = (await Host.QueryAsync("query($id: ID!) { timeline(entityType: CONTACT, entityId: $id) { nodes { kind ... on RecordsMergedEntry { removedIds } } } }", new { id = keep })).ShouldSucceed();
        var kinds = timeline.Data!["timeline"]!["nodes"]!.AsArray().Select(n => n!["kind"]!.GetValue<string>()).ToList();
        Assert.Contains("recordsMerged", kinds);
        Assert.Contains("comment", kinds);
        Assert.Contains("deleted", (await Host.TimelineAsync("CONTACT", other)).Nodes().Select(n => n["kind"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Merging_companies_moves_their_contacts_and_the_deals_that_name_them()
    {
        var keep = await Host.CreateCompanyAsync(new { title = "Acme" });
        var other = await Host.CreateCompanyAsync(new { title = "ACME Inc." });
        var contact = await Host.CreateContactAsync(new { name = "Bob", companyIds = new[] { other } });
        var deal = await Host.CreateDealAsync(new { title = "Big one", companyId = other });

        (await MergeAsync("COMPANY", [other, keep], keep)).Ok();
        var after = (await Host.QueryAsync("query($c: ID!, $d: ID!) { contact(id: $c) { companies { id } } deal(id: $d) { companyId } }", new { c = contact, d = deal })).ShouldSucceed().Data!;
        Assert.Equal([keep], Records.Ids(after["contact"]!["companies"]));
        Assert.Equal(keep, after["deal"]!["companyId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_dry_run_answers_as_the_merge_would_and_changes_nothing()
    {
        var company = await Host.CreateCompanyAsync(new { title = "Dry" });
        var keep = await Host.CreateContactAsync(new { name = "Keep" });
        var other = await Host.CreateContactAsync(new { name = "Other", companyIds = new[] { company } });
        await Host.CreateDealAsync(new { title = "Dry deal", contactIds = new[] { other } });
        await Host.DeliverAsync();
        var before = await DatabaseState.CaptureAsync(Host);

        var dry = (await MergeAsync("CONTACT", [keep, other], keep, new JsonObject { ["name"] = "Merged" }, dryRun: true)).Ok();
        Assert.True(dry["dryRun"]!.GetValue<bool>());
        Assert.Equal("Merged", dry["record"]!["name"]!.GetValue<string>());
        Assert.Equal([other], dry["removedIds"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal(1, dry["movedReferences"]!.GetValue<int>()); // the deal; the company link is the kept one's own input
        await before.ShouldBeUnchangedAsync(Host, "a dry run of a merge");
    }

    [Fact]
    public async Task Bounds_and_rights_are_checked_before_anything_changes()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await Host.CreateContactAsync(new { name = "Bound " + i }));
        }

        var many = Enumerable.Range(1, 100).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
        Assert.Equal("LIMIT_EXCEEDED", (await MergeAsync("CONTACT", many, "1")).ErrorCode());
        Assert.Equal("VALIDATION", (await MergeAsync("CONTACT", [ids[0], ids[1]], ids[2])).ErrorCode());
        Assert.Equal("VALIDATION", (await MergeAsync("CONTACT", [ids[0], ids[0]], ids[0])).ErrorCode());
        Assert.Equal("INVALID_ID", (await MergeAsync("CONTACT", [ids[0], "x"], ids[0])).ErrorCode());
        Assert.Equal("VALIDATION", (await MergeAsync("ACTIVITY", ["1", "2"], "1")).ErrorCode());

        // Update on the kept one is not enough: the others need delete.
        var (userId, _, key) = await Host.NewUserWithKeyAsync("merger");
        var role = await Host.CreateRoleAsync("Contact editor " + Guid.NewGuid().ToString("N")[..6],
            [new { entityType = "CONTACT", action = "READ", level = "ALL" }, new { entityType = "CONTACT", action = "UPDATE", level = "ALL" }]);
        (await Host.AssignAsync(role, userId: userId)).Ok();
        Assert.Equal("FORBIDDEN", (await MergeAsync("CONTACT", [ids[0], ids[1]], ids[0], apiKey: key)).ErrorCode());
        var still = (await Host.QueryAsync("query($ids: [ID!]) { contacts(where: { id: { in: $ids } }) { totalCount } }", new { ids })).ShouldSucceed();
        Assert.Equal(3, still.Data!["contacts"]!["totalCount"]!.GetValue<int>());
        var before = await DatabaseState.CaptureAsync(Host);
        Assert.Equal("NOT_FOUND", (await MergeAsync("CONTACT", [ids[0], "99999999"], ids[0])).ErrorCode());
        await before.ShouldBeUnchangedAsync(Host, "a refused merge");
    }

    [Fact]
    public async Task Twenty_parallel_merges_over_overlapping_ids_and_updates_of_the_removed_leave_no_reference_to_a_removed_record()
    {
        var company = await Host.CreateCompanyAsync(new { title = "Race" });
        var contacts = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            contacts.Add(await Host.CreateContactAsync(new { name = "Racer " + i }));
        }

        var deals = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            deals.Add(await Host.CreateDealAsync(new { title = "Race " + i, contactIds = new[] { contacts[i], contacts[(i + 1) % 8] } }));
        }

        // Merges of neighbours (overlapping), and updates linking the contacts to the company meanwhile.
        var merges = Enumerable.Range(0, 20).Select(i => MergeAsync("CONTACT", [contacts[i % 8], contacts[(i + 1) % 8]], contacts[i % 8]));
        var updates = contacts.Select(c => Host.MutateAsync("updateContact", "mutation($id: ID!, $c: ID!) { updateContact(id: $id, input: { companyIds: [$c] }) { errors { code } } }", new { id = c, c = company }));
        var results = await Task.WhenAll(merges.Concat(updates));
        Assert.All(results, r => Assert.True(r["errors"]!.AsArray().Count == 0 || r.ErrorCode() is "NOT_FOUND" or "FORBIDDEN" or "CONFLICT", r.ToJsonString()));

        var alive = Records.Ids((await Host.QueryAsync("query($ids: [ID!]) { contacts(where: { id: { in: $ids } }, first: 50) { nodes { id } } }", new { ids = contacts })).ShouldSucceed().Data!["contacts"]!["nodes"]).ToHashSet();
        Assert.NotEmpty(alive);
        Assert.True(alive.Count < contacts.Count);
        var links = await Host.QueryRowsAsync($"SELECT contact_id FROM {Host.Table("deals", "deal_contacts")}");
        var named = links.Select(r => Convert.ToInt64(r.Values.Single(), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)).ToHashSet();
        Assert.Empty(named.Intersect(contacts).Except(alive));
        var companyLinks = await Host.QueryRowsAsync($"SELECT contact_id FROM {Host.Table("contacts", "contact_companies")}");
        Assert.Empty(companyLinks.Select(r => Convert.ToInt64(r.Values.Single(), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)).Intersect(contacts).Except(alive));
        var dealRows = (await Host.QueryAsync("query($ids: [ID!]) { deals(where: { id: { in: $ids } }) { nodes { contactId } } }", new { ids = deals })).ShouldSucceed();
        Assert.All(dealRows.Data!["deals"]!["nodes"]!.AsArray(), d => Assert.True(d!["contactId"] is null || alive.Contains(d["contactId"]!.GetValue<string>())));
    }

    private Task<JsonNode> MergeAsync(string type, IReadOnlyList<string> ids, string keep, JsonObject? values = null, bool dryRun = false, string apiKey = CrmHost.AdminKey) =>
        Host.MutateAsync("mergeRecords", Merge, new { t = type, ids, keep, values, dry = dryRun }, apiKey);
}

[Trait("Engine", "Sqlite")]
public sealed class MergeOnSqlite(DuplicatesSqliteHost fixture) : MergeTests(fixture), IClassFixture<DuplicatesSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class MergeOnPostgres(DuplicatesPostgresHost fixture) : MergeTests(fixture), IClassFixture<DuplicatesPostgresHost>;
