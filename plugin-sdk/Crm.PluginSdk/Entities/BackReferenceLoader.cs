using Crm.PluginSdk.Modules;
using System.Linq.Expressions;
using System.Reflection;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// The other side of a reference field: the records of this type that name a record of the
/// referenced type (<c>Company.deals</c> from deals' <c>companyId</c>), for many of those at once.
/// </summary>
internal sealed class BackReferenceLoader<TRecord, TContext>(CrmEntityDefinition<TRecord, TContext> definition, RecordAccess<TRecord> access)
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    private static readonly MethodInfo TopPerKeyMethod = typeof(BackReferenceLoader<TRecord, TContext>)
        .GetMethod(nameof(TopPerKeyAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    public async Task<ILookup<long, object>> LoadReferringAsync(IServiceProvider services, string fieldName, IReadOnlyCollection<long> targetIds, int perTarget, RecordProjection? projection, CancellationToken cancellationToken)
    {
        if (!definition.Fields.TryGetValue(fieldName, out var field) || field.ReferenceType is null)
        {
            throw new InvalidOperationException($"'{fieldName}' is not a reference field of {definition.Name}.");
        }

        if (targetIds.Count == 0 || perTarget <= 0)
        {
            return Array.Empty<object>().ToLookup(_ => 0L);
        }

        var db = services.GetModuleService<TContext>();
        // Projected before grouping: the key and the id order the groups, so they are read too.
        var query = RecordProjector<TRecord>.Apply(access.Reachable(definition.ReadsFrom(db), services, PermissionAction.Read),
            projection?.With([field.Property.Name]), db.Model);
        var task = (Task<List<(long Key, TRecord Record)>>)TopPerKeyMethod.MakeGenericMethod(field.Accessor.ReturnType)
            .Invoke(null, [query, field.Accessor, targetIds, perTarget, cancellationToken])!;
        var rows = await task;
        return rows.ToLookup(r => r.Key, r => (object)r.Record);
    }

    /// <summary>
    /// The first <paramref name="perKey"/> records (by id) of each key, in one statement: the
    /// records are numbered per key (ROW_NUMBER() OVER (PARTITION BY key ORDER BY id)) among those
    /// the query lets through, so rights narrow them before they are counted.
    /// </summary>
    private static async Task<List<(long Key, TRecord Record)>> TopPerKeyAsync<TKey>(
        IQueryable<TRecord> query, Expression<Func<TRecord, TKey>> key, IReadOnlyCollection<long> keys, int perKey, CancellationToken cancellationToken)
    {
        var wanted = keys.Select(k => (TKey)Convert.ChangeType(k, Nullable.GetUnderlyingType(typeof(TKey)) ?? typeof(TKey), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var record = key.Parameters[0];
        var contains = Expression.Lambda<Func<TRecord, bool>>(
            Expression.Call(Parameter.Of(wanted, typeof(List<TKey>)), typeof(List<TKey>).GetMethod(nameof(List<TKey>.Contains))!, key.Body), record);
        var groups = await query.Where(contains).GroupBy(key)
            .Select(g => new { g.Key, Records = g.OrderBy(r => r.Id).Take(perKey).ToList() })
            .ToListAsync(cancellationToken);
        return groups.SelectMany(g => g.Records.Select(r => (Convert.ToInt64(g.Key, System.Globalization.CultureInfo.InvariantCulture), r))).ToList();
    }
}
