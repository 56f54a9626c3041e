using System.Reflection;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Events;
using Snapshooter.Xunit;

namespace Crm.Host.Tests.Events;

/// <summary>
/// Pins the JSON of every published event contract, as modules write it through the API, the way
/// the schema snapshot pins the API: a renamed internal property, a reordered record or an enum
/// stored differently changes the snapshot, not silently what subscribers receive.
/// </summary>
public abstract class EventContractTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    /// <summary>Which record an id names, by the key it stands under.</summary>
    private static readonly Dictionary<string, string> IdKeys = new(StringComparer.Ordinal)
    {
        ["dealId"] = "deal",
        ["contactId"] = "contact",
        ["companyId"] = "company",
        ["companyIds"] = "company",
        ["leadId"] = "lead",
        ["activityId"] = "activity",
        ["bindings"] = "binding",
        ["completedAt"] = "completedAt",
        ["previousCompletedAt"] = "completedAt",
    };

    private async Task<List<JsonObject>> OutboxAsync(string module) =>
        (await Host.QueryRowsAsync($"SELECT payload FROM {Host.Table(module, "outbox")} ORDER BY id"))
            .Select(r => JsonNode.Parse((string)r["payload"]!)!.AsObject()).ToList();

    private async Task OkAsync(string mutation, object? variables = null)
    {
        var response = (await Host.QueryAsync(mutation, variables)).ShouldSucceed();
        var payload = response.Data!.AsObject().Single().Value!;
        Assert.True(payload["errors"]!.AsArray().Count == 0, payload.ToJsonString());
    }

    /// <summary>
    /// What differs per run (event id, time, record ids) replaced by a placeholder that keeps the
    /// JSON type: <c>"number:contact"</c> is a contact's id written as a number.
    /// </summary>
    private static string Placeholder(JsonNode? value, string kind) =>
        $"{value!.GetValueKind().ToString().ToLowerInvariant()}:{kind}";

    private static JsonObject Normalize(JsonObject envelope)
    {
        var copy = envelope.DeepClone().AsObject();
        copy["id"] = Placeholder(copy["id"], "eventId");
        copy["occurredAt"] = Placeholder(copy["occurredAt"], "occurredAt");
        var subject = copy["entityType"]!.GetValue<string>();
        if (subject != ListItemSemanticsChanged.SubjectType)
        {
            copy["entityId"] = Placeholder(copy["entityId"], subject);
        }

        var data = copy["data"]!.AsObject();
        if (data.ContainsKey("recordId"))
        {
            data["recordId"] = Placeholder(data["recordId"], data["entityType"]!.GetValue<string>());
        }

        ReplaceIds(data, null);
        return copy;
    }

    private static void ReplaceIds(JsonNode? node, string? key)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    // oldValue and newValue stand for the field they belong to.
                    var context = name is "oldValue" or "newValue" ? key : name;
                    if (context is not null && IdKeys.TryGetValue(context, out var kind) && obj[name] is JsonValue)
                    {
                        obj[name] = Placeholder(obj[name], kind);
                    }
                    else
                    {
                        ReplaceIds(obj[name], context);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (key is not null && IdKeys.TryGetValue(key, out var kind) && array[i] is JsonValue)
                    {
                        array[i] = Placeholder(array[i], kind);
                    }
                    else
                    {
                        ReplaceIds(array[i], key);
                    }
                }

                break;
        }
    }

    [Fact]
    public async Task The_json_of_each_published_event_is_pinned()
    {
        var company = await Host.CreateCompanyAsync(new { title = "Pinned Inc" });
        var contact = await Host.CreateContactAsync(new { name = "Ann", lastName = "Lee", birthdate = "1990-05-01" });
        await OkAsync("mutation($id: ID!, $company: ID!) { updateContact(id: $id, input: { name: \"Anna\", companyIds: [$company] }) { errors { code } } }", new { id = contact, company });
        var deal = await Host.CreateDealAsync(new { title = "Pinned deal" });
        await OkAsync("mutation($id: ID!) { updateDeal(id: $id, input: { stageId: \"WON\" }) { errors { code } } }", new { id = deal });
        var lead = await Host.CreateLeadAsync(new { title = "Pinned lead", name = "Bob" });
        await OkAsync("mutation($id: ID!) { convertLead(id: $id, input: { createContact: true }) { errors { code } } }", new { id = lead });
        await OkAsync("mutation { addSelectionListItem(input: { entityId: \"DEAL_STAGE\", id: \"PINNED\", name: \"Pinned\" }) { errors { code } } }");
        await OkAsync("mutation { updateSelectionListItem(entityId: \"DEAL_STAGE\", id: \"PINNED\", input: { semantics: FAILURE }) { errors { code } } }");
        await OkAsync("mutation($id: ID!) { deleteContact(id: $id) { errors { code } } }", new { id = contact });
        var activity = (await Host.QueryAsync("mutation($deal: ID!) { createActivity(input: { typeId: \"CALL\", subject: \"Pinned call\", startTime: \"2026-12-01T10:00:00Z\", bindings: [{ entityType: DEAL, id: $deal }] }) { activity { id } errors { code } } }", new { deal }))
            .ShouldSucceed().Data!["createActivity"]!["activity"]!["id"]!.GetValue<string>();
        await OkAsync("mutation($id: ID!) { updateActivity(id: $id, input: { deadline: \"2026-12-02T10:00:00Z\" }) { errors { code } } }", new { id = activity });
        await OkAsync("mutation($id: ID!) { completeActivity(id: $id) { errors { code } } }", new { id = activity });
        await OkAsync("mutation($id: ID!) { reopenActivity(id: $id) { errors { code } } }", new { id = activity });

        var contacts = await OutboxAsync("contacts");
        var deals = await OutboxAsync("deals");
        var pinned = new JsonObject
        {
            ["record.created"] = Normalize(contacts.First(e => e["type"]!.GetValue<string>() == RecordCreated.TypeName)),
            ["record.updated (contact)"] = Normalize(contacts.First(e => e["type"]!.GetValue<string>() == RecordUpdated.TypeName)),
            ["record.updated (deal)"] = Normalize(deals.First(e => e["type"]!.GetValue<string>() == RecordUpdated.TypeName)),
            ["record.deleted"] = Normalize(contacts.Last(e => e["type"]!.GetValue<string>() == RecordDeleted.TypeName)),
            [DealStageChanged.TypeName] = Normalize(deals.Single(e => e["type"]!.GetValue<string>() == DealStageChanged.TypeName)),
            [LeadConverted.TypeName] = Normalize((await OutboxAsync("leads")).Single(e => e["type"]!.GetValue<string>() == LeadConverted.TypeName)),
            [ActivityCreated.TypeName] = Normalize((await OutboxAsync("activities")).Single(e => e["type"]!.GetValue<string>() == ActivityCreated.TypeName)),
            [ActivityRescheduled.TypeName] = Normalize((await OutboxAsync("activities")).Single(e => e["type"]!.GetValue<string>() == ActivityRescheduled.TypeName)),
            [ActivityCompleted.TypeName] = Normalize((await OutboxAsync("activities")).Single(e => e["type"]!.GetValue<string>() == ActivityCompleted.TypeName)),
            [ActivityReopened.TypeName] = Normalize((await OutboxAsync("activities")).Single(e => e["type"]!.GetValue<string>() == ActivityReopened.TypeName)),
            [ListItemSemanticsChanged.TypeName] = Normalize((await OutboxAsync("selection_lists"))
                .Single(e => e["type"]!.GetValue<string>() == ListItemSemanticsChanged.TypeName)),
        };

        // Every contract the SDK declares is pinned here: a new one needs its place in the snapshot.
        var declared = typeof(CrmEvent).Assembly.GetTypes()
            .Select(t => t.GetCustomAttribute<EventContractAttribute>()?.Type).OfType<string>().Order(StringComparer.Ordinal);
        var covered = pinned.Select(p => p.Value!["type"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(declared, covered);

        // One snapshot for both engines (strict: see StrictSnapshots).
        Snapshot.Match(pinned.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), "EventContractTests.The_json_of_each_published_event_is_pinned");
    }
}

[Trait("Engine", "Sqlite")]
public sealed class EventContractsOnSqlite(SqliteHost fixture) : EventContractTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class EventContractsOnPostgres(PostgresHost fixture) : EventContractTests(fixture), IClassFixture<PostgresHost>;
