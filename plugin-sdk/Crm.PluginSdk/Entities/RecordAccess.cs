using System.Linq.Expressions;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// The actor's rights on one record type: which records a read, update or delete may start from,
/// whether a record about to be written stays within reach, and how a record out of reach is told.
/// </summary>
internal sealed class RecordAccess<TRecord>(string name, IReadOnlyList<LambdaExpression> partition, Bindings.IBoundAccess<TRecord>? bound = null)
    where TRecord : class, ICrmRecord
{
    /// <summary>Rights that follow the records this type is bound to, instead of the type's own role levels; null for an ordinary type.</summary>
    public Bindings.IBoundAccess<TRecord>? Bound => bound;

    /// <summary>The actor's filter for the type's own rights (null: every record); not for a bound type.</summary>
    public Expression<Func<TRecord, bool>>? FilterOf(IServiceProvider services, PermissionAction action) =>
        AccessFilter.For<TRecord>(RightsOf(services), name, action, partition);

    /// <summary>Whether rights on the type are partitioned by fields (deals: by pipeline and stage).</summary>
    public bool IsPartitioned => partition.Count > 0;

    public static AccessRights RightsOf(IServiceProvider services) =>
        // No actor at all is no rights: outside a request, work acts as the system only in a system scope.
        services.GetService<ICurrentActor>()?.Rights ?? AccessRights.Nothing;

    /// <summary>The records of <paramref name="query"/> the actor may act on: every read, update and delete starts here.</summary>
    public IQueryable<TRecord> Reachable(IQueryable<TRecord> query, IServiceProvider services, PermissionAction action) =>
        FilterFor(services, action) is { } filter ? query.Where(filter) : query;

    /// <summary>What <see cref="Reachable"/> adds to a query: the type's own or its bound rights; null when the actor reaches every record.</summary>
    public Expression<Func<TRecord, bool>>? FilterFor(IServiceProvider services, PermissionAction action) =>
        bound is null ? FilterOf(services, action) : bound.Filter(services, action);

    /// <summary>Whether a record about to be written is within the actor's reach (a new assignee, a pipeline moved to).</summary>
    /// <remarks>A bound type's records are checked by <see cref="Bindings.IBoundAccess{TRecord}.AllowsAsync"/>, which reads their bound records.</remarks>
    public bool Allows(TRecord record, IServiceProvider services, PermissionAction action)
    {
        if (bound is not null)
        {
            return true;
        }

        var rights = RightsOf(services);
        if (rights.IsAdministrator)
        {
            return true;
        }

        var check = _checks.GetOrCreateValue(rights).GetOrAdd(action, static (action, state) => AccessFilter.For<TRecord>(state.rights, state.name, action, state.partition)?.Compile(),
            (rights, name, partition));
        return check is null || check(record);
    }

    // Allows' compiled filters, per rights snapshot (the rights provider keeps one per user until the rights
    // change) and action: compiling the expression cost more than the rest of a non-administrator's create
    // or update, and made a dynamic method each time, for the finalizer to collect.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<AccessRights, System.Collections.Concurrent.ConcurrentDictionary<PermissionAction, Func<TRecord, bool>?>> _checks = [];

    public bool ReachesAll(IServiceProvider services, PermissionAction action) =>
        bound is null ? AccessFilter.ReachesAll(RightsOf(services), name, action, partition) : RightsOf(services).IsAdministrator;

    /// <summary>Whether the actor reaches no record of this type at all: never so for a bound type, whose records their responsible users reach.</summary>
    public bool ReachesNothing(IServiceProvider services, PermissionAction action) =>
        bound is null && ReachesNone(services, name, action);

    public static bool ReachesNone(IServiceProvider services, string entityType, PermissionAction action) =>
        AccessFilter.ReachesNone(RightsOf(services), entityType, action);

    /// <summary>
    /// Why record <paramref name="id"/> was not found for <paramref name="action"/>: it does not
    /// exist when the actor reaches every record, otherwise it may be hidden, which is told as FORBIDDEN.
    /// </summary>
    public UserError Missing(IServiceProvider services, long id, PermissionAction action, string verb) =>
        ReachesAll(services, action) ? Refusals.NotFound(name, id, "id") : Refusals.Forbidden(verb, name, id, "id");
}
