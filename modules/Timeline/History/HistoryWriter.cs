using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Lists;

namespace Crm.Modules.Timeline.History;

/// <summary>
/// Writes the history of every record from its published events, after they committed: so a
/// rolled-back change (which wrote no event) has none, and a committed one its entries. Events
/// come in batches: the entries of a whole batch are written by one append (one query for what
/// is there already, one save). Delivery is at least once: entries are keyed by their event id,
/// and an event whose entries are there already writes nothing. When the save fails, nothing of
/// the batch is written and the host hands the events over again one at a time.
/// </summary>
[EventHandler("history")]
public sealed class HistoryWriter(TimelineDbContext db, ISelectionLists lists, DeclaredEntries declared) : IEventBatchHandler<CrmEvent>
{
    /// <summary>The list of lead statuses (Bitrix24's id), whose moves are kept as stage moves.</summary>
    public const string LeadStatusList = "STATUS";

    public async Task HandleAsync(IReadOnlyList<DomainEvent<CrmEvent>> events, CancellationToken cancellationToken)
    {
        var entries = new List<TimelineEntry>();
        var moves = new List<StageMove>();
        foreach (var domainEvent in events)
        {
            await EntriesOf(domainEvent, entries, moves, cancellationToken);
        }

        await new TimelineAppender(db).AppendAsync(entries, moves, cancellationToken);
    }

    /// <summary>Adds the entries and stage moves of one event (none for an event that is not part of the history).</summary>
    private async Task EntriesOf(DomainEvent<CrmEvent> domainEvent, List<TimelineEntry> entries, List<StageMove> moves, CancellationToken cancellationToken)
    {
        switch (domainEvent.Data)
        {
            case RecordCreated created:
                entries.Add(TimelineEntry.Of(domainEvent, created.EntityType, created.RecordId, TimelineKinds.Created, new JsonObject()));
                break;
            case RecordDeleted deleted:
                entries.Add(TimelineEntry.Of(domainEvent, deleted.EntityType, deleted.RecordId, TimelineKinds.Deleted, new JsonObject()));
                break;
            case RecordUpdated updated:
                entries.Add(TimelineEntry.Of(domainEvent, updated.EntityType, updated.RecordId, TimelineKinds.FieldsChanged, Changes(updated)));
                if (updated.EntityType == "lead" && updated.Changes.TryGetValue("statusId", out var status) && Text(status.NewValue) is { } to)
                {
                    var semantics = (await lists.GetItemsAsync(LeadStatusList, cancellationToken)).FirstOrDefault(i => i.Id == to)?.Semantics ?? ListItemSemantics.Process;
                    var move = Move(domainEvent, updated.EntityType, updated.RecordId, 0, Text(status.OldValue), to, semantics);
                    moves.Add(move);
                    entries.Add(TimelineEntry.Of(domainEvent, updated.EntityType, updated.RecordId, TimelineKinds.StageChanged, MoveData(move)));
                }

                break;
            case DealStageChanged stage:
                var dealMove = Move(domainEvent, "deal", stage.DealId, stage.PipelineId, stage.From, stage.To, stage.Semantics);
                moves.Add(dealMove);
                entries.Add(TimelineEntry.Of(domainEvent, "deal", stage.DealId, TimelineKinds.StageChanged, MoveData(dealMove)));
                break;
            case LeadConverted converted:
                // On the lead, what it became; on each record it became, the lead it came from.
                entries.Add(TimelineEntry.Of(domainEvent, "lead", converted.LeadId, TimelineKinds.Converted, new JsonObject
                {
                    ["leadId"] = converted.LeadId,
                    ["contactId"] = converted.ContactId,
                    ["companyId"] = converted.CompanyId,
                    ["dealId"] = converted.DealId,
                }));
                foreach (var (type, id) in new[] { ("contact", converted.ContactId), ("company", converted.CompanyId), ("deal", converted.DealId) })
                {
                    if (id is { } made)
                    {
                        entries.Add(TimelineEntry.Of(domainEvent, type, made, TimelineKinds.Converted, new JsonObject { ["leadId"] = converted.LeadId }));
                    }
                }

                break;
        }

        // The kinds modules and plugins declare (an activity's entries on its records).
        entries.AddRange(declared.Of(domainEvent));
    }

    private static StageMove Move(DomainEvent<CrmEvent> e, string entityType, long entityId, long pipelineId, string? from, string to, ListItemSemantics semantics) => new()
    {
        EventId = e.Id,
        EntityType = entityType,
        EntityId = entityId,
        PipelineId = pipelineId,
        FromId = string.IsNullOrEmpty(from) ? null : from,
        ToId = to,
        Semantics = JsonNamingPolicy.SnakeCaseUpper.ConvertName(semantics.ToString()),
        OccurredAt = e.OccurredAt.UtcDateTime,
        ActorId = e.ActorId,
    };

    private static JsonObject MoveData(StageMove move) => new()
    {
        ["pipelineId"] = move.PipelineId,
        ["fromId"] = move.FromId,
        ["toId"] = move.ToId,
        ["semantics"] = move.Semantics,
    };

    /// <summary>The changes as a list (<c>[{ field, oldValue, newValue }]</c>), in the event's order of fields.</summary>
    private static JsonObject Changes(RecordUpdated updated)
    {
        var changes = new JsonArray();
        foreach (var (field, change) in updated.Changes)
        {
            changes.Add(new JsonObject
            {
                ["field"] = field,
                ["oldValue"] = change.OldValue?.DeepClone(),
                ["newValue"] = change.NewValue?.DeepClone(),
            });
        }

        return new JsonObject { ["changes"] = changes };
    }

    private static string? Text(JsonNode? value) => value is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
}
