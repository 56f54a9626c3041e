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
    /// <summary>How many uses a refusal names; the rest are said as "and more".</summary>
    private const int Named = 5;

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
            if (await KeepingAsync(services, entityId, id, cancellationToken) is { Length: > 0 } uses)
            {
                return UserError.At("IN_USE", $"'{id}' of {entityId} is named by {uses}; change or delete them first (a draft or active version that names it keeps it).", path);
            }
        }

        return null;
    }

    /// <summary>The first five things that name the item, "and more" past them; empty for none. Asked with the list held.</summary>
    public static async Task<string> KeepingAsync(IServiceProvider services, string entityId, string id, CancellationToken cancellationToken)
    {
        var uses = new List<string>();
        foreach (var holder in services.GetServices<ISelectionListItemReferenceHolder>())
        {
            uses.AddRange(await holder.UsesKeepingItemAsync(services, entityId, id, Named + 1 - uses.Count, cancellationToken));
            if (uses.Count > Named)
            {
                break;
            }
        }

        return string.Join(", ", uses.Take(Named)) + (uses.Count > Named ? " and more" : "");
    }
}
