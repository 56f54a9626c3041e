using Crm.PluginSdk.Events;

namespace Crm.PluginSdk.Timeline;

/// <summary>What happened to a record in one entry of its history.</summary>
public enum RecordChangeKind
{
    Created,
    Updated,
    Deleted,
}

/// <summary>
/// One change of one record as its history keeps it: the event it was written from, when and by
/// whom, and for an update each changed field with its old and new value (as the published
/// <see cref="RecordUpdated"/> had them).
/// </summary>
/// <param name="Position">Where the entry stands in the history: with <see cref="OccurredAt"/>, the order entries are read in (and the cursor to read on from).</param>
/// <param name="EventId">The published event's id.</param>
/// <param name="OccurredAt">When the change was written.</param>
/// <param name="ActorId">The user whose change it was; null or 0 for the platform's own.</param>
/// <param name="Origin">The actor's kind and the channel it came through.</param>
/// <param name="EntityType">The record's type (its registry name).</param>
/// <param name="EntityId">The record's id.</param>
/// <param name="Kind">Created, updated or deleted.</param>
/// <param name="Changes">For an update, each changed field by its public name; empty otherwise.</param>
public sealed record RecordHistoryEntry(
    long Position,
    Guid EventId,
    DateTimeOffset OccurredAt,
    long? ActorId,
    ChangeOrigin Origin,
    string EntityType,
    long EntityId,
    RecordChangeKind Kind,
    IReadOnlyDictionary<string, FieldChange> Changes)
{
    /// <summary>The event as it was published (<c>record.created</c>, <c>record.updated</c>, <c>record.deleted</c>), for what matches events against it again.</summary>
    public DomainEvent<CrmEvent> ToEvent()
    {
        CrmEvent data = Kind switch
        {
            RecordChangeKind.Created => new RecordCreated(EntityType, EntityId),
            RecordChangeKind.Deleted => new RecordDeleted(EntityType, EntityId),
            _ => new RecordUpdated(EntityType, EntityId, Changes),
        };
        var contract = EventJson.ContractOf(data.GetType());
        return new DomainEvent<CrmEvent>(EventId, contract.Type, contract.Version, OccurredAt, ActorId, EntityType, EntityId, data) { Origin = Origin };
    }
}

/// <summary>
/// The recorded history of records' changes, oldest first: what replays the past (an automation
/// rule's backtest) reads. A module that keeps the history implements it (the Timeline module does,
/// from the published events); a module that reads it names only this contract. It reads whatever
/// the history holds, whatever the current actor's rights: a caller shows what it returns only to
/// whom may see it (a backtest needs the settings right). Both reads are bounded by their
/// <c>limit</c>: a caller that gets <c>limit</c> entries reads on after the last one.
/// </summary>
public interface IRecordHistory
{
    /// <summary>
    /// The changes of records of <paramref name="entityType"/> that occurred from <paramref name="from"/>
    /// (inclusive) to <paramref name="to"/> (exclusive), in the order they occurred, after the entry
    /// <paramref name="after"/> (null: from the first), at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<RecordHistoryEntry>> ReadAsync(string entityType, DateTimeOffset from, DateTimeOffset to, RecordHistoryEntry? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The updates of the records <paramref name="entityIds"/> of <paramref name="entityType"/> that
    /// occurred from <paramref name="since"/> on (up to now), in the order they occurred, at most
    /// <paramref name="limit"/>: undone from the latest back, they turn a record as it is now into the
    /// record as it was at <paramref name="since"/>.
    /// </summary>
    Task<IReadOnlyList<RecordHistoryEntry>> UpdatesSinceAsync(string entityType, IReadOnlyCollection<long> entityIds, DateTimeOffset since, int limit, CancellationToken cancellationToken);
}
