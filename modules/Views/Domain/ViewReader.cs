using System.Globalization;
using Crm.Modules.Views.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Views.Domain;

/// <summary>Views as the API shows them: the ones the reader may use, their shares and what they leave out now.</summary>
public sealed class ViewReader(ViewsDbContext db, ViewAccess access, IEntityRegistry registry, IServiceProvider services) : IScopedService
{
    private readonly Dictionary<long, IReadOnlyList<string>> _sharedUsers = [];

    public async Task<IReadOnlyList<SavedView>> ListAsync(string entityType, ViewKind? kind, CancellationToken cancellationToken)
    {
        var views = await access.VisibleAsync(entityType, cancellationToken);
        if (kind is { } only)
        {
            views = views.Where(v => v.Kind == only);
        }

        var list = await views.OrderBy(v => v.Name).ThenBy(v => v.Id).ToListAsync(cancellationToken);
        // The shares of every listed view the reader may see them of, in one statement rather than one per view.
        var shared = list.Where(v => v.Sharing == ViewSharing.Users && access.MayEdit(v)).Select(v => v.Id).ToList();
        if (shared.Count > 0)
        {
            var users = await db.ViewUsers.AsNoTracking().Where(u => shared.Contains(u.ViewId)).ToListAsync(cancellationToken);
            var byView = users.ToLookup(u => u.ViewId, u => u.UserId);
            foreach (var id in shared)
            {
                _sharedUsers[id] = byView[id].Order().Select(u => u.ToString(CultureInfo.InvariantCulture)).ToList();
            }
        }

        return list;
    }

    public async Task<IReadOnlyList<string>> SharedUsersAsync(SavedView view, CancellationToken cancellationToken)
    {
        if (view.Sharing != ViewSharing.Users || !access.MayEdit(view))
        {
            return [];
        }

        if (_sharedUsers.TryGetValue(view.Id, out var known))
        {
            return known;
        }

        var ids = await db.ViewUsers.AsNoTracking().Where(u => u.ViewId == view.Id).OrderBy(u => u.UserId).Select(u => u.UserId).ToListAsync(cancellationToken);
        return ids.Select(id => id.ToString(CultureInfo.InvariantCulture)).ToList();
    }

    public IReadOnlyList<string> Warnings(SavedView view) =>
        registry.Find(view.EntityType) is ICrmEntityDefinition definition
            ? ViewFields.Of(definition, services).Resolve(view).Warnings
            : [$"The record type '{view.EntityType}' is no longer installed."];
}
