using Crm.Modules.Views.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Views.Domain;

public sealed record ViewPayload(SavedView? View, IReadOnlyList<UserError> Errors);

public sealed record DeleteViewPayload(long? DeletedId, IReadOnlyList<UserError> Errors);

/// <summary>
/// <c>createView</c>, <c>updateView</c>, <c>deleteView</c> and <c>setDefaultView</c>. Each writes in one
/// transaction: an update holds the view's row, so parallel updates apply one after another; the
/// count of a user's views rises only below the limit; a default is one row per user and type, by its key.
/// </summary>
public sealed class ViewEditor(
    ViewsDbContext db, CrmDatabaseSession session, ICurrentActor actor, ViewAccess access, ViewLimits limits, IEntityRegistry registry, TimeProvider clock, IServiceProvider services)
    : IScopedService
{
    public async Task<ViewPayload> CreateAsync(IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (actor.UserId is not { } owner)
        {
            return Refused(UserError.At(ErrorCodes.Forbidden, "Views belong to users: sign in to save one."));
        }

        var entityType = (string)input["entityType"]!;
        if (registry.Find(entityType) is not ICrmEntityDefinition definition)
        {
            return Refused(UserError.At(ErrorCodes.Validation, $"There is no record type '{entityType}'.", "input", "entityType"));
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var view = new SavedView
        {
            EntityType = definition.Name,
            Kind = input.GetValueOrDefault("kind") is ViewKind kind ? kind : ViewKind.View,
            OwnerId = owner,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var binder = new ViewInput(definition, services, limits);
        var errors = new List<UserError>();
        var users = binder.SharedUsers(input, errors);
        if (errors.Count == 0)
        {
            errors.AddRange(await binder.ApplyAsync(view, input, isCreate: true, users, cancellationToken));
        }

        if (errors.Count > 0)
        {
            return new ViewPayload(null, errors);
        }

        view.Users = view.Sharing == ViewSharing.Users ? (users ?? []).Select(u => new ViewUser { UserId = u }).ToList() : [];
        await EnsureQuotaRowAsync(owner, view.EntityType, cancellationToken);
        var result = await session.InTransactionAsync(async () =>
        {
            var counted = await db.Quotas
                .Where(q => q.OwnerId == owner && q.EntityType == view.EntityType && q.Count < limits.MaxPerUserAndType)
                .ExecuteUpdateAsync(q => q.SetProperty(x => x.Count, x => x.Count + 1), cancellationToken);
            if (counted == 0)
            {
                return Refused(UserError.At(ErrorCodes.LimitExceeded,
                    $"You have {limits.MaxPerUserAndType} views and filters of {definition.PluralName}, the most one user may have (Views:MaxPerUserAndType).", "input"));
            }

            if (await RefuseUnlessDepartmentHeldAsync(view, cancellationToken) is { } gone)
            {
                return gone;
            }

            db.Views.Add(view);
            await db.SaveChangesAsync(cancellationToken);
            return new ViewPayload(view, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        db.ChangeTracker.Clear();
        return result;
    }

    public async Task<ViewPayload> UpdateAsync(long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        var result = await session.InTransactionAsync(async () =>
        {
            await db.LockAsync<SavedView>([id], RowLock.NoKeyUpdate, cancellationToken);
            var view = await db.Views.Include(v => v.Users).FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
            if (view is null || !await access.MayUseAsync(view, cancellationToken))
            {
                return Refused(Refusals.NotFound("view", id, "id"));
            }

            if (!access.MayEdit(view))
            {
                return Refused(UserError.At(ErrorCodes.Forbidden, "Only the view's owner, or someone with the settings right, may change it.", "id"));
            }

            if (registry.Find(view.EntityType) is not ICrmEntityDefinition definition)
            {
                return Refused(UserError.At(ErrorCodes.Validation, $"The record type '{view.EntityType}' is no longer installed.", "id"));
            }

            var binder = new ViewInput(definition, services, limits);
            var errors = new List<UserError>();
            var users = binder.SharedUsers(input, errors);
            if (errors.Count == 0)
            {
                errors.AddRange(await binder.ApplyAsync(view, input, isCreate: false, users, cancellationToken));
            }

            if (errors.Count > 0)
            {
                return new ViewPayload(null, errors);
            }

            var wanted = view.Sharing == ViewSharing.Users ? users ?? view.Users.Select(u => u.UserId).ToList() : [];
            view.Users.RemoveAll(u => !wanted.Contains(u.UserId));
            view.Users.AddRange(wanted.Where(u => view.Users.All(x => x.UserId != u)).Select(u => new ViewUser { ViewId = view.Id, UserId = u }));
            if (await RefuseUnlessDepartmentHeldAsync(view, cancellationToken) is { } gone)
            {
                return gone;
            }

            view.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
            return new ViewPayload(view, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        db.ChangeTracker.Clear();
        return result;
    }

    public async Task<DeleteViewPayload> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        var result = await session.InTransactionAsync(async () =>
        {
            await db.LockAsync<SavedView>([id], RowLock.Update, cancellationToken);
            var view = await db.Views.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
            if (view is null || !await access.MayUseAsync(view, cancellationToken))
            {
                return new DeleteViewPayload(null, [Refusals.NotFound("view", id, "id")]);
            }

            if (!access.MayEdit(view))
            {
                return new DeleteViewPayload(null, [UserError.At(ErrorCodes.Forbidden, "Only the view's owner, or someone with the settings right, may delete it.", "id")]);
            }

            // Its shares and the defaults naming it go with it (cascade).
            await db.Views.Where(v => v.Id == id).ExecuteDeleteAsync(cancellationToken);
            await db.Quotas.Where(q => q.OwnerId == view.OwnerId && q.EntityType == view.EntityType && q.Count > 0)
                .ExecuteUpdateAsync(q => q.SetProperty(x => x.Count, x => x.Count - 1), cancellationToken);
            return new DeleteViewPayload(id, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        return result;
    }

    /// <summary>
    /// Makes <paramref name="viewId"/> the actor's default view of the type (null: none); with
    /// <paramref name="forEveryone"/>, the default of everyone without one of their own, which needs the
    /// settings right and a view shared with everyone.
    /// </summary>
    public async Task<ViewPayload> SetDefaultAsync(string entityType, long? viewId, bool forEveryone, CancellationToken cancellationToken)
    {
        if (actor.UserId is not { } me)
        {
            return Refused(UserError.At(ErrorCodes.Forbidden, "Defaults belong to users: sign in to set one."));
        }

        if (forEveryone && actor.RefuseUnlessCanConfigure("Setting everyone's default view") is { } forbidden)
        {
            return Refused(forbidden);
        }

        var user = forEveryone ? ViewDefault.Everyone : me;
        return await session.InTransactionAsync(async () =>
        {
            if (viewId is not { } id)
            {
                await db.Defaults.Where(d => d.UserId == user && d.EntityType == entityType).ExecuteDeleteAsync(cancellationToken);
                return new ViewPayload(null, []);
            }

            // Held until the default is written, so a parallel delete cannot leave it naming nothing.
            await db.LockAsync<SavedView>([id], RowLock.KeyShare, cancellationToken);
            if (await access.FindVisibleAsync(entityType, id, cancellationToken) is not { } view)
            {
                return Refused(Refusals.NotFound("view", id, "viewId"));
            }

            if (forEveryone && view.Sharing != ViewSharing.Everyone)
            {
                return Refused(UserError.At(ErrorCodes.Validation, "Everyone's default view is one shared with everyone.", "viewId"));
            }

            var (table, userColumn, typeColumn, viewColumn) = Columns(db.Model.FindEntityType(typeof(ViewDefault))!);
            // One statement on both engines: the key makes a parallel writer update the row the other inserted.
#pragma warning disable EF1002, EF1003 // names come from the EF model; values are parameters
            await db.Database.ExecuteSqlRawAsync(
                $"INSERT INTO {table} (\"{userColumn}\", \"{typeColumn}\", \"{viewColumn}\") VALUES ({{0}}, {{1}}, {{2}}) " +
                $"ON CONFLICT (\"{userColumn}\", \"{typeColumn}\") DO UPDATE SET \"{viewColumn}\" = excluded.\"{viewColumn}\"",
                [user, entityType, id], cancellationToken);
#pragma warning restore EF1002, EF1003
            return new ViewPayload(view, []);
        }, r => r.Errors.Count == 0, cancellationToken);
    }

    /// <summary>The actor's default view of the type: their own, else everyone's; null when neither is set or they may no longer use it.</summary>
    public async Task<SavedView?> DefaultAsync(string entityType, CancellationToken cancellationToken)
    {
        var me = actor.UserId ?? ViewDefault.Everyone;
        var ids = await db.Defaults.AsNoTracking()
            .Where(d => d.EntityType == entityType && (d.UserId == me || d.UserId == ViewDefault.Everyone))
            .OrderByDescending(d => d.UserId).Select(d => d.ViewId).ToListAsync(cancellationToken);
        foreach (var id in ids)
        {
            if (await access.FindVisibleAsync(entityType, id, cancellationToken) is { } view)
            {
                return view;
            }
        }

        return null;
    }

    /// <summary>The owner's count row of the type, made if missing (outside the write's transaction: a parallel maker's row is as good).</summary>
    private async Task EnsureQuotaRowAsync(long owner, string entityType, CancellationToken cancellationToken)
    {
        var entity = db.Model.FindEntityType(typeof(ViewQuota))!;
        var store = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var table = Table(entity);
        string Column(string property) => entity.FindProperty(property)!.GetColumnName(store)!;
#pragma warning disable EF1002, EF1003 // names come from the EF model; values are parameters
        await db.Database.ExecuteSqlRawAsync(
            $"INSERT INTO {table} (\"{Column(nameof(ViewQuota.OwnerId))}\", \"{Column(nameof(ViewQuota.EntityType))}\", \"{Column(nameof(ViewQuota.Count))}\") VALUES ({{0}}, {{1}}, 0) ON CONFLICT DO NOTHING",
            [owner, entityType], cancellationToken);
#pragma warning restore EF1002, EF1003
    }

    private static (string Table, string User, string Type, string View) Columns(IEntityType entity)
    {
        var store = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        string Column(string property) => entity.FindProperty(property)!.GetColumnName(store)!;
        return (Table(entity), Column(nameof(ViewDefault.UserId)), Column(nameof(ViewDefault.EntityType)), Column(nameof(ViewDefault.ViewId)));
    }

    private static string Table(IEntityType entity) =>
        entity.GetSchema() is { } schema ? $"\"{schema}\".\"{entity.GetTableName()}\"" : $"\"{entity.GetTableName()}\"";

    /// <summary>
    /// A view shared with a department holds it until the write commits: a department deleted after
    /// the input was checked is found gone here, and one deleted later finds this view and makes it private.
    /// </summary>
    private async Task<ViewPayload?> RefuseUnlessDepartmentHeldAsync(SavedView view, CancellationToken cancellationToken) =>
        view.Sharing == ViewSharing.Department && view.DepartmentId is { } department
            && services.GetService<IOrganization>() is { } organization && !await organization.HoldDepartmentAsync(department, cancellationToken)
            ? Refused(ViewInput.DepartmentGone())
            : null;

    private static ViewPayload Refused(UserError error) => new(null, [error]);
}
