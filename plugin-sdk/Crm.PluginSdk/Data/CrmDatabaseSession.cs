using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Crm.PluginSdk.Data;

/// <summary>
/// One database connection per scope (a request, a job), shared by every module's context, so
/// that work spanning modules — a lead converted into a contact, a company and a deal — can
/// run in one transaction: all of it is saved, or none of it.
/// </summary>
public sealed class CrmDatabaseSession(DatabaseOptions options) : DbCommandInterceptor, IDbTransactionInterceptor, IAsyncDisposable, IDisposable
{
    private DbConnection? _connection;
    private readonly List<WeakReference<ModuleDbContext>> _contexts = [];
    private readonly HashSet<string> _outboxesWritten = [];

    /// <summary>
    /// Told, after a commit, each module whose outbox the committed transaction wrote to: the host
    /// wakes its event dispatcher with it instead of leaving the events to its next poll. Set by the host.
    /// </summary>
    internal Action<string>? OutboxCommitted { get; set; }

    /// <summary>
    /// Told each event a module context writes to its outbox in this scope, as it is written: a dry
    /// run of an automation action (<see cref="Automation.AutomationRunner"/>) keeps what its rolled-back
    /// writes would have published. Null (the rule): nothing is told.
    /// </summary>
    internal Action<Events.CrmEvent>? EventWritten { get; set; }

    /// <summary>The scope the session serves, where each save finds its <see cref="IRecordSaveObserver"/>s. Set by the host.</summary>
    internal IServiceProvider? ScopeServices { get; set; }

    /// <summary>A module context wrote events to its outbox in the transaction in progress.</summary>
    internal void NoteOutboxWritten(string module)
    {
        if (OutboxCommitted is not null)
        {
            _outboxesWritten.Add(module);
        }
    }

    private void TellOutboxesCommitted()
    {
        if (_outboxesWritten.Count == 0)
        {
            return;
        }

        foreach (var module in _outboxesWritten)
        {
            OutboxCommitted?.Invoke(module);
        }

        _outboxesWritten.Clear();
    }

    public DbConnection Connection => _connection ??= Create(options);

    private static DbConnection Create(DatabaseOptions options)
    {
        if (options.Provider == DatabaseProvider.Postgres)
        {
            return new NpgsqlConnection(options.ConnectionString);
        }

        var sqlite = new SqliteConnection(options.ConnectionString);
        // Functions live on the connection in SQLite: give every opening the platform's own.
        sqlite.StateChange += (_, change) =>
        {
            if (change.CurrentState == System.Data.ConnectionState.Open)
            {
                CrmDbFunctions.Register(sqlite);
                CustomFields.CustomFieldSql.Register(sqlite);
            }
        };
        return sqlite;
    }

    /// <summary>A module context of the scope, to be cleared when a transaction of the session rolls back.</summary>
    internal void Enlist(ModuleDbContext context) => _contexts.Add(new WeakReference<ModuleDbContext>(context));

    private void ForgetRolledBack()
    {
        _outboxesWritten.Clear();
        foreach (var reference in _contexts)
        {
            if (reference.TryGetTarget(out var context))
            {
                context.ForgetRolledBack(this);
            }
        }
    }

    /// <summary>The transaction of <see cref="InTransactionAsync{T}"/> in progress, if any.</summary>
    public DbTransaction? Transaction { get; private set; }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction on the shared connection, committed when it
    /// returns and rolled back when it throws or when <paramref name="shouldCommit"/> says no.
    /// Inside one already, it simply joins it.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<Task<T>> work, Func<T, bool>? shouldCommit = null, CancellationToken cancellationToken = default)
    {
        if (Transaction is not null)
        {
            return await work();
        }

        if (Connection.State != System.Data.ConnectionState.Open)
        {
            await Connection.OpenAsync(cancellationToken);
        }

        Transaction = await Connection.BeginTransactionAsync(cancellationToken);
        SqlStatementCounter.CountTransaction();
        try
        {
            var result = await work();
            if (shouldCommit?.Invoke(result) == false)
            {
                await Transaction.RollbackAsync(cancellationToken);
                ForgetRolledBack();
            }
            else
            {
                await Transaction.CommitAsync(cancellationToken);
                TellOutboxesCommitted();
            }

            return result;
        }
        catch
        {
            await Transaction.RollbackAsync(CancellationToken.None);
            ForgetRolledBack();
            throw;
        }
        finally
        {
            await Transaction.DisposeAsync();
            Transaction = null;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> within the transaction in progress behind a savepoint: kept when
    /// <paramref name="keep"/> says so; otherwise, or when it throws, undone alone (the transaction
    /// goes on), and what the scope's contexts tracked or were about to publish is forgotten, as
    /// after a rollback. A write refused after it saved (a duplicate) is taken back this way
    /// without losing the writes before it.
    /// </summary>
    internal async Task<T> InSavepointAsync<T>(Func<Task<T>> work, Func<T, bool> keep, CancellationToken cancellationToken)
    {
        var transaction = Transaction ?? throw new InvalidOperationException("A savepoint needs a transaction of the session in progress.");
        // Nested savepoints need names of their own: PostgreSQL and SQLite release and roll back to the innermost of a name.
        var name = "crm_sp_" + (++_savepoints).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await transaction.SaveAsync(name, cancellationToken);
        SqlStatementCounter.CountSavepoint();
        T result;
        try
        {
            result = await work();
        }
        catch
        {
            await transaction.RollbackAsync(name, CancellationToken.None);
            ForgetTracked();
            throw;
        }
        finally
        {
            _savepoints--;
        }

        if (keep(result))
        {
            await transaction.ReleaseAsync(name, cancellationToken);
        }
        else
        {
            await transaction.RollbackAsync(name, cancellationToken);
            ForgetTracked();
        }

        return result;
    }

    private int _savepoints;

    /// <summary>Every context of the scope forgets what it tracked, as after a rollback; the outboxes written before stay to be told of.</summary>
    private void ForgetTracked()
    {
        foreach (var reference in _contexts)
        {
            if (reference.TryGetTarget(out var context))
            {
                context.ForgetRolledBack(this);
            }
        }
    }

    /// <summary>Commands of every context join the session's transaction, which SQLite insists on.</summary>
    public override DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result)
    {
        if (Transaction is not null && result.Transaction is null)
        {
            result.Transaction = Transaction;
        }

        return result;
    }

    // A context's own transaction (one save with its events) commits through EF: tell then.
    void IDbTransactionInterceptor.TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => TellOutboxesCommitted();

    Task IDbTransactionInterceptor.TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken)
    {
        TellOutboxesCommitted();
        return Task.CompletedTask;
    }

    void IDbTransactionInterceptor.TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => _outboxesWritten.Clear();

    Task IDbTransactionInterceptor.TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken)
    {
        _outboxesWritten.Clear();
        return Task.CompletedTask;
    }

    public void Dispose() => _connection?.Dispose();

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
