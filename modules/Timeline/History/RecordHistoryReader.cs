using System.Text.Json.Nodes;
using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Timeline;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Timeline.History;

/// <summary>
/// The SDK's <see cref="IRecordHistory"/> from the timeline's entries: the created, changed and
/// deleted entries the history writer keeps from the published events, ordered by when they occurred
/// (then by id). A window is one range of the index on (type, time, id); a record's updates one
/// range of the index on (type, record, id).
/// </summary>
public sealed class RecordHistoryReader(TimelineDbContext db) : IRecordHistory, IScopedService
{
    private static readonly string[] Kinds = [TimelineKinds.Created, TimelineKinds.FieldsChanged, TimelineKinds.Deleted];

    public async Task<IReadOnlyList<RecordHistoryEntry>> ReadAsync(string entityType, DateTimeOffset from, DateTimeOffset to, RecordHistoryEntry? after, int limit, CancellationToken cancellationToken)
    {
        var start = from.UtcDateTime;
        var end = to.UtcDateTime;
        var query = db.Entries.AsNoTracking().Where(e => e.EntityType == entityType && e.OccurredAt >= start && e.OccurredAt < end && Kinds.Contains(e.Kind));
        if (after is not null)
        {
            var time = after.OccurredAt.UtcDateTime;
            var id = after.Position;
            query = query.Where(e => e.OccurredAt > time || (e.OccurredAt == time && e.Id > id));
        }

        var entries = await query.OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).Take(limit).ToListAsync(cancellationToken);
        return entries.Select(Of).ToList();
    }

    public async Task<IReadOnlyList<RecordHistoryEntry>> UpdatesSinceAsync(string entityType, IReadOnlyCollection<long> entityIds, DateTimeOffset since, int limit, CancellationToken cancellationToken)
    {
        var start = since.UtcDateTime;
        var ids = entityIds.Distinct().ToList();
        var entries = await db.Entries.AsNoTracking()
            .Where(e => e.EntityType == entityType && ids.Contains(e.EntityId) && e.Kind == TimelineKinds.FieldsChanged && e.OccurredAt >= start)
            .OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).Take(limit).ToListAsync(cancellationToken);
        return entries.Select(Of).ToList();
    }

    private static RecordHistoryEntry Of(TimelineEntry entry)
    {
        var kind = entry.Kind switch
        {
            TimelineKinds.Created => RecordChangeKind.Created,
            TimelineKinds.Deleted => RecordChangeKind.Deleted,
            _ => RecordChangeKind.Updated,
        };
        var changes = new Dictionary<string, FieldChange>();
        if (kind == RecordChangeKind.Updated && JsonNode.Parse(entry.Data)?["changes"] is JsonArray list)
        {
            foreach (var change in list.OfType<JsonObject>())
            {
                changes[change["field"]!.GetValue<string>()] = new FieldChange(change["oldValue"]?.DeepClone(), change["newValue"]?.DeepClone());
            }
        }

        // The actor's kind is kept by its GraphQL name (API_KEY): the enum's name without the underscores.
        var actorKind = Enum.TryParse<ActorKind>(entry.ActorKind.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var parsed) ? parsed : ActorKind.System;
        return new RecordHistoryEntry(entry.Id, entry.EventId, new DateTimeOffset(DateTime.SpecifyKind(entry.OccurredAt, DateTimeKind.Utc)), entry.ActorId,
            new ChangeOrigin(actorKind, entry.Via), entry.EntityType, entry.EntityId, kind, changes);
    }
}
