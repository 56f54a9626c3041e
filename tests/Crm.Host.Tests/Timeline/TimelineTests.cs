using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Events;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Timeline;

/// <summary>
/// A host whose events are delivered only when a test says so (no wake-up, no poll to speak of):
/// what a test reads after <see cref="TimelineSteps.DeliverAsync"/> is what the history holds.
/// </summary>
public abstract class TimelineHost(Engine engine) : HostFixture(engine)
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Events:WakeUp"] = "false",
        ["Events:PollInterval"] = "01:00:00",
    };
}

public sealed class TimelineSqliteHost() : TimelineHost(Engine.Sqlite);

public sealed class TimelinePostgresHost() : TimelineHost(Engine.Postgres);

/// <summary>What the timeline tests share: delivering events, reading a timeline, counting stored rows.</summary>
public static class TimelineSteps
{
    public const string EntryFields =
        "id kind occurredAt entityType entityId actor { kind userId via } "
        + "... on TimelineFieldsChangedEntry { changes { field oldValue newValue } } "
        + "... on TimelineStageChangedEntry { pipelineId fromId toId semantics } "
        + "... on TimelineConversionEntry { leadId contactId companyId dealId }";

    /// <summary>Every event written so far reaches every handler (a round waits for one in flight).</summary>
    public static async Task DeliverAsync(this CrmHost host)
    {
        var dispatcher = host.Services.GetRequiredService<OutboxDispatcher>();
        while (await dispatcher.DispatchPendingAsync(CancellationToken.None) > 0)
        {
        }
    }

    public static async Task<GraphQLResponse> TimelineAsync(this CrmHost host, string entityType, string id, int? first = null, string? after = null, string? apiKey = CrmHost.AdminKey) =>
        await host.QueryAsync(
            $"query($t: CrmEntityType!, $id: ID!, $first: Int, $after: String) {{ timeline(entityType: $t, entityId: $id, first: $first, after: $after) {{ nodes {{ {EntryFields} }} edges {{ cursor }} pageInfo {{ hasNextPage endCursor }} }} }}",
            new { t = entityType, id, first, after }, apiKey);

    public static List<JsonObject> Nodes(this GraphQLResponse response, string field = "timeline") =>
        response.ShouldSucceed().Data![field]!["nodes"]!.AsArray().Select(n => n!.AsObject()).ToList();

    public static async Task<long> CountAsync(this CrmHost host, string sql, params object[] parameters) =>
        Convert.ToInt64((await host.QueryRowsAsync(sql, parameters)).Single().Values.Single(), CultureInfo.InvariantCulture);

    public static Task<long> EntryCountAsync(this CrmHost host, string entityType, string id) =>
        host.CountAsync($"SELECT COUNT(*) FROM {host.Table("timeline", "entries")} WHERE entity_type = @p0 AND entity_id = @p1", entityType, long.Parse(id, CultureInfo.InvariantCulture));
}

/// <summary>
/// The history of records as their timelines show it: each change once, with its actor and values
/// (custom fields included); nothing for a refused change or a redelivered event; stage and status
/// moves as rows; conversion on both sides; paging, limits, batching and rights.
/// </summary>
public abstract class TimelineTests(TimelineHost fixture)
{
    private CrmHost Host => fixture.Host;

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    [Fact]
    public async Task Each_change_of_a_contact_appears_once_with_its_actor_and_values_custom_fields_included()
    {
        var code = $"UF_CRM_TL_{Records.NewMarker("F").ToUpperInvariant()}";
        var field = Crm.PluginSdk.CustomFields.CustomFieldSpec.GraphName(code);
        (await Host.QueryAsync("mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id } errors { code message } } }",
            new { input = new { entityType = "CONTACT", code, type = "STRING", label = "Budget note" } })).ShouldSucceed();

        var id = await Host.CreateContactAsync(new { name = "Ann", lastName = "Lee" });
        var update = (await Host.QueryAsync(
            $"mutation($id: ID!) {{ updateContact(id: $id, input: {{ name: \"Anna\", {field}: \"big\" }}) {{ errors {{ code message }} }} }}", new { id })).ShouldSucceed();
        Assert.Empty(update.Data!["updateContact"]!["errors"]!.AsArray());
        (await Host.QueryAsync("mutation($id: ID!) { deleteContact(id: $id) { errors { code } } }", new { id })).ShouldSucceed();
        await Host.DeliverAsync();

        // Deleted: its history stays, for administrators.
        var nodes = (await Host.TimelineAsync("CONTACT", id)).Nodes();
        Assert.Equal(["deleted", "fieldsChanged", "created"], nodes.Select(n => Str(n["kind"])));
        Assert.True(long.Parse(Str(nodes[0]["id"]), CultureInfo.InvariantCulture) > long.Parse(Str(nodes[2]["id"]), CultureInfo.InvariantCulture));
        foreach (var node in nodes)
        {
            Assert.Equal("API_KEY", Str(node["actor"]!["kind"]));
            Assert.Equal("1", Str(node["actor"]!["userId"]));
            Assert.Equal("graphql", Str(node["actor"]!["via"]));
            Assert.Equal("CONTACT", Str(node["entityType"]));
            Assert.Equal(id, Str(node["entityId"]));
        }

        var changes = nodes[1]["changes"]!.AsArray().ToDictionary(c => Str(c!["field"]), c => (Old: c!["oldValue"]?.GetValue<string>(), New: c["newValue"]?.GetValue<string>()));
        Assert.Equal(("\"Ann\"", "\"Anna\""), changes["name"]);
        Assert.Equal((null, "\"big\""), changes[field]);
        Assert.Equal(3, await Host.EntryCountAsync("contact", id));
    }

    [Fact]
    public async Task A_refused_change_writes_nothing_and_a_redelivered_event_writes_nothing()
    {
        var id = await Host.CreateContactAsync(new { name = "Bo" });
        await Host.DeliverAsync();
        Assert.Equal(1, await Host.EntryCountAsync("contact", id));

        // A valid field beside one too long: the whole change is refused.
        var refused = (await Host.QueryAsync("mutation($id: ID!, $long: String!) { updateContact(id: $id, input: { post: \"Buyer\", name: $long }) { errors { code } } }", new { id, @long = new string('x', 500) })).ShouldSucceed();
        Assert.NotEmpty(refused.Data!["updateContact"]!["errors"]!.AsArray());
        await Host.DeliverAsync();
        Assert.Equal(1, await Host.EntryCountAsync("contact", id));

        // The outbox delivers at least once: its event delivered again writes no second entry.
        var outbox = Host.Table("contacts", "outbox");
        await Host.QueryRowsAsync($"UPDATE {outbox} SET processed_at = NULL WHERE entity_type = 'contact' AND entity_id = @p0", long.Parse(id, CultureInfo.InvariantCulture));
        Assert.Equal(1, await Host.CountAsync($"SELECT COUNT(*) FROM {outbox} WHERE entity_type = 'contact' AND entity_id = @p0 AND processed_at IS NULL", long.Parse(id, CultureInfo.InvariantCulture)));
        await Host.DeliverAsync();
        Assert.Equal(0, await Host.CountAsync($"SELECT COUNT(*) FROM {outbox} WHERE entity_type = 'contact' AND entity_id = @p0 AND processed_at IS NULL", long.Parse(id, CultureInfo.InvariantCulture)));
        Assert.Equal(1, await Host.EntryCountAsync("contact", id));
        Assert.Single((await Host.TimelineAsync("CONTACT", id)).Nodes());
    }

    [Fact]
    public async Task An_event_stored_before_actor_kinds_reads_as_its_users_change_with_no_channel()
    {
        var id = await Host.CreateContactAsync(new { name = "Old" });
        await Host.DeliverAsync();
        var eventId = Guid.NewGuid();
        var envelope = new JsonObject
        {
            ["id"] = eventId,
            ["type"] = "record.updated",
            ["version"] = 1,
            ["occurredAt"] = DateTimeOffset.UtcNow,
            ["actorId"] = 7,
            ["entityType"] = "contact",
            ["entityId"] = long.Parse(id, CultureInfo.InvariantCulture),
            ["data"] = new JsonObject
            {
                ["entityType"] = "contact",
                ["recordId"] = long.Parse(id, CultureInfo.InvariantCulture),
                ["changes"] = new JsonObject { ["post"] = new JsonObject { ["oldValue"] = null, ["newValue"] = "Buyer" } },
            },
        };
        await Host.QueryRowsAsync(
            $"INSERT INTO {Host.Table("contacts", "outbox")} (event_id, entity_type, entity_id, kind, payload, occurred_at, attempts) VALUES (@p0, 'contact', @p1, 'record.updated', @p2, @p3, 0)",
            Host.Engine == Engine.Postgres ? eventId : eventId.ToString().ToUpperInvariant(), long.Parse(id, CultureInfo.InvariantCulture), envelope.ToJsonString(), DateTime.UtcNow);
        await Host.DeliverAsync();

        var latest = (await Host.TimelineAsync("CONTACT", id)).Nodes()[0];
        Assert.Equal("fieldsChanged", Str(latest["kind"]));
        Assert.Equal(("USER", "7"), (Str(latest["actor"]!["kind"]), Str(latest["actor"]!["userId"])));
        Assert.Null(latest["actor"]!["via"]);
    }

    [Fact]
    public async Task Deal_stage_moves_and_lead_status_moves_are_kept_as_rows_and_shown_as_entries()
    {
        var deal = await Host.CreateDealAsync(new { title = Records.NewMarker("Stage") });
        (await Host.QueryAsync("mutation($id: ID!) { updateDeal(id: $id, input: { stageId: \"WON\" }) { errors { code } } }", new { id = deal })).ShouldSucceed();
        var lead = await Host.CreateLeadAsync(new { title = Records.NewMarker("Status") });
        (await Host.QueryAsync("mutation($id: ID!) { updateLead(id: $id, input: { statusId: \"IN_PROCESS\" }) { errors { code } } }", new { id = lead })).ShouldSucceed();
        await Host.DeliverAsync();

        var moves = Host.Table("timeline", "stage_moves");
        var dealMove = Assert.Single(await Host.QueryRowsAsync($"SELECT pipeline_id, from_id, to_id, semantics, actor_id FROM {moves} WHERE entity_type = 'deal' AND entity_id = @p0", long.Parse(deal, CultureInfo.InvariantCulture)));
        Assert.Equal(("NEW", "WON", "SUCCESS", 0L, 1L), ((string?)dealMove["from_id"], (string?)dealMove["to_id"], (string?)dealMove["semantics"],
            Convert.ToInt64(dealMove["pipeline_id"], CultureInfo.InvariantCulture), Convert.ToInt64(dealMove["actor_id"], CultureInfo.InvariantCulture)));
        var leadMove = Assert.Single(await Host.QueryRowsAsync($"SELECT from_id, to_id, semantics FROM {moves} WHERE entity_type = 'lead' AND entity_id = @p0", long.Parse(lead, CultureInfo.InvariantCulture)));
        Assert.Equal(("NEW", "IN_PROCESS", "PROCESS"), ((string?)leadMove["from_id"], (string?)leadMove["to_id"], (string?)leadMove["semantics"]));

        var dealStage = Assert.Single((await Host.TimelineAsync("DEAL", deal)).Nodes(), n => Str(n["kind"]) == "stageChanged");
        Assert.Equal(("0", "NEW", "WON", "SUCCESS"), (Str(dealStage["pipelineId"]), Str(dealStage["fromId"]), Str(dealStage["toId"]), Str(dealStage["semantics"])));
        var leadStatus = Assert.Single((await Host.TimelineAsync("LEAD", lead)).Nodes(), n => Str(n["kind"]) == "stageChanged");
        Assert.Equal(("NEW", "IN_PROCESS", "PROCESS"), (Str(leadStatus["fromId"]), Str(leadStatus["toId"]), Str(leadStatus["semantics"])));
    }

    [Fact]
    public async Task A_conversion_shows_on_the_lead_and_on_the_contact_it_became()
    {
        var lead = await Host.CreateLeadAsync(new { title = Records.NewMarker("Convert"), name = "Cy" });
        var converted = (await Host.QueryAsync("mutation($id: ID!) { convertLead(id: $id, input: { createContact: true }) { contact { id } errors { code } } }", new { id = lead })).ShouldSucceed();
        var contact = Str(converted.Data!["convertLead"]!["contact"]!["id"]);
        await Host.DeliverAsync();

        var onLead = Assert.Single((await Host.TimelineAsync("LEAD", lead)).Nodes(), n => Str(n["kind"]) == "converted");
        Assert.Equal((lead, contact), (Str(onLead["leadId"]), Str(onLead["contactId"])));
        Assert.Null(onLead["dealId"]);
        var onContact = Assert.Single((await Host.TimelineAsync("CONTACT", contact)).Nodes(), n => Str(n["kind"]) == "converted");
        Assert.Equal(lead, Str(onContact["leadId"]));
    }

    [Fact]
    public async Task An_empty_timeline_gives_a_live_cursor_that_every_later_entry_comes_after()
    {
        var id = await Host.CreateContactAsync(new { name = "Not yet delivered" });
        const string Query = "query($id: ID!) { timeline(entityType: CONTACT, entityId: $id) { liveCursor edges { node { id } } } contact(id: $id) { timeline { liveCursor } } }";

        // The "created" entry is written when its event is delivered: the page is empty until then.
        var before = (await Host.QueryAsync(Query, new { id })).ShouldSucceed().Data!;
        Assert.Empty(before["timeline"]!["edges"]!.AsArray());
        var cursor = long.Parse(Str(before["timeline"]!["liveCursor"]), CultureInfo.InvariantCulture);
        Assert.Null(before["contact"]!["timeline"]!["liveCursor"]);

        await Host.DeliverAsync();
        var after = (await Host.QueryAsync(Query, new { id })).ShouldSucceed().Data!["timeline"]!;
        var created = long.Parse(Str(after["edges"]![0]!["node"]!["id"]), CultureInfo.InvariantCulture);
        Assert.True(created > cursor, $"entry {created} is not after the live cursor {cursor}: a subscription after it would miss it");
        Assert.True(long.Parse(Str(after["liveCursor"]), CultureInfo.InvariantCulture) >= created);
    }

    [Fact]
    public async Task Pages_go_newest_first_by_cursor_and_are_bounded()
    {
        var id = await Host.CreateContactAsync(new { name = "P0" });
        for (var i = 1; i <= 4; i++)
        {
            (await Host.QueryAsync("mutation($id: ID!, $name: String!) { updateContact(id: $id, input: { name: $name }) { errors { code } } }", new { id, name = $"P{i}" })).ShouldSucceed();
        }

        await Host.DeliverAsync();
        var seen = new List<string>();
        string? after = null;
        for (var page = 0; page < 3; page++)
        {
            var response = await Host.TimelineAsync("CONTACT", id, first: 2, after: after);
            seen.AddRange(response.Nodes().Select(n => Str(n["id"])));
            var info = response.Data!["timeline"]!["pageInfo"]!;
            Assert.Equal(page < 2, info["hasNextPage"]!.GetValue<bool>());
            after = info["endCursor"]?.GetValue<string>();
        }

        Assert.Equal(5, seen.Distinct().Count());
        Assert.Equal(seen.OrderByDescending(s => long.Parse(s, CultureInfo.InvariantCulture)), seen);

        // Ten times the page limit, on the root field and on the record's field; a cursor not ours.
        Assert.Equal(["LIMIT_EXCEEDED"], (await Host.TimelineAsync("CONTACT", id, first: 2000)).ErrorCodes);
        Assert.Equal(["LIMIT_EXCEEDED"], (await Host.QueryAsync("query($id: ID!) { contact(id: $id) { timeline(first: 2000) { nodes { id } } } }", new { id })).ErrorCodes);
        Assert.Equal(["INVALID_CURSOR"], (await Host.TimelineAsync("CONTACT", id, after: "bm90IG91cnM=")).ErrorCodes);
    }

    [Fact]
    public async Task A_list_loads_its_records_timelines_in_one_statement_whatever_the_page_size()
    {
        var marker = Records.NewMarker("Batch");
        for (var i = 0; i < 6; i++)
        {
            var id = await Host.CreateContactAsync(new { name = $"{marker} {i}" });
            (await Host.QueryAsync("mutation($id: ID!) { updateContact(id: $id, input: { post: \"Buyer\" }) { errors { code } } }", new { id })).ShouldSucceed();
        }

        await Host.DeliverAsync();
        const string query = "query($m: String!, $n: Int!) { contacts(where: { name: { startsWith: $m } }, first: $n) { nodes { id timeline(first: 1) { nodes { kind } pageInfo { hasNextPage } } } } }";
        var two = (await Host.QueryAsync(query, new { m = marker, n = 2 })).ShouldSucceed();
        var six = (await Host.QueryAsync(query, new { m = marker, n = 6 })).ShouldSucceed();
        var nodes = six.Data!["contacts"]!["nodes"]!.AsArray();
        Assert.Equal(6, nodes.Count);
        foreach (var n in nodes)
        {
            if (Str(n!["timeline"]!["nodes"]![0]!["kind"]) != "fieldsChanged")
            {
                Assert.Fail(six.Body.ToJsonString() + " ROOT " + (await Host.TimelineAsync("CONTACT", Str(n["id"]))).Body.ToJsonString()
                    + " DELIVERIES " + (await Host.QueryAsync("{ eventDeliveries(first: 50) { nodes { handler state attempts lastError event { type entityType entityId } } } }")).Body.ToJsonString());
            }
        }

        Assert.All(nodes, n =>
        {
            Assert.Equal("fieldsChanged", Str(n!["timeline"]!["nodes"]![0]!["kind"]));
            Assert.True(n["timeline"]!["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
        });
        Assert.Equal(two.Statements, six.Statements);
    }

    [Fact]
    public async Task A_timeline_is_for_whoever_may_read_the_record_and_a_deleted_records_for_administrators()
    {
        var id = await Host.CreateContactAsync(new { name = "Secret" });
        await Host.DeliverAsync();
        var nobody = await Host.NewUserWithKeyAsync("tl-nobody");
        Assert.Equal(["FORBIDDEN"], (await Host.TimelineAsync("CONTACT", id, apiKey: nobody.Key)).ErrorCodes);

        var reader = await Host.NewUserWithKeyAsync("tl-reader");
        var role = await Host.CreateRoleAsync("tl-read", [new { entityType = "CONTACT", action = "READ", level = "ALL" }]);
        await Host.AssignAsync(role, userId: reader.Id);
        Assert.Single((await Host.TimelineAsync("CONTACT", id, apiKey: reader.Key)).Nodes());

        (await Host.QueryAsync("mutation($id: ID!) { deleteContact(id: $id) { errors { code } } }", new { id })).ShouldSucceed();
        await Host.DeliverAsync();
        Assert.Equal(["NOT_FOUND"], (await Host.TimelineAsync("CONTACT", id, apiKey: reader.Key)).ErrorCodes);
        Assert.Equal(["deleted", "created"], (await Host.TimelineAsync("CONTACT", id)).Nodes().Select(n => Str(n["kind"])));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class TimelineOnSqlite(TimelineSqliteHost fixture) : TimelineTests(fixture), IClassFixture<TimelineSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class TimelineOnPostgres(TimelinePostgresHost fixture) : TimelineTests(fixture), IClassFixture<TimelinePostgresHost>;

/// <summary>A plugin's record type (the tests' quote) gets a timeline with no code of its own.</summary>
public abstract class PluginTimelineTests(QuotePluginHost fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_quote_has_a_timeline_on_its_type_and_through_the_root_field()
    {
        var created = await Host.MutateAsync("createQuote", "mutation { createQuote(input: { title: \"Basic plan\", amount: 10 }) { quote { id } errors { code path } } }");
        var id = created["quote"]!["id"]!.GetValue<string>();
        await Host.MutateAsync("updateQuote", "mutation($id: ID!) { updateQuote(id: $id, input: { amount: 12 }) { quote { id } errors { code path } } }", new { id });
        await Host.DeliverAsync();

        var onType = (await Host.QueryAsync("query($id: ID!) { quote(id: $id) { timeline { nodes { kind ... on TimelineFieldsChangedEntry { changes { field oldValue newValue } } } } } }", new { id })).ShouldSucceed();
        var nodes = onType.Data!["quote"]!["timeline"]!["nodes"]!.AsArray();
        Assert.Equal(["fieldsChanged", "created"], nodes.Select(n => n!["kind"]!.GetValue<string>()));
        var change = Assert.Single(nodes[0]!["changes"]!.AsArray());
        Assert.Equal("amount", change!["field"]!.GetValue<string>());
        Assert.Equal(["fieldsChanged", "created"], (await Host.TimelineAsync("QUOTE", id)).Nodes().Select(n => n["kind"]!.GetValue<string>()));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class PluginTimelineOnSqlite(QuotePluginSqliteHost fixture) : PluginTimelineTests(fixture), IClassFixture<QuotePluginSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class PluginTimelineOnPostgres(QuotePluginPostgresHost fixture) : PluginTimelineTests(fixture), IClassFixture<QuotePluginPostgresHost>;
