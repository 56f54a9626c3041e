using System.Text.Json.Nodes;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Timeline;

namespace Crm.Modules.Duplicates.Merging;

/// <summary>Records were merged into <see cref="KeptId"/>; the others were removed (each also has its own <c>record.deleted</c>).</summary>
[EventContract(TypeName, 1)]
public sealed record RecordsMerged(string EntityType, long KeptId, IReadOnlyList<long> RemovedIds, int MovedReferences) : CrmEvent
{
    public const string TypeName = "duplicates.recordsMerged";

    public override EventSubject GetSubject() => new(EntityType, KeptId);
}

/// <summary>The merge on the kept record's timeline: <c>RecordsMergedEntry { removedIds movedReferences }</c>.</summary>
public sealed class MergeTimeline : ITimelineKinds
{
    public const string Kind = "recordsMerged";

    public IEnumerable<TimelineKindDeclaration> Kinds { get; } =
    [
        new(DuplicatesModule.Id, Kind, "RecordsMergedEntry", "Records were merged into this one.",
        [
            new("removedIds", TimelineFieldType.Json, false, "The ids of the records merged into this one and removed (their history stays under those ids)."),
            new("movedReferences", TimelineFieldType.Int, false, "How many references to them were moved to this record."),
        ]),
    ];

    public IEnumerable<TimelineEntryDraft> Project(DomainEvent<CrmEvent> domainEvent)
    {
        if (domainEvent.Data is RecordsMerged merged)
        {
            yield return new TimelineEntryDraft(merged.EntityType, merged.KeptId, Kind, new JsonObject
            {
                ["removedIds"] = new JsonArray(merged.RemovedIds.Select(id => (JsonNode)JsonValue.Create(id)).ToArray()),
                ["movedReferences"] = merged.MovedReferences,
            });
        }
    }
}
