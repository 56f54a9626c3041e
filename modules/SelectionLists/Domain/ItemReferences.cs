using Crm.Modules.SelectionLists.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>
/// References to list items kept outside records' fields (<see cref="ISelectionListItemReferenceHolder"/>):
/// a writer holds the item's list shared while it writes one, the list's editor holds it exclusively
/// (<see cref="SelectionListStore"/>), and a removal is refused while anything names the item.
/// </summary>
internal static class ItemReferences
{
    /// <summary>
    /// Holds the list of <paramref name="listFamily"/> holding the item (shared: writers of references to its
    /// items hold it together; an edit of the list waits for them) and says whether the item is still
    /// there, read from the database after the hold, not from the cache.
    /// </summary>
    public static async Task<bool> HoldAsync(SelectionListsDbContext db, string listFamily, string itemId, CancellationToken cancellationToken)
    {
        var family = listFamily + "_";
        var lists = await db.Items.AsNoTracking()
            .Where(i => i.StatusId == itemId && (i.EntityId == listFamily || i.EntityId.StartsWith(family)))
            .Select(i => i.EntityId).ToListAsync(cancellationToken);
        foreach (var entityId in lists)
        {
            await db.LockNameSharedAsync(SelectionListStore.ListLock(entityId), cancellationToken);
        }

        return lists.Count > 0 && await db.Items.AsNoTracking().AnyAsync(i => i.StatusId == itemId && lists.Contains(i.EntityId), cancellationToken);
    }

    /// <summary>The refusal of deleting a list whose items something names (the first item so named, with its uses); null when none is.</summary>
    public static async Task<UserError?> ListRefusalAsync(SelectionListsDbContext db, IServiceProvider services, string entityId, string path, CancellationToken cancellationToken)
    {
        foreach (var id in await db.Items.AsNoTracking().Where(i => i.EntityId == entityId).OrderBy(i => i.Sort).Select(i => i.StatusId).ToListAsync(cancellationToken))
        {
            if (await RefusalAsync(services, $"'{id}' of {entityId}", entityId, id, path, cancellationToken) is { } named)
            {
                return named;
            }
        }

        return null;
    }

    /// <summary>The refusal of removing an item that something names (<see cref="InUseRefusals"/>); null when nothing does. Asked with the list held.</summary>
    public static Task<UserError?> RefusalAsync(IServiceProvider services, string subject, string entityId, string id, string path, CancellationToken cancellationToken) =>
        InUseRefusals.RefusalAsync(subject, services.GetServices<ISelectionListItemReferenceHolder>(),
            (holder, limit) => holder.UsesKeepingItemAsync(services, entityId, id, limit, cancellationToken), path);
}
