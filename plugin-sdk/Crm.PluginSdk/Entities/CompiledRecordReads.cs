using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Reads by id as EF Core compiled queries (<see cref="EF.CompileAsyncQuery{TContext, TParam1, TResult}(Expression{Func{TContext, TParam1, TResult}})"/>),
/// one per selection shape. An ordinary LINQ query is walked on every execution to find its
/// parameters and to look its compiled form up in EF's cache; for a read of one record that walk
/// was most of EF's own CPU. A compiled query is walked once. Used only where nothing narrows the
/// read: the reader reaches every record of the type and the type reads from its whole table
/// (<see cref="RecordReader{TRecord, TContext}"/> decides); every other read goes the usual way.
/// </summary>
internal static class CompiledRecordReads<TRecord, TContext>
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    /// <summary>Shapes kept per model, as for <see cref="RecordProjector{TRecord}"/>; beyond, a rare shape takes the ordinary path.</summary>
    private const int MaxShapes = 256;

    // Per model: EF refuses to run a compiled query against another model than the one it was
    // compiled for (another engine, another host in the same process). Weak: gone with the model.
    private static readonly ConditionalWeakTable<IModel, Queries> ByModel = [];

    private sealed class Queries
    {
        public ConcurrentDictionary<string, Func<TContext, long, CancellationToken, Task<TRecord?>>> ById { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, Func<TContext, long[], IAsyncEnumerable<TRecord>>> ByIds { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The record with this id in the projection's shape, or null; false when the shape is not kept (then read it the ordinary way).</summary>
    public static bool TryGet(TContext db, long id, RecordProjection? projection, CancellationToken cancellationToken, out Task<TRecord?> read)
    {
        var key = projection?.Key ?? "";
        var byId = ByModel.GetValue(db.Model, _ => new Queries()).ById;
        if (!byId.TryGetValue(key, out var query))
        {
            if (byId.Count >= MaxShapes)
            {
                read = null!;
                return false;
            }

            var (context, ids, records) = Records(db, projection, many: false);
            // EF takes a CancellationToken parameter of the lambda as the token of each execution.
            var token = Expression.Parameter(typeof(CancellationToken), "cancellationToken");
            query = byId.GetOrAdd(key, _ => EF.CompileAsyncQuery(Expression.Lambda<Func<TContext, long, CancellationToken, TRecord?>>(
                Expression.Call(typeof(Queryable), nameof(Queryable.FirstOrDefault), [typeof(TRecord)], records), context, ids, token)));
        }

        read = query(db, id, cancellationToken);
        return true;
    }

    /// <summary>The records with these ids in the projection's shape; null when the shape is not kept.</summary>
    public static IAsyncEnumerable<TRecord>? TryLoad(TContext db, long[] ids, RecordProjection? projection)
    {
        var key = projection?.Key ?? "";
        var byIds = ByModel.GetValue(db.Model, _ => new Queries()).ByIds;
        if (!byIds.TryGetValue(key, out var query))
        {
            if (byIds.Count >= MaxShapes)
            {
                return null;
            }

            var (context, idsParameter, records) = Records(db, projection, many: true);
            query = byIds.GetOrAdd(key, _ => EF.CompileAsyncQuery(Expression.Lambda<Func<TContext, long[], IQueryable<TRecord>>>(records, context, idsParameter)));
        }

        return query(db, ids);
    }

    /// <summary><c>db.Set&lt;TRecord&gt;().AsNoTracking().Where(r =&gt; r.Id == id /* or ids.Contains(r.Id) */).Select(shape)</c>.</summary>
    private static (ParameterExpression Context, ParameterExpression Ids, Expression Records) Records(TContext db, RecordProjection? projection, bool many)
    {
        var context = Expression.Parameter(typeof(TContext), "db");
        var ids = Expression.Parameter(many ? typeof(long[]) : typeof(long), many ? "ids" : "id");
        var record = Expression.Parameter(typeof(TRecord), "record");
        var recordId = Expression.Property(record, nameof(ICrmRecord.Id));
        Expression matches = many
            ? Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(long)], ids, recordId)
            : Expression.Equal(recordId, ids);

        Expression records = Expression.Call(context, nameof(DbContext.Set), [typeof(TRecord)]);
        records = Expression.Call(typeof(EntityFrameworkQueryableExtensions), nameof(EntityFrameworkQueryableExtensions.AsNoTracking), [typeof(TRecord)], records);
        records = Expression.Call(typeof(Queryable), nameof(Queryable.Where), [typeof(TRecord)], records,
            Expression.Quote(Expression.Lambda<Func<TRecord, bool>>(matches, record)));
        if (RecordProjector<TRecord>.Shape(projection, db.Model) is { } shape)
        {
            records = Expression.Call(typeof(Queryable), nameof(Queryable.Select), [typeof(TRecord), typeof(TRecord)], records, Expression.Quote(shape));
        }

        return (context, ids, records);
    }
}
