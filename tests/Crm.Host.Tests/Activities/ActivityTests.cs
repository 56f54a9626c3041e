using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Plugins;
using Crm.Host.Tests.Timeline;

namespace Crm.Host.Tests.Activities;

/// <summary>
/// Activities through GraphQL: an ordinary record type bound to records of any type (the sample
/// plugin's quote included, with no code of its own for it), completed, limited, and removed with
/// the records it is bound to.
/// </summary>
public abstract class ActivityTests(QuotePluginHost fixture)
{
    public const string Fields = "id typeId providerId subject description descriptionType direction priority completed completedAt deadline responsible { id } bindings { entityType id }";

    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task An_activity_is_created_bound_to_records_of_any_type_read_changed_completed_once_and_deleted()
    {
        var dealId = await Host.CreateDealAsync(new { title = Records.NewMarker("Deal") });
        var contactId = await Host.CreateContactAsync(new { name = "Ann" });
        var quoteId = await CreateQuoteAsync();
        var subject = Records.NewMarker("Call");

        var created = (await CreateAsync(new
        {
            typeId = "CALL", subject, direction = "OUTGOING", deadline = "2026-12-01T10:00:00Z",
            descriptionType = "HTML", description = "<p onclick=\"steal()\">Agenda<script>alert(1)</script></p>",
            bindings = new[] { Bind("DEAL", dealId), Bind("CONTACT", contactId), Bind("QUOTE", quoteId) },
        })).Ok()["activity"]!;
        var id = created["id"]!.GetValue<string>();
        Assert.Equal("crm", created["providerId"]!.GetValue<string>());
        Assert.Equal("1", created["responsible"]!["id"]!.GetValue<string>());
        Assert.Equal("<p>Agenda</p>", created["description"]!.GetValue<string>());
        Assert.Equal(["CONTACT:" + contactId, "DEAL:" + dealId, "QUOTE:" + quoteId], BindingsOf(created));

        // A type a plugin declared, and the list of types.
        var types = (await Host.QueryAsync("{ activityTypes { id providerId } }")).ShouldSucceed();
        Assert.Contains(types.Data!["activityTypes"]!.AsArray(), t => t!["id"]!.GetValue<string>() == "QUOTE_REVIEW" && t["providerId"]!.GetValue<string>() == "sample_plugin");
        var review = (await CreateAsync(new { typeId = "QUOTE_REVIEW", subject = "Review", bindings = new[] { Bind("QUOTE", quoteId) } })).Ok()["activity"]!;
        Assert.Equal("sample_plugin", review["providerId"]!.GetValue<string>());
        Assert.Equal("INVALID_VALUE", (await CreateAsync(new { typeId = "NO_SUCH", subject = "x", bindings = new[] { Bind("DEAL", dealId) } })).ErrorCode());

        // Lists filter, order and search as for any type.
        var list = (await Host.QueryAsync("query($s: String!) { activities(search: $s, where: { typeId: { eq: \"CALL\" } }) { totalCount nodes { id } } }", new { s = subject })).ShouldSucceed();
        Assert.Equal([id], Records.Ids(list.Data!["activities"]!["nodes"]));

        var updated = (await UpdateAsync(id, new { subject = subject + " moved", bindings = new[] { Bind("DEAL", dealId) } })).Ok()["activity"]!;
        Assert.Equal(["DEAL:" + dealId], BindingsOf(updated));

        var completed = (await CompleteAsync(id)).Ok()["activity"]!;
        Assert.True(completed["completed"]!.GetValue<bool>());
        Assert.NotNull(completed["completedAt"]!.GetValue<string>());
        Assert.Equal("ALREADY_COMPLETED", (await CompleteAsync(id)).ErrorCode());

        var deleted = await Host.MutateAsync("deleteActivity", "mutation($id: ID!) { deleteActivity(id: $id) { deletedId errors { code message path } } }", new { id });
        Assert.Equal(id, deleted.Ok()["deletedId"]!.GetValue<string>());
        Assert.Empty(await Host.QueryRowsAsync($"SELECT record_id FROM {Host.Table("activities", "activity_bindings")} WHERE record_id = @p0", long.Parse(id, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_binding_to_a_missing_record_or_to_another_activity_is_refused_and_an_activity_needs_one()
    {
        var dealId = await Host.CreateDealAsync(new { title = "Bound" });
        var missing = await CreateAsync(new { typeId = "TODO", subject = "x", bindings = new[] { Bind("DEAL", dealId), Bind("DEAL", "999999999") } });
        Assert.Equal("NOT_FOUND", missing.ErrorCode());
        Assert.Equal("input.bindings.1", missing.ErrorPath());

        var none = await CreateAsync(new { typeId = "TODO", subject = "x", bindings = Array.Empty<object>() });
        Assert.Equal("REQUIRED", none.ErrorCode());
        Assert.Equal("REQUIRED", (await CreateAsync(new { typeId = "TODO", subject = "x" })).ErrorCode());

        var activityId = (await CreateAsync(new { typeId = "TODO", subject = "x", bindings = new[] { Bind("DEAL", dealId) } })).Ok()["activity"]!["id"]!.GetValue<string>();
        var onActivity = await CreateAsync(new { typeId = "TODO", subject = "x", bindings = new[] { Bind("ACTIVITY", activityId) } });
        Assert.Equal("INVALID_VALUE", onActivity.ErrorCode());
        Assert.Equal("input.bindings.0.entityType", onActivity.ErrorPath());
    }

    [Fact]
    public async Task Limits_refuse_ten_times_the_bindings_subject_and_description_before_any_work()
    {
        var dealId = await Host.CreateDealAsync(new { title = "Limited" });
        var many = Enumerable.Range(1, 100).Select(i => Bind("DEAL", i.ToString(CultureInfo.InvariantCulture))).ToArray();
        var tooMany = await CreateAsync(new { typeId = "TODO", subject = "x", bindings = many });
        Assert.Equal("LIMIT_EXCEEDED", tooMany.ErrorCode());
        Assert.Equal("input.bindings", tooMany.ErrorPath());

        var longSubject = await CreateAsync(new { typeId = "TODO", subject = new string('s', 2_550), bindings = new[] { Bind("DEAL", dealId) } });
        Assert.Equal("TOO_LONG", longSubject.ErrorCode());
        var longDescription = await CreateAsync(new { typeId = "TODO", subject = "x", description = new string('d', 200_000), bindings = new[] { Bind("DEAL", dealId) } });
        Assert.Equal("TOO_LONG", longDescription.ErrorCode());
    }

    [Fact]
    public async Task Deleting_a_bound_record_removes_its_bindings_and_an_activity_whose_last_binding_it_was_in_the_same_transaction()
    {
        var dealId = await Host.CreateDealAsync(new { title = "Kept" });
        var contactId = await Host.CreateContactAsync(new { name = "Gone" });
        var quoteId = await CreateQuoteAsync();
        var shared = (await CreateAsync(new { typeId = "MEETING", subject = "Both", bindings = new[] { Bind("DEAL", dealId), Bind("CONTACT", contactId) } })).Ok()["activity"]!["id"]!.GetValue<string>();
        var onlyContact = (await CreateAsync(new { typeId = "CALL", subject = "Contact only", bindings = new[] { Bind("CONTACT", contactId) } })).Ok()["activity"]!["id"]!.GetValue<string>();
        var onlyQuote = (await CreateAsync(new { typeId = "TODO", subject = "Quote only", bindings = new[] { Bind("QUOTE", quoteId) } })).Ok()["activity"]!["id"]!.GetValue<string>();

        (await Host.MutateAsync("deleteContact", "mutation($id: ID!) { deleteContact(id: $id) { deletedId errors { code message } } }", new { id = contactId })).Ok();
        (await Host.MutateAsync("deleteQuote", "mutation($id: ID!) { deleteQuote(id: $id) { deletedId errors { code message } } }", new { id = quoteId })).Ok();

        var left = (await Host.QueryAsync($"query($a: ID!, $b: ID!, $c: ID!) {{ a: activity(id: $a) {{ {Fields} }} b: activity(id: $b) {{ id }} c: activity(id: $c) {{ id }} }}",
            new { a = shared, b = onlyContact, c = onlyQuote }));
        Assert.Equal(["DEAL:" + dealId], BindingsOf(left.Data!["a"]!));
        Assert.Null(left.Data["b"]);
        Assert.Null(left.Data["c"]);
        Assert.Equal(["NOT_FOUND", "NOT_FOUND"], left.ErrorCodes);
        Assert.Empty(await Host.QueryRowsAsync($"SELECT record_id FROM {Host.Table("activities", "activity_bindings")} WHERE entity_type IN ('contact', 'quote') AND entity_id IN (@p0, @p1)",
            long.Parse(contactId, CultureInfo.InvariantCulture), long.Parse(quoteId, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Of_twenty_parallel_completions_and_then_reopenings_exactly_one_of_each_writes_and_publishes()
    {
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Reopened deal") });
        var id = (await CreateAsync(new { typeId = "TODO", subject = "Contested closing", bindings = new[] { Bind("DEAL", deal) } })).Ok()["activity"]!["id"]!.GetValue<string>();
        Assert.Equal("NOT_COMPLETED", (await ReopenAsync(id)).ErrorCode());

        var completions = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => CompleteAsync(id))));
        Assert.Equal(OneWriterAndRefused("ALREADY_COMPLETED"), completions.Select(FirstErrorCode).Order(StringComparer.Ordinal));
        var reopenings = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => ReopenAsync(id))));
        Assert.Equal(OneWriterAndRefused("NOT_COMPLETED"), reopenings.Select(FirstErrorCode).Order(StringComparer.Ordinal));
        var reopened = reopenings.Single(a => FirstErrorCode(a) is null)["activity"]!;
        Assert.Equal((false, (string?)null), (reopened["completed"]!.GetValue<bool>(), reopened["completedAt"]?.GetValue<string>()));

        var outbox = Host.Table("activities", "outbox");
        foreach (var kind in new[] { "activity.completed", "activity.reopened" })
        {
            Assert.Equal(1, await Host.CountAsync($"SELECT COUNT(*) FROM {outbox} WHERE entity_type = 'activity' AND entity_id = @p0 AND kind = @p1", long.Parse(id, CultureInfo.InvariantCulture), kind));
        }

        // Reopened, it completes again as any open one does.
        (await CompleteAsync(id)).Ok();
    }

    [Fact]
    public async Task Twenty_parallel_binding_changes_on_one_activity_leave_exactly_the_last_written_list()
    {
        var deals = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            deals.Add(await Host.CreateDealAsync(new { title = $"Parallel {i}" }));
        }

        var id = (await CreateAsync(new { typeId = "TODO", subject = "Contested", bindings = new[] { Bind("DEAL", deals[0]) } })).Ok()["activity"]!["id"]!.GetValue<string>();
        // Each writer binds the activity to two deals: its own and the next one.
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            UpdateAsync(id, new { bindings = new[] { Bind("DEAL", deals[i]), Bind("DEAL", deals[(i + 1) % 20]) } }))));

        Assert.All(answers, a => a.Ok());
        var rows = await Host.QueryRowsAsync($"SELECT entity_id FROM {Host.Table("activities", "activity_bindings")} WHERE record_id = @p0 ORDER BY entity_id", long.Parse(id, CultureInfo.InvariantCulture));
        Assert.Equal(2, rows.Count);
        var stored = rows.Select(r => Convert.ToInt64(r["entity_id"], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)).ToHashSet();
        Assert.Contains(answers, a => BindingsOf(a["activity"]!).Select(b => b.Split(':')[1]).ToHashSet().SetEquals(stored));
    }

    [Fact]
    public async Task Bindings_load_in_one_statement_per_level_whatever_the_page_size()
    {
        var marker = Records.NewMarker("Batch");
        var dealId = await Host.CreateDealAsync(new { title = marker });
        for (var i = 0; i < 6; i++)
        {
            (await CreateAsync(new { typeId = "TODO", subject = $"{marker} {i}", bindings = new[] { Bind("DEAL", dealId) } })).Ok();
        }

        async Task<int> StatementsAsync(int first) => (await Host.QueryAsync(
            "query($s: String!, $n: Int!) { activities(search: $s, first: $n) { nodes { id bindings { entityType id } } } }", new { s = marker, n = first })).ShouldSucceed().Statements;

        Assert.Equal(await StatementsAsync(2), await StatementsAsync(6));
    }

    [Fact]
    public async Task Every_record_type_lists_its_activities_planned_or_done_in_one_statement_per_level()
    {
        var marker = Records.NewMarker("PerRecord");
        var deals = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var dealId = await Host.CreateDealAsync(new { title = $"{marker} {i}" });
            deals.Add(dealId);
            var done = (await CreateAsync(new { typeId = "CALL", subject = $"Done {i}", deadline = "2026-11-01T09:00:00Z", bindings = new[] { Bind("DEAL", dealId) } })).Ok()["activity"]!["id"]!.GetValue<string>();
            (await CompleteAsync(done)).Ok();
            (await CreateAsync(new { typeId = "TODO", subject = $"Later {i}", deadline = "2026-12-01T09:00:00Z", bindings = new[] { Bind("DEAL", dealId) } })).Ok();
            (await CreateAsync(new { typeId = "TODO", subject = $"Sooner {i}", deadline = "2026-11-20T09:00:00Z", bindings = new[] { Bind("DEAL", dealId) } })).Ok();
        }

        const string Query = "query($s: String!, $n: Int!) { deals(where: { title: { startsWith: $s } }, order: [{ title: ASC }], first: $n) { nodes { id planned: activities(planned: true) { subject } done: activities(planned: false) { subject } all: activities(first: 2) { subject } } } }";
        var small = (await Host.QueryAsync(Query, new { s = marker, n = 2 })).ShouldSucceed();
        var large = (await Host.QueryAsync(Query, new { s = marker, n = 6 })).ShouldSucceed();
        Assert.Equal(small.Statements, large.Statements);

        var first = large.Data!["deals"]!["nodes"]![0]!;
        Assert.Equal(["Sooner 0", "Later 0"], first["planned"]!.AsArray().Select(a => a!["subject"]!.GetValue<string>()));
        Assert.Equal(["Done 0"], first["done"]!.AsArray().Select(a => a!["subject"]!.GetValue<string>()));
        Assert.Equal(["Done 0", "Sooner 0"], first["all"]!.AsArray().Select(a => a!["subject"]!.GetValue<string>()));

        // The plugin's type gets the field with no code of its own.
        var quoteId = await CreateQuoteAsync();
        (await CreateAsync(new { typeId = "QUOTE_REVIEW", subject = "Review the offer", bindings = new[] { Bind("QUOTE", quoteId) } })).Ok();
        var quote = (await Host.QueryAsync("query($id: ID!) { quote(id: $id) { activities(planned: true) { subject typeId } } }", new { id = quoteId })).ShouldSucceed();
        Assert.Equal("Review the offer", quote.Data!["quote"]!["activities"]![0]!["subject"]!.GetValue<string>());

        var tooMany = await Host.QueryAsync("query($id: ID!) { quote(id: $id) { activities(first: 2000) { id } } }", new { id = quoteId });
        Assert.Contains("LIMIT_EXCEEDED", tooMany.ErrorCodes);
    }

    [Fact]
    public async Task My_activities_are_mine_as_responsible_overdue_first_with_counts_per_day_over_a_bounded_range()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("calendar-owner");
        var dealId = await Host.CreateDealAsync(new { title = "Calendar" });
        async Task<string> MineAsync(string subject, string? deadline) =>
            (await CreateAsync(new { typeId = "TODO", subject, deadline, responsibleId = userId, bindings = new[] { Bind("DEAL", dealId) } })).Ok()["activity"]!["id"]!.GetValue<string>();
        await MineAsync("Next week", "2026-11-10T09:00:00Z");
        await MineAsync("Someday", null);
        await MineAsync("Overdue", "2026-10-01T09:00:00Z");
        await MineAsync("Same day", "2026-11-10T15:00:00Z");
        var done = await MineAsync("Done", "2026-10-15T09:00:00Z");
        (await CompleteAsync(done)).Ok();
        (await CreateAsync(new { typeId = "TODO", subject = "Someone else's", deadline = "2026-10-02T09:00:00Z", bindings = new[] { Bind("DEAL", dealId) } })).Ok();

        var planned = (await Host.QueryAsync("{ myActivities { totalCount nodes { subject } } }", apiKey: key)).ShouldSucceed();
        Assert.Equal(["Overdue", "Next week", "Same day", "Someday"], planned.Data!["myActivities"]!["nodes"]!.AsArray().Select(n => n!["subject"]!.GetValue<string>()));
        var completed = (await Host.QueryAsync("{ myActivities(planned: false) { nodes { subject } } }", apiKey: key)).ShouldSucceed();
        Assert.Equal(["Done"], completed.Data!["myActivities"]!["nodes"]!.AsArray().Select(n => n!["subject"]!.GetValue<string>()));

        var counts = (await Host.QueryAsync("{ myActivityCounts(from: \"2026-10-01\", to: \"2026-11-30\") { day count } }", apiKey: key)).ShouldSucceed();
        Assert.Equal(["2026-10-01:1", "2026-11-10:2"], counts.Data!["myActivityCounts"]!.AsArray().Select(d => $"{d!["day"]!.GetValue<string>()}:{d["count"]!.GetValue<int>()}"));

        var tooLong = await Host.QueryAsync("{ myActivityCounts(from: \"2026-01-01\", to: \"2027-09-12\") { day count } }", apiKey: key);
        Assert.Contains("LIMIT_EXCEEDED", tooLong.ErrorCodes);
    }

    public static object Bind(string entityType, string id) => new { entityType, id };

    public static IReadOnlyList<string> BindingsOf(JsonNode activity) =>
        activity["bindings"]!.AsArray().Select(b => $"{b!["entityType"]!.GetValue<string>()}:{b["id"]!.GetValue<string>()}").Order(StringComparer.Ordinal).ToList();

    private async Task<string> CreateQuoteAsync() =>
        (await Host.MutateAsync("createQuote", "mutation { createQuote(input: { title: \"Offer\" }) { quote { id } errors { code message } } }")).Ok()["quote"]!["id"]!.GetValue<string>();

    private Task<JsonNode> CreateAsync(object input, string apiKey = CrmHost.AdminKey) =>
        Host.MutateAsync("createActivity", $"mutation($input: CreateActivityInput!) {{ createActivity(input: $input) {{ activity {{ {Fields} }} errors {{ code message path }} }} }}", new { input }, apiKey);

    private Task<JsonNode> UpdateAsync(string id, object input, string apiKey = CrmHost.AdminKey) =>
        Host.MutateAsync("updateActivity", $"mutation($id: ID!, $input: UpdateActivityInput!) {{ updateActivity(id: $id, input: $input) {{ activity {{ {Fields} }} errors {{ code message path }} }} }}", new { id, input }, apiKey);

    private Task<JsonNode> CompleteAsync(string id, string apiKey = CrmHost.AdminKey) =>
        Host.MutateAsync("completeActivity", $"mutation($id: ID!) {{ completeActivity(id: $id) {{ activity {{ {Fields} }} errors {{ code message path }} }} }}", new { id }, apiKey);

    /// <summary>Twenty answers' error codes in order: one without (null, the writer), nineteen refused with the code.</summary>
    private static string?[] OneWriterAndRefused(string code) => [null, .. Enumerable.Repeat(code, 19)];

    private static string? FirstErrorCode(JsonNode payload) => payload["errors"]!.AsArray().FirstOrDefault()?["code"]!.GetValue<string>();

    private Task<JsonNode> ReopenAsync(string id, string apiKey = CrmHost.AdminKey) =>
        Host.MutateAsync("reopenActivity", $"mutation($id: ID!) {{ reopenActivity(id: $id) {{ activity {{ {Fields} }} errors {{ code message path }} }} }}", new { id }, apiKey);
}

[Trait("Engine", "Sqlite")]
public sealed class ActivitiesOnSqlite(QuotePluginSqliteHost fixture) : ActivityTests(fixture), IClassFixture<QuotePluginSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ActivitiesOnPostgres(QuotePluginPostgresHost fixture) : ActivityTests(fixture), IClassFixture<QuotePluginPostgresHost>;
