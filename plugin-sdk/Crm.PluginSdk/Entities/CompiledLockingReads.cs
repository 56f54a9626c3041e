using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// The read that starts an update or delete (the record as its definition's write query loads it,
/// with its row locked: see <see cref="RowLocks"/>) as an EF Core compiled query, one per lock
/// strength, for the writers that reach every record of the type (an administrator, the system).
/// As for <see cref="CompiledRecordReads{TRecord, TContext}"/>: an ordinary LINQ query is walked
/// on every execution to find its parameters and its cached form, and for this read (a raw SQL
/// root, the definition's includes) that walk was a large share of a write's EF CPU. Any other
/// writer's read carries their rights' filter and goes the ordinary way.
/// </summary>
internal static class CompiledLockingReads<TRecord, TContext>
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    // Per model, as for compiled reads: a compiled query runs only against the model it was compiled for.
    private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<RowLock, Func<TContext, object[], long, CancellationToken, Task<TRecord?>>?>> ByModel = [];

    /// <summary>The record with this id read from the query <paramref name="writeQuery"/> makes, with its row locked; false when that query cannot be compiled once for every write (then read it the ordinary way).</summary>
    public static bool TryRead(TContext db, Func<TContext, IQueryable<TRecord>> writeQuery, long id, RowLock mode, CancellationToken cancellationToken, out Task<TRecord?> read)
    {
        var query = ByModel.GetValue(db.Model, _ => new()).GetOrAdd(mode, _ => Compile(db, writeQuery(db), mode));
        read = query is null ? null! : query(db, [id], id, cancellationToken);
        return query is not null;
    }

    private static Func<TContext, object[], long, CancellationToken, Task<TRecord?>>? Compile(TContext db, IQueryable<TRecord> writeQuery, RowLock mode)
    {
        // A write query that captured values of the moment (a closure, a service) would keep the
        // first ones forever once compiled: such a query is read the ordinary way every time.
        if (CapturedValues.In(writeQuery.Expression))
        {
            return null;
        }

        var context = Expression.Parameter(typeof(TContext), "db");
        var sqlArguments = Expression.Parameter(typeof(object[]), "sqlArguments");
        var id = Expression.Parameter(typeof(long), "id");
        // EF takes a CancellationToken parameter of the lambda as the token of each execution.
        var token = Expression.Parameter(typeof(CancellationToken), "cancellationToken");
        var record = Expression.Parameter(typeof(TRecord), "record");
        var locked = RowLocks.LockingRowExpression<TRecord>(db, writeQuery.Expression, context, sqlArguments, mode);
        var first = Expression.Call(typeof(Queryable), nameof(Queryable.FirstOrDefault), [typeof(TRecord)], locked,
            Expression.Quote(Expression.Lambda<Func<TRecord, bool>>(Expression.Equal(Expression.Property(record, nameof(ICrmRecord.Id)), id), record)));
        return EF.CompileAsyncQuery(Expression.Lambda<Func<TContext, object[], long, CancellationToken, TRecord?>>(first, context, sqlArguments, id, token));
    }

    /// <summary>Whether an expression holds a value other than a literal (a string, a number, null) or a lambda's own parts.</summary>
    private sealed class CapturedValues : ExpressionVisitor
    {
        private bool _found;

        public static bool In(Expression expression)
        {
            var visitor = new CapturedValues();
            visitor.Visit(expression);
            return visitor._found;
        }

        protected override Expression VisitConstant(ConstantExpression node)
        {
            if (node.Value is not (null or string or ValueType))
            {
                _found = true;
            }

            return node;
        }
    }
}
