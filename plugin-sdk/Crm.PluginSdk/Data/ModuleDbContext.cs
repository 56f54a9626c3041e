using Crm.PluginSdk.Events;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;

namespace Crm.PluginSdk.Data;

/// <summary>
/// The base of every module's DbContext. It gives the module its own PostgreSQL schema (a table
/// prefix on SQLite, which has no schemas), snake_case names, an outbox, audit stamps, and a
/// domain event for every change of a <see cref="ICrmRecord"/>, written in the same transaction
/// as the change so that no change goes without its history and no event outlives a rollback.
/// </summary>
public abstract class ModuleDbContext : DbContext
{
    private readonly SaveEvents _events = new();
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
        _events.Clear();
    }

    /// <summary>
    /// Lets go of the scope before the context goes back to the pool: EF Core resets its own state
    /// (tracked entities, transaction, settings), and this drops the platform's (events about to be
    /// published, extra changes, the actor and the scope's connection) so that nothing of one
    /// request reaches the next lease.
    /// </summary>
    private void Release()
    {
        _events.Clear();
        CopiesAddedRows = false;
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

    /// <summary>
    /// The next saves write many new rows of a table with PostgreSQL's binary <c>COPY</c> (see
    /// <see cref="CopiedInserts"/>): set by a bulk create for its one save, whose failure it
    /// handles whatever the statement that failed.
    /// </summary>
    internal bool CopiesAddedRows { get; set; }

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
        _events.Publish(data);
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
        _events.PublishWith(record, () => make(record));
    }

    /// <summary>
    /// Records a change that is not a column of the record itself (its links in another table,
    /// say), so that the record's "updated" event tells it like any field.
    /// </summary>
    public void RecordChange(ICrmRecord record, string field, object? oldValue, object? newValue)
    {
        _events.RecordChange(record, field, oldValue, newValue);
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

    private int AddToOutbox(List<SaveEvents.PendingEvent> pending, DateTimeOffset now)
    {
        var count = _events.AddToOutbox(this, pending, now, Dependencies);
        if (count > 0)
        {
            Dependencies.Session?.NoteOutboxWritten(Schema); // the dispatcher is woken when the transaction commits
        }

        return count;
    }

    private async Task<int> SaveDetectedWithEventsAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken)
    {
        var now = SaveTime();
        SaveStamps.Apply(ChangeTracker, Dependencies, now.UtcDateTime);
        var pending = _events.Capture(this, Dependencies.Entities);
        if (pending.Count == 0 && !_events.AnyPublished)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        var observers = pending.Count == 0 ? [] : ObserversOf(observer => pending.Exists(p => observer.Observes(p.EntityType)));
        var creates = ChangeTracker.Entries().Any(e => e.State == EntityState.Added && e.Entity is ICrmRecord);
        if (!creates && observers.Count == 0)
        {
            // Every record's id is known already (updates, deletes): the events go in the same
            // save, so that EF sends them in the same batch as the changes, in one round trip.
            var events = AddToOutbox(pending, now);
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken) - events;
        }

        // Created records get their ids from the first save, so the events are written by a
        // second one, and observers write after the rows: a transaction of our own (unless the
        // caller has one) keeps all of it atomic.
        var ownTransaction = Database.CurrentTransaction is null
            ? await Database.BeginTransactionAsync(cancellationToken)
            : null;
        try
        {
            int written;
            if (creates)
            {
                written = await SaveRowsAsync(acceptAllChangesOnSuccess, cancellationToken);
                AddToOutbox(pending, now);
                await SaveRowsAsync(acceptAllChangesOnSuccess, cancellationToken);
            }
            else
            {
                var events = AddToOutbox(pending, now);
                written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken) - events;
            }

            foreach (var observer in observers)
            {
                var saved = pending.Where(p => observer.Observes(p.EntityType)).Select(p => p.Saved()).ToList();
                await observer.SavedAsync(this, saved, cancellationToken);
            }

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

    /// <summary>
    /// Whole microseconds, which PostgreSQL stores exactly: the record a mutation answers with
    /// then carries the times a later read (or a filter on them) sees.
    /// </summary>
    private DateTimeOffset SaveTime()
    {
        var clock = Dependencies.Clock.GetUtcNow();
        return clock.AddTicks(-(clock.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    /// <summary>
    /// A bulk create's save of new records of one type on PostgreSQL, without EF's change tracking
    /// (whose adding, detecting and accepting of every record and event was the largest part of an
    /// import's CPU): what <see cref="SaveChangesAsync(bool, CancellationToken)"/> does for them,
    /// in the session's transaction, straight from the objects. They are stamped (audit columns,
    /// search text), copied (<see cref="CopiedInserts"/>) and get their ids, their "created" events
    /// are copied to the outbox, and the save observers are told of them. The records stay
    /// untracked. False, with nothing written, when the save must be EF's: another engine, fewer
    /// than <see cref="CopiedInserts.MinRows"/> records, no session transaction, anything else of
    /// this context waiting to be saved (changes, published events, links), or a record the copy
    /// cannot write alone (a related object, a column the database fills).
    /// </summary>
    internal async Task<bool> TryInsertUntrackedAsync(IReadOnlyList<ICrmRecord> records, CancellationToken cancellationToken)
    {
        if (!IsPostgres || records.Count < CopiedInserts.MinRows || Dependencies.Session?.Transaction is not { } shared || Database.CurrentTransaction is not null
            || _events.AnyPublished || _events.AnyExtraChanges || records[0].GetType() is var clrType && records.Any(r => r.GetType() != clrType)
            || Model.FindEntityType(clrType) is not { } type || SaveEvents.RecordTypeName(clrType) is not { } entityType
            || ChangeTracker.Entries().Any(e => e.State != EntityState.Unchanged))
        {
            return false;
        }

        var now = SaveTime();
        var actor = Dependencies.Actor;
        var origin = SaveEvents.OriginOf(actor);
        // The outbox's plan from an event like theirs, so that nothing is written unless both tables can be copied.
        if (CopiedInserts.PlanUntracked(type, records) is not { } plan
            || CopiedInserts.PlanUntracked(Model.FindEntityType(typeof(OutboxMessage))!, [SaveEvents.ToOutbox(new RecordCreated(entityType, 0), now, actor.UserId, origin)]) is not { } outboxPlan)
        {
            return false;
        }

        foreach (var audited in records.OfType<IAuditedRecord>())
        {
            audited.CreatedAt = audited.UpdatedAt = now.UtcDateTime;
            audited.CreatedById = audited.UpdatedById = actor.UserId;
        }

        var customFields = Dependencies.CustomFields;
        await Database.UseTransactionAsync(shared, cancellationToken);
        try
        {
            // A record's only shadow column written is its search text (the others the database fills, or null, as EF leaves them).
            await CopiedInserts.WriteUntrackedAsync(this, plan, records,
                (record, property) => property.Name == SearchText.Column && record is ISearchableRecord searchable ? SaveStamps.SearchContent(searchable, customFields) : null, cancellationToken);
            var outbox = new List<OutboxMessage>(records.Count);
            foreach (var record in records)
            {
                var data = new RecordCreated(entityType, record.Id);
                outbox.Add(SaveEvents.ToOutbox(data, now, actor.UserId, origin));
                Dependencies.Session?.EventWritten?.Invoke(data);
            }

            await CopiedInserts.WriteUntrackedAsync(this, outboxPlan, outbox, (_, _) => null, cancellationToken);
            Dependencies.Session?.NoteOutboxWritten(Schema);
            var saved = records.Select(r => new SavedRecord(entityType, r.Id, r, SavedRecordKind.Created, [])).ToList();
            foreach (var observer in ObserversOf(observer => observer.Observes(entityType)))
            {
                await observer.SavedAsync(this, saved, cancellationToken);
            }
        }
        finally
        {
            await Database.UseTransactionAsync(null, cancellationToken);
        }

        return true;
    }

    /// <summary>EF's save, after the new rows <see cref="CopiesAddedRows"/> lets <see cref="CopiedInserts"/> write.</summary>
    private async Task<int> SaveRowsAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken)
    {
        var copied = CopiesAddedRows && IsPostgres ? await CopiedInserts.WriteAsync(this, cancellationToken) : 0;
        return copied + await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>The scope's observers of saves that <paramref name="concerned"/> accepts; resolved only when records were saved.</summary>
    private List<IRecordSaveObserver> ObserversOf(Func<IRecordSaveObserver, bool> concerned) =>
        Dependencies.Session?.ScopeServices?.GetService(typeof(IEnumerable<IRecordSaveObserver>)) is IEnumerable<IRecordSaveObserver> observers
            ? observers.Where(concerned).ToList()
            : [];
}
