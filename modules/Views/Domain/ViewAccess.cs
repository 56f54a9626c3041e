using Crm.Modules.Views.Data;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Views.Domain;

/// <summary>
/// Which views the actor may use (their own, those shared with everyone, with a department they are in
/// or one above it shared with its subdepartments, or with them by name) and edit (their own; anyone's
/// with the settings right). The platform itself (a job acting as the system) uses any view.
/// </summary>
public sealed class ViewAccess(ViewsDbContext db, ICurrentActor actor, IServiceProvider services) : IScopedService
{
    private IReadOnlyDictionary<long, bool>? _departments;

    public bool MayEdit(SavedView view) => actor.CanConfigure || view.OwnerId == actor.UserId;

    /// <summary>The views of <paramref name="entityType"/> the actor may use.</summary>
    public async Task<IQueryable<SavedView>> VisibleAsync(string entityType, CancellationToken cancellationToken)
    {
        var views = db.Views.AsNoTracking().Where(v => v.EntityType == entityType);
        if (actor.IsAdministrator && actor.UserId is null)
        {
            return views;
        }

        if (actor.UserId is not { } me)
        {
            return views.Where(v => false);
        }

        var departments = await DepartmentsAsync(me, cancellationToken);
        var direct = departments.Where(d => d.Value).Select(d => d.Key).ToList();
        var above = departments.Keys.ToList();
        return views.Where(v => v.OwnerId == me
            || v.Sharing == ViewSharing.Everyone
            || (v.Sharing == ViewSharing.Users && db.ViewUsers.Any(u => u.ViewId == v.Id && u.UserId == me))
            || (v.Sharing == ViewSharing.Department && v.DepartmentId != null
                && (direct.Contains(v.DepartmentId.Value) || (v.WithSubdepartments && above.Contains(v.DepartmentId.Value)))));
    }

    /// <summary>The view <paramref name="id"/> of <paramref name="entityType"/> (any type when null) if the actor may use it.</summary>
    public async Task<SavedView?> FindVisibleAsync(string? entityType, long id, CancellationToken cancellationToken)
    {
        var view = await db.Views.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
        if (view is null || (entityType is not null && view.EntityType != entityType))
        {
            return null;
        }

        return await MayUseAsync(view, cancellationToken) ? view : null;
    }

    public async Task<bool> MayUseAsync(SavedView view, CancellationToken cancellationToken)
    {
        if ((actor.IsAdministrator && actor.UserId is null) || view.OwnerId == actor.UserId || view.Sharing == ViewSharing.Everyone)
        {
            return true;
        }

        if (actor.UserId is not { } me)
        {
            return false;
        }

        return view.Sharing switch
        {
            ViewSharing.Users => await db.ViewUsers.AnyAsync(u => u.ViewId == view.Id && u.UserId == me, cancellationToken),
            ViewSharing.Department when view.DepartmentId is { } department =>
                (await DepartmentsAsync(me, cancellationToken)).TryGetValue(department, out var direct) && (direct || view.WithSubdepartments),
            _ => false,
        };
    }

    private async Task<IReadOnlyDictionary<long, bool>> DepartmentsAsync(long userId, CancellationToken cancellationToken) =>
        _departments ??= services.GetService<IOrganization>() is { } organization
            ? await organization.DepartmentsOfAsync(userId, cancellationToken)
            : new Dictionary<long, bool>();
}
