using System.Globalization;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// No reference outlives the record it points at. Before a record is deleted, every reference to
/// it through the registry — reference fields, custom CRM links and link tables of relations, in
/// every registered type, plugins' included, and modules' own references (<see cref="IRecordReferenceHolder"/>) — is cleared in the same transaction, each as an
/// update of the record that held it (with its "updated" event); or the delete is refused when a
/// reference says <see cref="ReferenceDeletion.Refuse"/>. The clearing reaches records the actor
/// may not see (it is the platform's doing), but the changes are the actor's in their history.
/// </summary>
internal static class ReferenceCleaner
{
    public const string Referenced = "REFERENCED";

    /// <summary>Clears every reference to record <paramref name="id"/> of <paramref name="type"/>; returns why not (nothing is changed then, or the caller rolls back).</summary>
    public static async Task<IReadOnlyList<UserError>> DetachAllAsync(IServiceProvider services, string type, long id, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<IEntityRegistry>();
        var relations = services.GetServices<ISchemaContributor>().OfType<CrmRelationDefinition>().ToList();
        var max = services.GetRequiredService<QueryLimits>().MaxDetachedReferences;
        using var allRights = services.GetService<CurrentActor>()?.WithAllRights();

        // Records linked through a relation lose the link through their own input field.
        var byInput = relations.Where(r => r.ToType == type && r.FromInputName is not null && registry.Find(r.FromType) is ICrmEntityDefinition).ToList();
        var linked = new Dictionary<string, HashSet<long>>(StringComparer.Ordinal);
        foreach (var relation in byInput)
        {
            var ids = linked.TryGetValue(relation.FromType, out var existing) ? existing : linked[relation.FromType] = [];
            ids.UnionWith(await relation.RecordsLinkedToAsync(services, id, cancellationToken));
        }

        var problems = new List<UserError>();
        var plans = new List<(ICrmEntityDefinition Definition, IReadOnlyCollection<long> Ids)>();
        var total = 0;
        foreach (var definition in registry.Types.OfType<ICrmEntityDefinition>())
        {
            var scan = await definition.FindReferencesAsync(services, type, id, max, cancellationToken);
            problems.AddRange(scan.Refusing.Select(r => UserError.At(Referenced,
                $"{Capitalized(type)} {id.ToString(CultureInfo.InvariantCulture)} is still named by {r.Count.ToString(CultureInfo.InvariantCulture)} {(r.Count == 1 ? definition.Name : definition.PluralName)} in '{r.Field}'; change those first.", "id")));
            var ids = linked.TryGetValue(definition.Name, out var viaLinks) ? scan.RecordIds.Union(viaLinks).ToList() : scan.RecordIds;
            if (ids.Count > 0)
            {
                plans.Add((definition, ids));
                total += ids.Count;
            }
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        // Modules' own polymorphic references (an activity's communications): counted with the rest, cleared after them.
        var holders = services.GetServices<IRecordReferenceHolder>().ToList();
        foreach (var holder in holders)
        {
            total += await holder.CountHoldersAsync(services, type, id, max, cancellationToken);
        }

        if (total > max)
        {
            return [UserError.At(ErrorCodes.LimitExceeded,
                $"{Capitalized(type)} {id.ToString(CultureInfo.InvariantCulture)} is named by more than {max.ToString(CultureInfo.InvariantCulture)} records (Limits:MaxDetachedReferences); move them to another {type} first.", "id")];
        }

        foreach (var (definition, ids) in plans)
        {
            var refused = await definition.DetachReferencesAsync(services, type, id, ids, byInput.Where(r => r.FromType == definition.Name).ToList(), cancellationToken);
            if (refused.Count > 0)
            {
                return refused;
            }
        }

        foreach (var holder in holders)
        {
            await holder.ClearReferencesAsync(services, type, id, cancellationToken);
        }

        // Bindings of records whose rights follow what they are bound to (activities): they go with it.
        foreach (var definition in registry.Types.OfType<ICrmEntityDefinition>().Where(d => d.BindsToOthers))
        {
            var refused = await definition.DropBindingsToAsync(services, type, id, max, cancellationToken);
            if (refused.Count > 0)
            {
                return refused;
            }
        }

        // Links no input field replaces (their "from" type has none, or is not loaded).
        foreach (var relation in relations.Where(r => r.ToType == type && (r.FromInputName is null || registry.Find(r.FromType) is not ICrmEntityDefinition)))
        {
            await relation.DeleteLinksAsync(services, fromId: null, toId: id, cancellationToken);
        }

        return [];
    }

    /// <summary>
    /// After record <paramref name="id"/> of <paramref name="type"/> is deleted: its own links in
    /// relations it is the "from" side of (which its module usually removes with it already).
    /// </summary>
    public static async Task DeleteOwnLinksAsync(IServiceProvider services, string type, long id, CancellationToken cancellationToken)
    {
        foreach (var relation in services.GetServices<ISchemaContributor>().OfType<CrmRelationDefinition>().Where(r => r.FromType == type))
        {
            await relation.DeleteLinksAsync(services, fromId: id, toId: null, cancellationToken);
        }
    }

    private static string Capitalized(string type) => char.ToUpperInvariant(type[0]) + type[1..];
}
