using System.Globalization;
using Crm.Modules.Views.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Views.Domain;

/// <summary>Views as the API shows them: the ones the reader may use, their shares and what they leave out now.</summary>
public sealed class ViewReader(ViewsDbContext db, ViewAccess access, IEntityRegistry registry, IServiceProvider services) : IScopedService
{
    public async Task<IReadOnlyList<SavedView>> ListAsync(string entityType, ViewKind? kind, CancellationToken cancellationToken)
    {
        var views = await access.VisibleAsync(entityType, cancellationToken);
        if (kind is { } only)
        {
            views = views.Where(v => v.Kind == only);
        }

        return await views.OrderBy(v => v.Name).ThenBy(v => v.Id).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> SharedUsersAsync(SavedView view, CancellationToken cancellationToken)
    {
        if (view.Sharing != ViewSharing.Users || !access.MayEdit(view))
        {
            return [];
        }

        var ids = await db.ViewUsers.AsNoTracking().Where(u => u.ViewId == view.Id).OrderBy(u => u.UserId).Select(u => u.UserId).ToListAsync(cancellationToken);
        return ids.Select(id => id.ToString(CultureInfo.InvariantCulture)).ToList();
    }

    public IReadOnlyList<string> Warnings(SavedView view) =>
        registry.Find(view.EntityType) is ICrmEntityDefinition definition
            ? ViewFields.Of(definition, services).Resolve(view).Warnings
            : [$"The record type '{view.EntityType}' is no longer installed."];
}
