using Crm.Modules.SelectionLists.Data;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>
/// The lists as the rest of the platform reads and edits them. All items are read with one
/// query the first time a request asks (lists are small), and read again after a change.
/// </summary>
public sealed class SelectionListStore(SelectionListsDbContext db) : ISelectionLists, ISelectionListEditor, IScopedService
{
    private Dictionary<string, List<SelectionListItem>>? _lists;

    public async Task<IReadOnlyList<SelectionListItem>> GetItemsAsync(string entityId, CancellationToken cancellationToken) =>
        (await AllAsync(cancellationToken)).GetValueOrDefault(entityId) ?? [];

    public async Task<IReadOnlyDictionary<string, List<SelectionListItem>>> AllAsync(CancellationToken cancellationToken)
    {
        if (_lists is null)
        {
            var items = await db.Items.AsNoTracking().OrderBy(i => i.EntityId).ThenBy(i => i.Sort).ThenBy(i => i.StatusId).ToListAsync(cancellationToken);
            _lists = items.GroupBy(i => i.EntityId).ToDictionary(g => g.Key, g => g.Select(i => i.ToPublic()).ToList(), StringComparer.Ordinal);
        }

        return _lists;
    }

    /// <summary>Forgets what was read, after a change.</summary>
    public void Invalidate() => _lists = null;

    public async Task CreateListAsync(string entityId, IReadOnlyList<SelectionListItem> items, CancellationToken cancellationToken)
    {
        db.Items.AddRange(items.Select(i => new ListItem
        {
            EntityId = entityId,
            StatusId = i.Id,
            Name = i.Name,
            Sort = i.Sort,
            Color = i.Color,
            Semantics = i.Semantics,
            System = i.System,
            Probability = i.Probability,
        }));
        await db.SaveChangesAsync(cancellationToken);
        Invalidate();
    }

    public async Task DeleteListAsync(string entityId, CancellationToken cancellationToken)
    {
        db.Items.RemoveRange(await db.Items.Where(i => i.EntityId == entityId).ToListAsync(cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        Invalidate();
    }
}
