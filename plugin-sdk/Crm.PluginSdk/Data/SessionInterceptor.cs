using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Crm.PluginSdk.Data;

/// <summary>
/// Hands EF Core's command and transaction events of a module context to its scope's
/// <see cref="CrmDatabaseSession"/>. One instance serves every context, so that a context type's
/// options are made once for the process instead of once per request and module (making them
/// was the largest part of a small read's CPU).
/// </summary>
internal sealed class SessionInterceptor : DbCommandInterceptor, IDbTransactionInterceptor
{
    public static readonly SessionInterceptor Instance = new();

    private SessionInterceptor()
    {
    }

    private static CrmDatabaseSession? SessionOf(DbContext? context) => (context as ModuleDbContext)?.Session;

    public override DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result) =>
        SessionOf(eventData.Context) is { } session ? session.CommandInitialized(eventData, result) : result;

    void IDbTransactionInterceptor.TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (SessionOf(eventData.Context) is IDbTransactionInterceptor session)
        {
            session.TransactionCommitted(transaction, eventData);
        }
    }

    Task IDbTransactionInterceptor.TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken) =>
        SessionOf(eventData.Context) is IDbTransactionInterceptor session
            ? session.TransactionCommittedAsync(transaction, eventData, cancellationToken)
            : Task.CompletedTask;

    void IDbTransactionInterceptor.TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (SessionOf(eventData.Context) is IDbTransactionInterceptor session)
        {
            session.TransactionRolledBack(transaction, eventData);
        }
    }

    Task IDbTransactionInterceptor.TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken) =>
        SessionOf(eventData.Context) is IDbTransactionInterceptor session
            ? session.TransactionRolledBackAsync(transaction, eventData, cancellationToken)
            : Task.CompletedTask;
}
