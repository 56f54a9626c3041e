using System.Linq.Expressions;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace Crm.PluginSdk.Data;

/// <summary>How strongly a write holds the rows it depends on until its transaction ends.</summary>
public enum RowLock
{
    /// <summary>The rows must go on existing (a link to them is being written); others may still change them.</summary>
    KeyShare,

    /// <summary>The rows are being read, changed and written back; a concurrent writer waits.</summary>
    NoKeyUpdate,

    /// <summary>The rows are being deleted; everything else that locks them waits.</summary>
    Update,
}

/// <summary>
/// Row locks for read-modify-write on both engines. On PostgreSQL the rows are locked with
/// <c>SELECT ... FOR KEY SHARE | NO KEY UPDATE | UPDATE</c>, the same locks its foreign keys
/// take, so that two writers of one record run one after the other and a link cannot be written
/// to a record that a concurrent delete is removing. SQLite needs no statement: the platform's
/// transactions there begin with <c>BEGIN IMMEDIATE</c>, which already lets one writer in at a time.
/// A lock lasts until the scope's transaction ends, so one must be open.
/// </summary>
public static class RowLocks
{
    /// <summary>Locks the rows of <typeparamref name="TRecord"/> (a record type, or any entity of the module's model keyed by a long id) with these ids that exist (in id order, so that two writers never wait on each other crosswise).</summary>
    public static async Task LockAsync<TRecord>(this ModuleDbContext db, IReadOnlyCollection<long> ids, RowLock mode, CancellationToken cancellationToken)
        where TRecord : class
    {
        if (!db.IsPostgres || ids.Count == 0)
        {
            return;
        }

        RequireTransaction(db);
        var (table, idColumn) = TableOf<TRecord>(db);
        // Names come from the EF model; the ids travel as one array parameter.
#pragma warning disable EF1002
        await db.Database.SqlQueryRaw<long>(
                $"SELECT \"{idColumn}\" AS \"Value\" FROM {table} WHERE \"{idColumn}\" = ANY({{0}}) ORDER BY 1 FOR {Strength(mode)}",
                ids.Distinct().ToArray())
            .ToListAsync(cancellationToken);
#pragma warning restore EF1002
    }

    /// <summary>
    /// Locks a name until the transaction ends, for a check-then-write that no row stands for (the
    /// number of a user's unfinished jobs, a record's pinned comments): on PostgreSQL a
    /// transaction-scoped advisory lock on the name's 64-bit hash, so that writers of one name run
    /// one after the other (two names whose hashes collide merely wait on each other); nothing on
    /// SQLite (see above). Name the module first (<c>"jobs.unfinished:42"</c>) so that modules never share a name by accident.
    /// </summary>
    public static async Task LockNameAsync(this ModuleDbContext db, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!db.IsPostgres)
        {
            return;
        }

        RequireTransaction(db);
        await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(hashtextextended({0}, 0))", [name], cancellationToken);
    }

    /// <summary>
    /// Locks a name shared until the transaction ends: many holders at once, but none while a
    /// <see cref="LockNameAsync"/> of the name holds it, and that one waits for them all (a reference to a
    /// list's item written while the list's editor would remove the item). Nothing on SQLite (see above).
    /// </summary>
    public static async Task LockNameSharedAsync(this ModuleDbContext db, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!db.IsPostgres)
        {
            return;
        }

        RequireTransaction(db);
        await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock_shared(hashtextextended({0}, 0))", [name], cancellationToken);
    }

    /// <summary>
    /// The query of one record, read with its row locked: on PostgreSQL the record's table in
    /// <paramref name="query"/> is read through <c>SELECT ... WHERE id = @id FOR ...</c>, so that the
    /// lock and the read are one statement (one round trip instead of two, for every update and
    /// delete). What the query adds (the access filter, includes) applies to the locked row as
    /// PostgreSQL re-reads it after waiting for a concurrent writer. Unchanged on SQLite (see above).
    /// </summary>
    internal static IQueryable<TRecord> LockingRow<TRecord>(this ModuleDbContext db, IQueryable<TRecord> query, long id, RowLock mode)
        where TRecord : class, ICrmRecord
    {
        if (!db.IsPostgres)
        {
            return query;
        }

        RequireTransaction(db);
        var (table, idColumn) = TableOf<TRecord>(db);
#pragma warning disable EF1002 // names from the EF model, the id a parameter
        var locked = db.Set<TRecord>().FromSqlRaw($"SELECT * FROM {table} WHERE \"{idColumn}\" = {{0}} FOR {Strength(mode)}", id);
#pragma warning restore EF1002
        var rooted = new RootReplacer(typeof(TRecord), locked.Expression).Visit(query.Expression);
        return query.Provider.CreateQuery<TRecord>(rooted);
    }

    /// <summary>
    /// <see cref="LockingRow{TRecord}"/> for a compiled query: the record's table in <paramref name="query"/>
    /// read through the context parameter <paramref name="context"/>, locked on PostgreSQL, with the
    /// id the only element of the query parameter <paramref name="sqlArguments"/> (EF expands a raw
    /// SQL root's arguments from an array parameter, not from single values). The caller runs it in a transaction.
    /// </summary>
    internal static Expression LockingRowExpression<TRecord>(ModuleDbContext db, Expression query, ParameterExpression context, ParameterExpression sqlArguments, RowLock mode)
        where TRecord : class, ICrmRecord
    {
        Expression root = Expression.Call(context, nameof(DbContext.Set), [typeof(TRecord)], []);
        if (db.IsPostgres)
        {
            var (table, idColumn) = TableOf<TRecord>(db);
            // The root FromSqlRaw makes, with its arguments a parameter of the compiled query: a
            // call of FromSqlRaw in the tree is refused by EF's parameter extraction, which turns
            // its DbSet into a query root first. The type is EF's own (marked internal API, EF1001), stable
            // since EF Core 7; a change would fail every update test at once.
#pragma warning disable EF1001
            root = new Microsoft.EntityFrameworkCore.Query.Internal.FromSqlQueryRootExpression(
                db.Model.FindEntityType(typeof(TRecord))!,
                $"SELECT * FROM {table} WHERE \"{idColumn}\" = {{0}} FOR {Strength(mode)}",
                sqlArguments);
#pragma warning restore EF1001
        }

        return new RootReplacer(typeof(TRecord), root).Visit(query);
    }

    private static void RequireTransaction(ModuleDbContext db)
    {
        if (db.Database.CurrentTransaction is null && db.SessionTransaction is null)
        {
            throw new InvalidOperationException("A row lock needs a transaction: run the work in CrmDatabaseSession.InTransactionAsync.");
        }
    }

    private static (string Table, string IdColumn) TableOf<TRecord>(ModuleDbContext db)
    {
        var entityType = db.Model.FindEntityType(typeof(TRecord)) ?? throw new InvalidOperationException($"{typeof(TRecord).Name} is not part of {db.GetType().Name}.");
        return ($"\"{entityType.GetSchema()}\".\"{entityType.GetTableName()}\"", entityType.FindProperty(nameof(ICrmRecord.Id))!.GetColumnName());
    }

    private static string Strength(RowLock mode) => mode switch
    {
        RowLock.KeyShare => "KEY SHARE",
        RowLock.NoKeyUpdate => "NO KEY UPDATE",
        _ => "UPDATE",
    };

    /// <summary>Puts the locking statement where the query reads the record's table (a plain root: not another FromSql).</summary>
    private sealed class RootReplacer(Type recordType, Expression lockedRoot) : ExpressionVisitor
    {
        protected override Expression VisitExtension(Expression node) =>
            node.GetType() == typeof(EntityQueryRootExpression) && ((EntityQueryRootExpression)node).EntityType.ClrType == recordType
                ? lockedRoot
                : base.VisitExtension(node);
    }
}
