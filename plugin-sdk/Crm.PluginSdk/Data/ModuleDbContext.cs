using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage;

namespace Crm.PluginSdk.Data;

/// <summary>What every module context needs from the request it serves.</summary>
public sealed class ModuleDbContextDependencies(
    ICurrentActor actor,
    TimeProvider clock,
    CrmDatabaseSession? session = null,
    CustomFields.CustomFieldScope? customFields = null,
    Entities.IEntityRegistry? entities = null)
{
    public ICurrentActor Actor { get; } = actor;

    /// <summary>The registered record types, whose declared fields are what events publish; null at design time.</summary>
    public Entities.IEntityRegistry? Entities { get; } = entities;

    /// <summary>The custom field definitions of the scope (which fields are texts, e-mails, phones for search); null at design time.</summary>
    public CustomFields.CustomFieldScope? CustomFields { get; } = customFields;

    public TimeProvider Clock { get; } = clock;

    /// <summary>The scope's shared connection; null at design time.</summary>
    public CrmDatabaseSession? Session { get; } = session;

    /// <summary>For design-time tools, which act as the system.</summary>
    public static ModuleDbContextDependencies System { get; } = new(CurrentActor.System(), TimeProvider.System);
}

/// <summary>
/// The base of every module's DbContext. It gives the module its own PostgreSQL schema (a table
/// prefix on SQLite, which has no schemas), snake_case names, an outbox, audit stamps, and a
/// domain event for every change of a <see cref="ICrmRecord"/>, written in the same transaction
/// as the change so that no change goes without its history and no event outlives a rollback.
/// </summary>
public abstract class ModuleDbContext : DbContext
{
    private static readonly ConcurrentDictionary<Type, string?> RecordTypeNames = new();
    private readonly List<CrmEvent> _published = [];
    private readonly List<(ICrmRecord Record, Func<CrmEvent?> Make)> _publishedWith = [];
    private readonly Dictionary<ICrmRecord, Dictionary<string, FieldChange>> _extraChanges = new(ReferenceEqualityComparer.Instance);
    private ModuleDbContextDependencies? _dependencies;

    /// <summary>
    /// For a context kept in the SDK's pool (see <see cref="ModuleDatabase.AddModuleDbContext{TContext}"/>):
    /// it serves a request only once leased to the request's scope, which hands it the scope's
    /// dependencies and connection.
    /// </summary>
    protected ModuleDbContext(DbContextOptions options)
        : base(options)
    {
        // EF Core would set a savepoint before every save inside a transaction, to keep the
        // transaction usable after a failed save. No write of the platform goes on after a failed
        // save (the whole transaction rolls back), so each savepoint is a round trip for nothing.
        // The pool restores this after every lease, as it was when the context was made.
        Database.AutoSavepointsEnabled = false;
    }

    /// <summary>For a context made by hand (tools, tests), which serves only the given dependencies.</summary>
    protected ModuleDbContext(DbContextOptions options, ModuleDbContextDependencies dependencies)
        : this(options)
    {
        // A context made with a connection of its own (design time, tools) keeps it.
        Attach(dependencies, takeSessionConnection: Database.GetConnectionString() is null);
    }

    /// <summary>
    /// Gives a pooled context the scope it serves until it is disposed (returned to the pool): the
    /// scope's actor, clock and custom fields, and the scope's shared connection. Its options, made
    /// once for the process, carry no connection.
    /// </summary>
    internal void Lease(ModuleDbContextDependencies dependencies) => Attach(dependencies, takeSessionConnection: true);

    private void Attach(ModuleDbContextDependencies dependencies, bool takeSessionConnection)
    {
        if (_dependencies is not null)
        {
            throw new InvalidOperationException($"{GetType().Name} already serves a scope: a pooled context is leased once, until it is disposed.");
        }

        _dependencies = dependencies;
        if (dependencies.Session is { } session)
        {
            if (takeSessionConnection)
            {
                Database.SetDbConnection(session.Connection);
            }

            // A rolled-back transaction of the scope must not leave what it saved tracked here.
            session.Enlist(this);
        }
    }

    /// <summary>
    /// Forgets what this context tracks and what it was about to write: a transaction of
    /// <paramref name="session"/> was rolled back. Ignored when the context has since gone back to
    /// the pool or serves another scope.
    /// </summary>
    internal void ForgetRolledBack(CrmDatabaseSession session)
    {
        if (!ReferenceEquals(_dependencies?.Session, session))
        {
            return;
        }

        ChangeTracker.Clear();
        _published.Clear();
        _publishedWith.Clear();
        _extraChanges.Clear();
    }

    /// <summary>
    /// Lets go of the scope before the context goes back to the pool: EF Core resets its own state
    /// (tracked entities, transaction, settings), and this drops the platform's (events about to be
    /// published, extra changes, the actor and the scope's connection) so that nothing of one
    /// request reaches the next lease.
    /// </summary>
    private void Release()
    {
        _published.Clear();
        _publishedWith.Clear();
        _extraChanges.Clear();
        _dependencies = null;
    }

    public override void Dispose()
    {
        Release();
        base.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        Release();
        return base.DisposeAsync();
    }

    /// <summary>The module's schema on PostgreSQL and its table prefix on SQLite: the module id.</summary>
    public abstract string Schema { get; }

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    /// <summary>What the scope this context serves gives it; a pooled context not leased to a scope has none.</summary>
    protected ModuleDbContextDependencies Dependencies =>
        _dependencies ?? throw new InvalidOperationException($"{GetType().Name} serves no scope: resolve it from a scope's services, not from the pool or the root provider.");

    /// <summary>The scope's session, for <see cref="SessionInterceptor"/>; null at design time and between leases.</summary>
    internal CrmDatabaseSession? Session => _dependencies?.Session;

    public bool IsPostgres => Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL";

    /// <summary>The scope's cross-module transaction in progress, if any (see <see cref="CrmDatabaseSession.InTransactionAsync{T}"/>).</summary>
    internal System.Data.Common.DbTransaction? SessionTransaction => _dependencies?.Session?.Transaction;

    /// <summary>
    /// Publishes an event of the module's own contract (a deal's stage change): written to the
    /// outbox by the next save, in its transaction, after the record events of that save.
    /// </summary>
    public void Publish(CrmEvent data)
    {
        ArgumentNullException.ThrowIfNull(data);
        _ = EventJson.ContractOf(data.GetType()); // refused now, not at the save, when it declares no contract
        _published.Add(data);
    }

    /// <summary>
    /// Publishes an event about <paramref name="record"/> made by <paramref name="make"/> when the
    /// next save writes its events, in its transaction: after a new record got its id, and with
    /// what a mutation's later steps set (its bindings). Nothing is published when <paramref name="make"/>
    /// returns null or the record is no longer tracked by then (its change was refused and let go).
    /// </summary>
    public void PublishWith<TRecord>(TRecord record, Func<TRecord, CrmEvent?> make)
        where TRecord : class, ICrmRecord
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(make);
        _publishedWith.Add((record, () => make(record)));
    }

    /// <summary>
    /// Records a change that is not a column of the record itself (its links in another table,
    /// say), so that the record's "updated" event tells it like any field.
    /// </summary>
    public void RecordChange(ICrmRecord record, string field, object? oldValue, object? newValue)
    {
        if (!_extraChanges.TryGetValue(record, out var changes))
        {
            changes = [];
            _extraChanges[record] = changes;
        }

        changes[field] = new FieldChange(ToJson(oldValue), ToJson(newValue));
        var entry = Entry(record);
        if (entry.State == EntityState.Unchanged && record is IAuditedRecord)
        {
            entry.Property(nameof(IAuditedRecord.UpdatedAt)).IsModified = true;
        }
    }

    protected abstract void ConfigureModel(ModelBuilder modelBuilder);

    protected sealed override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OutboxMessage>(outbox =>
        {
            outbox.ToTable("outbox");
            outbox.HasKey(m => m.Id);
            outbox.HasIndex(m => m.EventId).IsUnique();
            outbox.HasIndex(m => m.ProcessedAt);
            outbox.Property(m => m.EntityType).HasMaxLength(64);
            outbox.Property(m => m.Kind).HasMaxLength(64);
        });
        ConfigureModel(modelBuilder);
        CrmDbFunctions.Map(modelBuilder, IsPostgres);
        CustomFields.CustomFieldSql.Map(modelBuilder, IsPostgres);
        ModelConventions.Apply(modelBuilder, Schema, IsPostgres);
    }

    /// <summary>Custom field documents are one JSON column wherever a record type has them.</summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.Properties<CustomFields.CustomFieldValues>()
            .HaveConversion<CustomFieldValuesConverter, CustomFieldValuesComparer>();

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        SaveChangesAsync(acceptAllChangesOnSuccess).GetAwaiter().GetResult();

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        // Inside a session transaction (work spanning modules), save within it, and let go of it
        // afterwards: it ends with the session's work, not with this context.
        if (Dependencies.Session?.Transaction is { } shared && Database.CurrentTransaction is null)
        {
            await Database.UseTransactionAsync(shared, cancellationToken);
            try
            {
                return await SaveWithEventsAsync(acceptAllChangesOnSuccess, cancellationToken);
            }
            finally
            {
                await Database.UseTransactionAsync(null, cancellationToken);
            }
        }

        if (!IsPostgres && Database.CurrentTransaction is null)
        {
            // SQLite (WAL): a save of one statement runs without a transaction, so its statement
            // first reads, then asks for the write lock; when another connection committed in
            // between, SQLite answers SQLITE_BUSY_SNAPSHOT at once, which no busy timeout waits
            // out ("database is locked", seen under concurrent writers). A transaction of our own
            // begins IMMEDIATE: the write lock first, waited for under the busy timeout.
            await using var transaction = await Database.BeginTransactionAsync(cancellationToken);
            var written = await SaveWithEventsAsync(acceptAllChangesOnSuccess, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return written;
        }

        return await SaveWithEventsAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    private async Task<int> SaveWithEventsAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken)
    {
        // One pass over the tracked records finds what changed. Each enumeration of the entries
        // below, and EF's own save, would otherwise compare every property of every tracked
        // record again (five passes); what this save itself sets goes through the entries,
        // which mark it changed.
        ChangeTracker.DetectChanges();
        var autoDetect = ChangeTracker.AutoDetectChangesEnabled;
        ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            return await SaveDetectedWithEventsAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    private async Task<int> SaveDetectedWithEventsAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken)
    {
        // Whole microseconds, which PostgreSQL stores exactly: the record a mutation answers with
        // then carries the times a later read (or a filter on them) sees.
        var clock = Dependencies.Clock.GetUtcNow();
        var now = clock.AddTicks(-(clock.Ticks % TimeSpan.TicksPerMicrosecond));
        StampAudit(now.UtcDateTime);
        var pending = CapturePendingEvents();
        if (pending.Count == 0 && _published.Count == 0 && _publishedWith.Count == 0)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        if (!ChangeTracker.Entries().Any(e => e.State == EntityState.Added && e.Entity is ICrmRecord))
        {
            // Every record's id is known already (updates, deletes): the events go in the same
            // save, so that EF sends them in the same batch as the changes, in one round trip.
            var events = AddToOutbox(pending, now);
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken) - events;
        }

        // Created records get their ids from the first save, so the events are written by a
        // second one; a transaction of our own (unless the caller has one) keeps both atomic.
        var ownTransaction = Database.CurrentTransaction is null
            ? await Database.BeginTransactionAsync(cancellationToken)
            : null;
        try
        {
            var written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
            AddToOutbox(pending, now);
            await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
            if (ownTransaction is not null)
            {
                await ownTransaction.CommitAsync(cancellationToken);
            }

            return written;
        }
        finally
        {
            if (ownTransaction is not null)
            {
                await ownTransaction.DisposeAsync();
            }
        }
    }

    /// <summary>The save's record events, then the module's own published ones, as outbox rows.</summary>
    private int AddToOutbox(List<PendingEvent> pending, DateTimeOffset now)
    {
        var count = 0;
        var made = _publishedWith.Where(p => Entry(p.Record).State != EntityState.Detached).Select(p => p.Make()).OfType<CrmEvent>().ToList();
        _publishedWith.Clear();
        foreach (var data in pending.Select(p => p.Complete()).Concat(_published).Concat(made))
        {
            Outbox.Add(ToOutbox(data, now, Dependencies.Actor.UserId, OriginOf(Dependencies.Actor)));
            Dependencies.Session?.EventWritten?.Invoke(data);
            count++;
        }

        _published.Clear();
        if (count > 0)
        {
            Dependencies.Session?.NoteOutboxWritten(Schema); // the dispatcher is woken when the transaction commits
        }

        return count;
    }

    private void StampAudit(DateTime now)
    {
        foreach (var entry in ChangeTracker.Entries<ISearchableRecord>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified)
            {
                var content = SearchContent(entry.Entity);
                var property = entry.Property(SearchText.Column);
                if (!Equals(property.CurrentValue, content))
                {
                    property.CurrentValue = content;
                }
            }
        }

        foreach (var entry in ChangeTracker.Entries<IAuditedRecord>())
        {
            // Through the entry, not the record: changes are not detected again before the save.
            if (entry.State == EntityState.Added)
            {
                entry.Property(nameof(IAuditedRecord.CreatedAt)).CurrentValue = now;
                entry.Property(nameof(IAuditedRecord.CreatedById)).CurrentValue = Dependencies.Actor.UserId;
                entry.Property(nameof(IAuditedRecord.UpdatedAt)).CurrentValue = now;
                entry.Property(nameof(IAuditedRecord.UpdatedById)).CurrentValue = Dependencies.Actor.UserId;
            }
            else if (entry.State == EntityState.Modified)
            {
                entry.Property(nameof(IAuditedRecord.UpdatedAt)).CurrentValue = now;
                entry.Property(nameof(IAuditedRecord.UpdatedById)).CurrentValue = Dependencies.Actor.UserId;
            }
        }
    }

    /// <summary>
    /// What <c>search</c> finds a record by: its own names, e-mails and phones, and the values of
    /// its custom text, e-mail, web and phone fields.
    /// </summary>
    private string SearchContent(ISearchableRecord record)
    {
        if (record is not CustomFields.ICustomizableRecord { CustomFields.Count: > 0 } customizable
            || Dependencies.CustomFields is null
            || RecordTypeName(record.GetType()) is not { } entityType)
        {
            return SearchText.Build(record);
        }

        List<string?> texts = [.. record.SearchTexts];
        List<string> handles = [.. record.SearchHandles];
        List<string> phones = [.. record.SearchPhones];
        foreach (var spec in Dependencies.CustomFields.Snapshot.For(entityType))
        {
            var values = customizable.CustomFields[spec.Code] switch
            {
                null => [],
                JsonArray list => list.Select(v => v?.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null),
                var one => [one.GetValueKind() == JsonValueKind.String ? one.GetValue<string>() : null],
            };
            foreach (var value in values.OfType<string>())
            {
                switch (spec.Type)
                {
                    case CustomFields.CustomFieldType.String:
                    case CustomFields.CustomFieldType.Text:
                        texts.Add(value.Length > 200 ? value[..200] : value);
                        break;
                    case CustomFields.CustomFieldType.Email:
                    case CustomFields.CustomFieldType.Url:
                        handles.Add(value);
                        break;
                    case CustomFields.CustomFieldType.Phone:
                        phones.Add(value);
                        break;
                }
            }
        }

        return SearchText.Build(texts, handles, phones);
    }

    private List<PendingEvent> CapturePendingEvents()
    {
        var pending = new List<PendingEvent>();
        foreach (var entry in ChangeTracker.Entries())
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
                    var changes = ChangedFields(entry, PublishedNames(entityType));
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
                pending.Add(new PendingEvent(Entry(record), entityType, PendingKind.Updated, new Dictionary<string, FieldChange>(extra)));
            }
        }

        _extraChanges.Clear();
        return pending;
    }

    /// <summary>
    /// The published names of a record type's built-in fields (see <see cref="PublishedFields"/>);
    /// null without a registry (design time, the SDK's own tests), where properties go by their camelCase names.
    /// </summary>
    private IReadOnlyDictionary<string, string>? PublishedNames(string entityType) =>
        Dependencies.Entities?.Find(entityType) is { } type ? PublishedFields.Of(type) : null;

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

    private static string? RecordTypeName(Type type) =>
        RecordTypeNames.GetOrAdd(type, t => t.GetCustomAttribute<CrmRecordAttribute>()?.EntityType);

    /// <summary>What the scope's actor says of itself; an actor that is not the platform's own is told by its user alone.</summary>
    private static ChangeOrigin OriginOf(ICurrentActor actor) =>
        actor is CurrentActor current ? current.Origin : new(actor.UserId is null or 0 ? ActorKind.System : ActorKind.User, null);

    /// <summary>The outbox row of an event: its contract name in <c>kind</c>, its subject, and the envelope subscribers receive.</summary>
    private static OutboxMessage ToOutbox(CrmEvent data, DateTimeOffset occurredAt, long? actorId, ChangeOrigin origin)
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

    private enum PendingKind
    {
        Created,
        Updated,
        Deleted,
    }

    /// <summary>An event whose record id is known only after the insert.</summary>
    private sealed record PendingEvent(EntityEntry Entry, string EntityType, PendingKind Kind, Dictionary<string, FieldChange> Changes)
    {
        // Captured now: a deleted entry is detached by the save and forgets nothing but its state.
        private readonly long _idBeforeSave = ((ICrmRecord)Entry.Entity).Id;

        public CrmEvent Complete() => Kind switch
        {
            PendingKind.Created => new RecordCreated(EntityType, ((ICrmRecord)Entry.Entity).Id),
            PendingKind.Deleted => new RecordDeleted(EntityType, _idBeforeSave),
            // Sorted by name: the JSON a subscriber receives does not follow the order of the module's properties.
            _ => new RecordUpdated(EntityType, _idBeforeSave, new SortedDictionary<string, FieldChange>(Changes, StringComparer.Ordinal)),
        };
    }
}

/// <summary>Stores a record's custom field values as one JSON document.</summary>
public sealed class CustomFieldValuesConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<CustomFields.CustomFieldValues, string>(
    values => values.ToJson(), json => CustomFields.CustomFieldValues.Parse(json));

/// <summary>Compares documents by content, so that changing a value in place is seen as a change.</summary>
public sealed class CustomFieldValuesComparer() : ValueComparer<CustomFields.CustomFieldValues>(
    (a, b) => (a == null ? null : a.ToJson()) == (b == null ? null : b.ToJson()),
    values => values.ToJson().GetHashCode(StringComparison.Ordinal),
    values => values.Clone());

