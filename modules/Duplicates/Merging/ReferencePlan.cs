using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Duplicates.Merging;

/// <summary>
/// Every reference to the records a merge removes, found before anything changes (so that their
/// number is bounded first) and then moved to the kept record the way a delete clears them (the
/// SDK's reference detaching, told the replacement): reference fields (read-only ones too), custom
/// CRM links and relation links of every registered type, each as an update of the holding record
/// with its event and history; then what modules hold (<see cref="IRecordReferenceMover"/>).
/// Found and moved with every right: the platform's doing, as clearing references on a delete is.
/// </summary>
internal sealed class ReferencePlan
{
    private readonly string _type;
    private readonly List<(long RemovedId, ICrmEntityDefinition Holder, IReadOnlyCollection<long> Ids, IReadOnlyList<CrmRelationDefinition> Relations)> _holders = [];
    private readonly List<(long RemovedId, IRecordReferenceMover Mover)> _movers = [];

    private ReferencePlan(string type) => _type = type;

    /// <summary>How many references move (counting may stop past the limit).</summary>
    public int Count { get; private set; }

    public static async Task<ReferencePlan> MakeAsync(IServiceProvider services, ICrmEntityDefinition type, IReadOnlyList<long> removed, int limit, CancellationToken cancellationToken)
    {
        var plan = new ReferencePlan(type.Name);
        var registry = services.GetRequiredService<IEntityRegistry>();
        var byInput = services.GetServices<ISchemaContributor>().OfType<CrmRelationDefinition>()
            .Where(r => r.ToType == type.Name && r.FromInputName is not null && registry.Find(r.FromType) is ICrmEntityDefinition).ToList();
        var movers = services.GetServices<IRecordReferenceMover>().ToList();
        using var allRights = services.GetService<CurrentActor>()?.WithAllRights();
        foreach (var id in removed)
        {
            var linked = new Dictionary<string, HashSet<long>>(StringComparer.Ordinal);
            foreach (var relation in byInput)
            {
                var ids = linked.TryGetValue(relation.FromType, out var existing) ? existing : linked[relation.FromType] = [];
                ids.UnionWith(await relation.RecordsLinkedToAsync(services, id, cancellationToken));
            }

            foreach (var holder in registry.Types.OfType<ICrmEntityDefinition>())
            {
                var scan = await holder.FindReferencesAsync(services, type.Name, id, limit, cancellationToken);
                var ids = linked.TryGetValue(holder.Name, out var viaLinks) ? scan.RecordIds.Union(viaLinks).ToList() : scan.RecordIds;
                // The records merged into one another let go of each other (they are deleted); the kept one is moved like any holder.
                ids = ids.Where(i => holder.Name != type.Name || !removed.Contains(i)).ToList();
                if (ids.Count > 0)
                {
                    plan._holders.Add((id, holder, ids, byInput.Where(r => r.FromType == holder.Name).ToList()));
                    plan.Count += ids.Count;
                }
            }

            foreach (var mover in movers)
            {
                var count = await mover.CountReferencesAsync(services, type.Name, id, limit, cancellationToken);
                plan._movers.Add((id, mover));
                plan.Count += count;
            }
        }

        return plan;
    }

    /// <summary>Moves every reference found to <paramref name="keepId"/>; the refusals of a holding record's update, if any (the caller rolls back).</summary>
    public async Task<IReadOnlyList<UserError>> MoveAsync(IServiceProvider services, long keepId, CancellationToken cancellationToken)
    {
        using var allRights = services.GetService<CurrentActor>()?.WithAllRights();
        foreach (var (removedId, holder, ids, relations) in _holders)
        {
            var refused = await holder.DetachReferencesAsync(services, _type, removedId, ids, relations, cancellationToken, replacementId: keepId);
            if (refused.Count > 0)
            {
                return refused;
            }
        }

        foreach (var (removedId, mover) in _movers)
        {
            await mover.MoveReferencesAsync(services, _type, removedId, keepId, cancellationToken);
        }

        return [];
    }
}
