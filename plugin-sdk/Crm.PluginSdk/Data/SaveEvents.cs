using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Crm.PluginSdk.Data;

/// <summary>
/// The events one module context's next save writes to its outbox: an event for every created,
/// changed or deleted <see cref="ICrmRecord"/> it tracks, the changes recorded beside the columns
/// (a record's links), and the module's own published events. Cleared by every save, rollback and
/// release of the context, so that nothing of one request reaches the next.
/// </summary>
internal sealed class SaveEvents
{
    private static readonly ConcurrentDictionary<Type, string?> RecordTypeNames = new();
    private readonly List<CrmEvent> _published = [];
    private readonly List<(ICrmRecord Record, Func<CrmEvent?> Make)> _publishedWith = [];
    private readonly Dictionary<ICrmRecord, Dictionary<string, FieldChange>> _extraChanges = new(ReferenceEqualityComparer.Instance);

    /// <summary>Events were published by the module itself (beside those its records' changes make).</summary>
    public bool AnyPublished => _published.Count > 0 || _publishedWith.Count > 0;

    /// <summary>Changes were recorded beside the columns (a record's links), for the next save's events.</summary>
    public bool AnyExtraChanges => _extraChanges.Count > 0;

    public void Publish(CrmEvent data) => _published.Add(data);

    public void PublishWith(ICrmRecord record, Func<CrmEvent?> make) => _publishedWith.Add((record, make));

    public void RecordChange(ICrmRecord record, string field, object? oldValue, object? newValue)
    {
        if (!_extraChanges.TryGetValue(record, out var changes))
        {
            changes = [];
            _extraChanges[record] = changes;
        }

        changes[field] = new FieldChange(ToJson(oldValue), ToJson(newValue));
    }

    public void Clear()
    {
        _published.Clear();
        _publishedWith.Clear();
        _extraChanges.Clear();
    }

    /// <summary>The record events of the tracked changes, captured before the save (which forgets what changed).</summary>
    public List<PendingEvent> Capture(DbContext context, Entities.IEntityRegistry? registry)
    {
        var pending = new List<PendingEvent>();
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.Entity is not ICrmRecord || RecordTypeName(entry.Entity.GetType()) is not { } entityType)
            {
                continue;
            }

            switch (entry.State)
            {
                case EntityState.Added:
                    pending.Add(new PendingEvent(entry, entityType, PendingKind.Created, []));
                    break;
                case EntityState.Deleted:
                    pending.Add(new PendingEvent(entry, entityType, PendingKind.Deleted, []));
                    break;
                case EntityState.Modified:
                    var changes = ChangedFields(entry, PublishedNames(registry, entityType));
                    if (changes.Count > 0)
                    {
                        pending.Add(new PendingEvent(entry, entityType, PendingKind.Updated, changes));
                    }

                    break;
            }
        }

        foreach (var (record, extra) in _extraChanges)
        {
            var existing = pending.Find(p => ReferenceEquals(p.Entry.Entity, record));
            if (existing is { Kind: PendingKind.Updated })
            {
                foreach (var (field, change) in extra)
                {
                    existing.Changes[field] = change;
                }
            }
            else if (existing is null && RecordTypeName(record.GetType()) is { } entityType)
            {
                pending.Add(new PendingEvent(context.Entry(record), entityType, PendingKind.Updated, new Dictionary<string, FieldChange>(extra)));
            }
        }

        _extraChanges.Clear();
        return pending;
    }

    /// <summary>
    /// Adds the save's record events, then the module's own published ones, to the outbox;
    /// returns how many. A record whose change was let go (detached) publishes nothing.
    /// </summary>
    public int AddToOutbox(ModuleDbContext context, List<PendingEvent> pending, DateTimeOffset now, ModuleDbContextDependencies dependencies)
    {
        var count = 0;
        var made = _publishedWith.Where(p => context.Entry(p.Record).State != EntityState.Detached).Select(p => p.Make()).OfType<CrmEvent>().ToList();
        _publishedWith.Clear();
        var origin = OriginOf(dependencies.Actor);
        foreach (var data in pending.Select(p => p.Complete()).Concat(_published).Concat(made))
        {
            context.Outbox.Add(ToOutbox(data, now, dependencies.Actor.UserId, origin));
            dependencies.Session?.EventWritten?.Invoke(data);
            count++;
        }

        _published.Clear();
        return count;
    }

    /// <summary>The record type a CLR type is registered as (its <see cref="CrmRecordAttribute"/>), or null.</summary>
    public static string? RecordTypeName(Type type) =>
        RecordTypeNames.GetOrAdd(type, t => t.GetCustomAttribute<CrmRecordAttribute>()?.EntityType);

    /// <summary>
    /// The published names of a record type's built-in fields (see <see cref="PublishedFields"/>);
    /// null without a registry (design time, the SDK's own tests), where properties go by their camelCase names.
    /// </summary>
    private static IReadOnlyDictionary<string, string>? PublishedNames(Entities.IEntityRegistry? registry, string entityType) =>
        registry?.Find(entityType) is { } type ? PublishedFields.Of(type) : null;

    /// <summary>What changed, keyed by the published name of each field; changes of properties that are not published are left out.</summary>
    private static Dictionary<string, FieldChange> ChangedFields(EntityEntry entry, IReadOnlyDictionary<string, string>? publishedNames)
    {
        var changes = new Dictionary<string, FieldChange>(StringComparer.Ordinal);
        foreach (var property in entry.Properties)
        {
            if (!property.IsModified || property.Metadata.IsPrimaryKey() || IsAuditProperty(property.Metadata.Name))
            {
                continue;
            }

            if (Equals(property.OriginalValue, property.CurrentValue))
            {
                continue;
            }

            // Each custom field is told as a field of its own, by its GraphQL name.
            if (property.Metadata.ClrType == typeof(CustomFields.CustomFieldValues))
            {
                var before = property.OriginalValue as CustomFields.CustomFieldValues;
                var after = property.CurrentValue as CustomFields.CustomFieldValues;
                foreach (var code in CustomFields.CustomFieldValues.ChangedCodes(before, after))
                {
                    changes[CustomFields.CustomFieldSpec.GraphName(code)] = new FieldChange(before?[code]?.DeepClone(), after?[code]?.DeepClone());
                }

                continue;
            }

            var name = publishedNames is null
                ? JsonNamingPolicy.CamelCase.ConvertName(property.Metadata.Name)
                : publishedNames.GetValueOrDefault(property.Metadata.Name);
            if (name is not null)
            {
                changes[name] = new FieldChange(ToJson(property.OriginalValue), ToJson(property.CurrentValue));
            }
        }

        return changes;
    }

    private static bool IsAuditProperty(string name) =>
        name is nameof(IAuditedRecord.UpdatedAt) or nameof(IAuditedRecord.UpdatedById) or SearchText.Column;

    private static JsonNode? ToJson(object? value) =>
        value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), EventJson.Options);

    /// <summary>What the scope's actor says of itself; an actor that is not the platform's own is told by its user alone.</summary>
    public static ChangeOrigin OriginOf(ICurrentActor actor) =>
        actor is CurrentActor current ? current.Origin : new(actor.UserId is null or 0 ? ActorKind.System : ActorKind.User, null);

    /// <summary>The outbox row of an event: its contract name in <c>kind</c>, its subject, and the envelope subscribers receive.</summary>
    public static OutboxMessage ToOutbox(CrmEvent data, DateTimeOffset occurredAt, long? actorId, ChangeOrigin origin)
    {
        var id = Guid.NewGuid();
        var subject = data.GetSubject();
        return new OutboxMessage
        {
            EventId = id,
            EntityType = subject.EntityType,
            EntityId = subject.EntityId,
            Kind = EventJson.ContractOf(data.GetType()).Type,
            OccurredAt = occurredAt.UtcDateTime,
            Payload = EventJson.Envelope(id, data, occurredAt, actorId, origin),
        };
    }

    internal enum PendingKind
    {
        Created,
        Updated,
        Deleted,
    }

    /// <summary>An event whose record id is known only after the insert.</summary>
    internal sealed record PendingEvent(EntityEntry Entry, string EntityType, PendingKind Kind, Dictionary<string, FieldChange> Changes)
    {
        // Captured now: a deleted entry is detached by the save and forgets nothing but its state.
        private readonly long _idBeforeSave = ((ICrmRecord)Entry.Entity).Id;

        /// <summary>The record as written: a created one's id is known once it is saved.</summary>
        public SavedRecord Saved() => new(EntityType, Kind == PendingKind.Created ? ((ICrmRecord)Entry.Entity).Id : _idBeforeSave, (ICrmRecord)Entry.Entity,
            Kind switch { PendingKind.Created => SavedRecordKind.Created, PendingKind.Deleted => SavedRecordKind.Deleted, _ => SavedRecordKind.Updated }, Changes.Keys);

        public CrmEvent Complete() => Kind switch
        {
            PendingKind.Created => new RecordCreated(EntityType, ((ICrmRecord)Entry.Entity).Id),
            PendingKind.Deleted => new RecordDeleted(EntityType, _idBeforeSave),
            // Sorted by name: the JSON a subscriber receives does not follow the order of the module's properties.
            _ => new RecordUpdated(EntityType, _idBeforeSave, new SortedDictionary<string, FieldChange>(Changes, StringComparer.Ordinal)),
        };
    }
}
