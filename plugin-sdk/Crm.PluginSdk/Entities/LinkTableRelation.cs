using Crm.PluginSdk.Modules;
using System.Linq.Expressions;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// A relation stored as a link table in the owning module: say which column holds each side,
/// and the SDK reads it, one statement per direction and level. "From" lists its links in their
/// <see cref="IOrderedLink.Sort"/> order; "to" lists them by id, oldest first.
/// </summary>
public abstract class LinkTableRelation<TContext, TLink> : CrmRelationDefinition
    where TContext : ModuleDbContext
    where TLink : class, IOrderedLink
{
    /// <summary>The column with the id of the <see cref="CrmRelationDefinition.FromType"/> record, e.g. <c>link =&gt; link.ContactId</c>.</summary>
    protected abstract Expression<Func<TLink, long>> FromColumn { get; }

    /// <summary>The column with the id of the <see cref="CrmRelationDefinition.ToType"/> record.</summary>
    protected abstract Expression<Func<TLink, long>> ToColumn { get; }

    public override async Task<int> DeleteLinksAsync(IServiceProvider services, long? fromId, long? toId, CancellationToken cancellationToken)
    {
        var (column, id) = fromId is { } from ? (FromColumn, from) : (ToColumn, toId ?? throw new ArgumentNullException(nameof(toId)));
        var link = column.Parameters[0];
        var matches = Expression.Lambda<Func<TLink, bool>>(Expression.Equal(column.Body, Parameter.Of(id, typeof(long))), link);
        return await services.GetModuleService<TContext>().Set<TLink>().Where(matches).ExecuteDeleteAsync(cancellationToken);
    }

    private Func<TLink, long>? _from;
    private Func<TLink, long>? _to;

    /// <summary>A created record's links are rows its save added to the context (a copied insert leaves them tracked too): read from there.</summary>
    public override Task<ILookup<long, long>> LinksOfCreatedAsync(IServiceProvider services, ModuleDbContext context, IReadOnlyCollection<long> createdIds, CancellationToken cancellationToken)
    {
        if (context is not TContext)
        {
            return base.LinksOfCreatedAsync(services, context, createdIds, cancellationToken);
        }

        var from = _from ??= FromColumn.Compile();
        var to = _to ??= ToColumn.Compile();
        var created = createdIds as IReadOnlySet<long> ?? createdIds.ToHashSet();
        var links = context.ChangeTracker.Entries<TLink>()
            .Where(e => e.State is EntityState.Added or EntityState.Unchanged or EntityState.Modified && created.Contains(from(e.Entity)))
            .Select(e => e.Entity)
            .OrderBy(from).ThenBy(l => l.Sort)
            .ToLookup(from, to);
        return Task.FromResult(links);
    }

    protected override Task<ILookup<long, long>> LoadToIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> fromIds, CancellationToken cancellationToken) =>
        LoadAsync(requestServices, fromIds, FromColumn, ToColumn, byLinkOrder: true, cancellationToken);

    protected override Task<ILookup<long, long>> LoadFromIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> toIds, CancellationToken cancellationToken) =>
        LoadAsync(requestServices, toIds, ToColumn, FromColumn, byLinkOrder: false, cancellationToken);

    private static async Task<ILookup<long, long>> LoadAsync(
        IServiceProvider services, IReadOnlyCollection<long> keys, Expression<Func<TLink, long>> keyColumn, Expression<Func<TLink, long>> valueColumn, bool byLinkOrder, CancellationToken cancellationToken)
    {
        var ids = keys.ToList();
        var link = keyColumn.Parameters[0];
        var key = keyColumn.Body;
        var value = ParameterRebinder.Rebind(valueColumn, link);
        // The ids as a parameter, not a constant: a constant list is a new query to EF Core for every
        // set of ids (compiled again each time) and puts the ids in the SQL text.
        var inKeys = Expression.Lambda<Func<TLink, bool>>(Expression.Call(Parameter.Of(ids, typeof(List<long>)), typeof(List<long>).GetMethod(nameof(List<long>.Contains))!, key), link);
        var pair = Expression.Lambda<Func<TLink, KeyValuePair<long, long>>>(
            Expression.New(typeof(KeyValuePair<long, long>).GetConstructor([typeof(long), typeof(long)])!, key, value), link);

        var query = services.GetModuleService<TContext>().Set<TLink>().AsNoTracking().Where(inKeys).OrderBy(keyColumn);
        query = byLinkOrder ? query.ThenBy(l => l.Sort) : query.ThenBy(Expression.Lambda<Func<TLink, long>>(value, link));
        var pairs = await query.Select(pair).ToListAsync(cancellationToken);
        return pairs.ToLookup(p => p.Key, p => p.Value);
    }
}
