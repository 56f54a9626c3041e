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

    /// <summary>
    /// The refusal of deleting a list whose items something names (the first item so named, in the list's
    /// order, with its uses); null when none is. Each holder is asked once for the whole list
    /// (<see cref="ISelectionListItemReferenceHolder.FirstNamedItemAsync"/>), then all of them for that item.
    /// </summary>
    public static async Task<UserError?> ListRefusalAsync(SelectionListsDbContext db, IServiceProvider services, string entityId, string path, CancellationToken cancellationToken)
    {
        var ids = await db.Items.AsNoTracking().Where(i => i.EntityId == entityId).OrderBy(i => i.Sort).ThenBy(i => i.StatusId).Select(i => i.StatusId).ToListAsync(cancellationToken);
        var first = ids.Count;
        foreach (var holder in services.GetServices<ISelectionListItemReferenceHolder>())
        {
            // Only the items before the earliest one named so far can come first.
            if (await holder.FirstNamedItemAsync(services, entityId, ids[..first], cancellationToken) is { } named && ids.IndexOf(named) is var at and >= 0 && at < first)
            {
                first = at;
            }
        }

        return first == ids.Count ? null : await RefusalAsync(services, $"'{ids[first]}' of {entityId}", entityId, ids[first], path, cancellationToken);
    }

    /// <summary>The refusal of removing an item that something names (<see cref="InUseRefusals"/>); null when nothing does. Asked with the list held.</summary>
    public static Task<UserError?> RefusalAsync(IServiceProvider services, string subject, string entityId, string id, string path, CancellationToken cancellationToken) =>
        InUseRefusals.RefusalAsync(subject, services.GetServices<ISelectionListItemReferenceHolder>(),
            (holder, limit) => holder.UsesKeepingItemAsync(services, entityId, id, limit, cancellationToken), path);
}
