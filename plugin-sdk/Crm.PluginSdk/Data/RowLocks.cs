using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;

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
    /// <summary>Locks the rows of <typeparamref name="TRecord"/> with these ids that exist (in id order, so that two writers never wait on each other crosswise).</summary>
    public static async Task LockAsync<TRecord>(this ModuleDbContext db, IReadOnlyCollection<long> ids, RowLock mode, CancellationToken cancellationToken)
        where TRecord : class, ICrmRecord
    {
        if (!db.IsPostgres || ids.Count == 0)
        {
            return;
        }

        if (db.Database.CurrentTransaction is null && db.SessionTransaction is null)
        {
            throw new InvalidOperationException("A row lock needs a transaction: run the work in CrmDatabaseSession.InTransactionAsync.");
        }

        var entityType = db.Model.FindEntityType(typeof(TRecord)) ?? throw new InvalidOperationException($"{typeof(TRecord).Name} is not part of {db.GetType().Name}.");
        var idColumn = entityType.FindProperty(nameof(ICrmRecord.Id))!.GetColumnName();
        var strength = mode switch
        {
            RowLock.KeyShare => "KEY SHARE",
            RowLock.NoKeyUpdate => "NO KEY UPDATE",
            _ => "UPDATE",
        };
        // Names come from the EF model; the ids travel as one array parameter.
#pragma warning disable EF1002
        await db.Database.SqlQueryRaw<long>(
                $"SELECT \"{idColumn}\" AS \"Value\" FROM \"{entityType.GetSchema()}\".\"{entityType.GetTableName()}\" WHERE \"{idColumn}\" = ANY({{0}}) ORDER BY 1 FOR {strength}",
                ids.Distinct().ToArray())
            .ToListAsync(cancellationToken);
#pragma warning restore EF1002
    }
}
