using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Crm.PluginSdk.Data;

/// <summary>
/// Counts the SQL statements that EF Core sends within a scope (a request, a test), so that
/// batching can be proven and N+1 queries caught, and the transactions and savepoints begun in
/// it (by EF Core or by <see cref="CrmDatabaseSession"/>), so that a write is shown to be one
/// transaction. Scopes flow with the async context.
/// </summary>
internal sealed class SqlStatementCounter : DbCommandInterceptor, IDbTransactionInterceptor
{
    private static readonly AsyncLocal<Scope?> Current = new();

    public static SqlStatementCounter Instance { get; } = new();

    public static Scope BeginScope()
    {
        var scope = new Scope(Current.Value);
        Current.Value = scope;
        return scope;
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Count();
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Count();
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Count();
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Count();
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Count();
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Count();
        return ValueTask.FromResult(result);
    }

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        CountTransaction();
        return result;
    }

    public ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        CountTransaction();
        return ValueTask.FromResult(result);
    }

    public InterceptionResult CreatingSavepoint(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        CountSavepoint();
        return result;
    }

    public ValueTask<InterceptionResult> CreatingSavepointAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        CountSavepoint();
        return ValueTask.FromResult(result);
    }

    /// <summary>A transaction begun outside EF Core (the session's own, on its connection).</summary>
    public static void CountTransaction()
    {
        for (var scope = Current.Value; scope is not null; scope = scope.Parent)
        {
            Interlocked.Increment(ref scope.TransactionsField);
        }
    }

    public static void CountSavepoint()
    {
        for (var scope = Current.Value; scope is not null; scope = scope.Parent)
        {
            Interlocked.Increment(ref scope.SavepointsField);
        }
    }

    /// <summary>A statement sent outside EF Core's commands (a <c>COPY</c> on the context's connection).</summary>
    public static void CountStatement() => Count();

    private static void Count()
    {
        for (var scope = Current.Value; scope is not null; scope = scope.Parent)
        {
            Interlocked.Increment(ref scope.CountField);
        }
    }

    public sealed class Scope : IDisposable
    {
        internal int CountField;
        internal int TransactionsField;
        internal int SavepointsField;

        internal Scope(Scope? parent) => Parent = parent;

        internal Scope? Parent { get; }

        public int Count => Volatile.Read(ref CountField);

        public int Transactions => Volatile.Read(ref TransactionsField);

        public int Savepoints => Volatile.Read(ref SavepointsField);

        public void Dispose()
        {
            if (Current.Value == this)
            {
                Current.Value = Parent;
            }
        }
    }
}
