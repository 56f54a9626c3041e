using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Plugins;
using static Crm.Host.Tests.Activities.ActivityTests;

namespace Crm.Host.Tests.Timeline;

/// <summary>The sample plugin loaded, and events delivered only when a test says so.</summary>
public abstract class DeclaredKindsHost(Engine engine) : QuotePluginHost(engine)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Events:WakeUp"] = "false",
        ["Events:PollInterval"] = "01:00:00",
    };
}

public sealed class DeclaredKindsSqliteHost() : DeclaredKindsHost(Engine.Sqlite);

public sealed class DeclaredKindsPostgresHost() : DeclaredKindsHost(Engine.Postgres);

/// <summary>
/// Timeline kinds that modules and plugins declare through the SDK (ITimelineKinds): an activity's
/// entries on each record it is bound to, and the sample plugin's own typed kind, with no code
/// in the Timeline module for either.
/// </summary>
public abstract class DeclaredKindsTests(DeclaredKindsHost fixture)
{
    private const string ActivityEntryFields =
        "activityId typeId providerId subject startTime endTime deadline responsibleId";

    private const string Entries =
        "id kind entityType entityId actor { kind userId via } "
        + "... on ActivityCreatedEntry { " + ActivityEntryFields + " } "
        + "... on ActivityRescheduledEntry { " + ActivityEntryFields + " previousStartTime previousEndTime previousDeadline } "
        + "... on ActivityCompletedEntry { " + ActivityEntryFields + " completedAt } "
        + "... on ActivityReopenedEntry { " + ActivityEntryFields + " previousCompletedAt } "
        + "... on QuoteAcceptedEntry { quoteId title amount daysToSpare onDeal acceptedAt price }";

    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static DateTimeOffset When(JsonNode? node) => DateTimeOffset.Parse(Str(node), CultureInfo.InvariantCulture);

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_activity_bound_to_a_deal_and_a_quote_shows_on_both_timelines_once_per_change_with_its_actor()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("activity-timeline");
        var role = await Host.CreateRoleAsync("Deal and quote reader", [new { entityType = "DEAL", action = "READ", level = "ALL" }, new { entityType = "QUOTE", action = "READ", level = "ALL" }]);
        (await Host.AssignAsync(role, userId: userId)).Ok();
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Timeline deal") });
        var quote = (await Host.MutateAsync("createQuote", "mutation { createQuote(input: { title: \"Offer\" }) { quote { id } errors { code message } } }")).Ok()["quote"]!["id"]!.GetValue<string>();
        var subject = Records.NewMarker("Call");

        var activity = (await Host.MutateAsync("createActivity", "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { code message path } } }",
            new { input = new { typeId = "CALL", subject, startTime = "2026-12-01T10:00:00Z", endTime = "2026-12-01T10:30:00Z", deadline = "2026-12-01T12:00:00Z", bindings = new[] { Bind("DEAL", deal), Bind("QUOTE", quote) } } }, key))
            .Ok()["activity"]!["id"]!.GetValue<string>();
        const string Update = "mutation($id: ID!, $input: UpdateActivityInput!) { updateActivity(id: $id, input: $input) { activity { id } errors { code message path } } }";
        // A change of subject alone is no rescheduling; a new deadline is.
        (await Host.MutateAsync("updateActivity", Update, new { id = activity, input = new { subject = subject + " (agenda)" } }, key)).Ok();
        (await Host.MutateAsync("updateActivity", Update, new { id = activity, input = new { deadline = "2026-12-02T12:00:00Z" } }, key)).Ok();
        // A refused change publishes nothing.
        Assert.Equal("INVALID_VALUE", (await Host.MutateAsync("updateActivity", Update, new { id = activity, input = new { deadline = "2026-12-03T12:00:00Z", priority = "URGENT" } }, key)).ErrorCode());
        (await Host.MutateAsync("completeActivity", "mutation($id: ID!) { completeActivity(id: $id) { activity { id } errors { code message path } } }", new { id = activity }, key)).Ok();
        (await Host.MutateAsync("reopenActivity", "mutation($id: ID!) { reopenActivity(id: $id) { activity { id } errors { code message path } } }", new { id = activity }, key)).Ok();
        await Host.DeliverAsync();

        foreach (var (type, id) in new[] { ("DEAL", deal), ("QUOTE", quote) })
        {
            var entries = (await Host.QueryAsync($"query($t: CrmEntityType!, $id: ID!) {{ timeline(entityType: $t, entityId: $id) {{ nodes {{ {Entries} }} }} }}", new { t = type, id }))
                .Nodes().Where(n => Str(n["kind"]).StartsWith("activity", StringComparison.Ordinal)).ToList();
            Assert.Equal(["activityReopened", "activityCompleted", "activityRescheduled", "activityCreated"], entries.Select(n => Str(n["kind"])));
            foreach (var entry in entries)
            {
                Assert.Equal((type, id, activity, "CALL", "crm", userId), (Str(entry["entityType"]), Str(entry["entityId"]), Str(entry["activityId"]), Str(entry["typeId"]), Str(entry["providerId"]), Str(entry["responsibleId"])));
                Assert.Equal(("API_KEY", userId, "graphql"), (Str(entry["actor"]!["kind"]), Str(entry["actor"]!["userId"]), Str(entry["actor"]!["via"])));
            }

            var (reopened, completed, rescheduled, created) = (entries[0], entries[1], entries[2], entries[3]);
            Assert.Equal((subject, At("2026-12-01T10:00:00Z"), At("2026-12-01T10:30:00Z"), At("2026-12-01T12:00:00Z")),
                (Str(created["subject"]), When(created["startTime"]), When(created["endTime"]), When(created["deadline"])));
            Assert.Equal((subject + " (agenda)", At("2026-12-01T12:00:00Z"), At("2026-12-02T12:00:00Z"), At("2026-12-01T10:00:00Z"), At("2026-12-01T10:00:00Z")),
                (Str(rescheduled["subject"]), When(rescheduled["previousDeadline"]), When(rescheduled["deadline"]), When(rescheduled["previousStartTime"]), When(rescheduled["startTime"])));
            Assert.Equal(At("2026-12-02T12:00:00Z"), When(completed["deadline"]));
            Assert.NotNull(completed["completedAt"]);
            // The reopening tells which completion it cleared (as stored: PostgreSQL keeps microseconds, the completion's event ticks).
            Assert.Equal((subject + " (agenda)", At("2026-12-02T12:00:00Z")), (Str(reopened["subject"]), When(reopened["deadline"])));
            Assert.InRange(When(completed["completedAt"]) - When(reopened["previousCompletedAt"]), -TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1));
        }

        // The outbox delivers at least once: the activity's events delivered again write nothing.
        var outbox = Host.Table("activities", "outbox");
        var entryCount = await ActivityEntryCountAsync();
        Assert.Equal(8, entryCount);
        await Host.QueryRowsAsync($"UPDATE {outbox} SET processed_at = NULL WHERE entity_type = 'activity' AND entity_id = @p0", long.Parse(activity, CultureInfo.InvariantCulture));
        await Host.DeliverAsync();
        Assert.Equal(0, await Host.CountAsync($"SELECT COUNT(*) FROM {outbox} WHERE entity_type = 'activity' AND entity_id = @p0 AND processed_at IS NULL", long.Parse(activity, CultureInfo.InvariantCulture)));
        Assert.Equal(entryCount, await ActivityEntryCountAsync());

        Task<long> ActivityEntryCountAsync() => Host.CountAsync(
            $"SELECT COUNT(*) FROM {Host.Table("timeline", "entries")} WHERE kind LIKE 'activity%' AND ((entity_type = 'deal' AND entity_id = @p0) OR (entity_type = 'quote' AND entity_id = @p1))",
            long.Parse(deal, CultureInfo.InvariantCulture), long.Parse(quote, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Twenty_parallel_reschedulings_of_one_activity_each_tell_the_times_the_one_before_left()
    {
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Rescheduled deal") });
        var activity = (await Host.MutateAsync("createActivity", "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { code message path } } }",
            new { input = new { typeId = "MEETING", subject = "Contested", deadline = "2026-12-01T00:00:00Z", bindings = new[] { Bind("DEAL", deal) } } }))
            .Ok()["activity"]!["id"]!.GetValue<string>();
        var answers = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => Task.Run(() => Host.MutateAsync("updateActivity",
            "mutation($id: ID!, $input: UpdateActivityInput!) { updateActivity(id: $id, input: $input) { activity { id } errors { code message path } } }",
            new { id = activity, input = new { deadline = $"2026-12-01T{i:00}:00:00Z" } }))));
        Assert.All(answers, a => a.Ok());
        await Host.DeliverAsync();

        // Oldest first: each rescheduling starts where the one before it (in commit order) left the deadline.
        var entries = (await Host.QueryAsync($"query($id: ID!) {{ timeline(entityType: DEAL, entityId: $id, first: 100) {{ nodes {{ {Entries} }} }} }}", new { id = deal }))
            .Nodes().Where(n => Str(n["kind"]) == "activityRescheduled").Reverse().ToList();
        Assert.Equal(20, entries.Count);
        var deadline = At("2026-12-01T00:00:00Z");
        foreach (var entry in entries)
        {
            Assert.Equal(deadline, When(entry["previousDeadline"]));
            deadline = When(entry["deadline"]);
        }

        var stored = (await Host.QueryAsync("query($id: ID!) { activity(id: $id) { deadline } }", new { id = activity })).ShouldSucceed().Data!["activity"]!["deadline"];
        Assert.Equal(deadline, When(stored));
        Assert.Equal(20, entries.Select(e => When(e["deadline"])).Distinct().Count());
    }

    [Fact]
    public async Task A_plugins_own_kind_gets_typed_entries_on_its_records_timelines()
    {
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Accepted deal") });
        var quote = (await Host.MutateAsync("createQuote", "mutation($deal: ID!) { createQuote(input: { title: \"Premium\", dealId: $deal, amount: 12.5, currencyId: \"EUR\" }) { quote { id } errors { code message } } }", new { deal }))
            .Ok()["quote"]!["id"]!.GetValue<string>();
        (await Host.MutateAsync("acceptQuote", "mutation($id: ID!) { acceptQuote(id: $id) { quote { id } errors { code message } } }", new { id = quote })).Ok();
        await Host.DeliverAsync();

        foreach (var (type, id, onDeal) in new[] { ("QUOTE", quote, false), ("DEAL", deal, true) })
        {
            var entry = Assert.Single((await Host.QueryAsync($"query($t: CrmEntityType!, $id: ID!) {{ timeline(entityType: $t, entityId: $id) {{ nodes {{ {Entries} }} }} }}", new { t = type, id })).Nodes(),
                n => Str(n["kind"]) == "quoteAccepted");
            Assert.Equal((quote, "Premium", 12.5, 30, onDeal), (Str(entry["quoteId"]), Str(entry["title"]), entry["amount"]!.GetValue<double>(), entry["daysToSpare"]!.GetValue<int>(), entry["onDeal"]!.GetValue<bool>()));
            Assert.Equal(("API_KEY", "1"), (Str(entry["actor"]!["kind"]), Str(entry["actor"]!["userId"])));
            Assert.NotNull(entry["acceptedAt"]);
            Assert.Equal("EUR", JsonNode.Parse(Str(entry["price"]))!["currencyId"]!.GetValue<string>());
        }

        // The kind's type is an ordinary implementation of the interface.
        var schema = (await Host.QueryAsync("{ __type(name: \"QuoteAcceptedEntry\") { interfaces { name } fields { name type { kind name ofType { name } } } } }")).ShouldSucceed().Data!["__type"]!;
        Assert.Equal(["TimelineEntry"], schema["interfaces"]!.AsArray().Select(i => Str(i!["name"])));
        var fields = schema["fields"]!.AsArray().ToDictionary(f => Str(f!["name"]), f => f!["type"]!);
        Assert.Equal(("NON_NULL", "ID"), (Str(fields["quoteId"]["kind"]), Str(fields["quoteId"]["ofType"]!["name"])));
        Assert.Equal(("SCALAR", "Int"), (Str(fields["daysToSpare"]["kind"]), Str(fields["daysToSpare"]["name"])));
        Assert.Equal("Float", Str(fields["amount"]["ofType"]!["name"]));
        Assert.Equal("DateTime", Str(fields["acceptedAt"]["ofType"]!["name"]));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class DeclaredKindsOnSqlite(DeclaredKindsSqliteHost fixture) : DeclaredKindsTests(fixture), IClassFixture<DeclaredKindsSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DeclaredKindsOnPostgres(DeclaredKindsPostgresHost fixture) : DeclaredKindsTests(fixture), IClassFixture<DeclaredKindsPostgresHost>;
