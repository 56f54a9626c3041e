using System.Globalization;
using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Departments;
using Crm.Modules.Permissions.Groups;
using Crm.Modules.Permissions.Rights;
using Crm.Modules.Permissions.Users;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Permissions.Roles;

public sealed record RolePayload(RoleView? Role, IReadOnlyList<UserError> Errors);

/// <summary>Who a role is given to, as <c>assignRole</c> and <c>unassignRole</c> name it.</summary>
public sealed record RoleHolder(long? UserId, long? DepartmentId, long? GroupId, bool WithSubdepartments);

/// <summary>
/// Roles, their permissions and their assignments. Nobody but an administrator changes, gives
/// or takes a role they hold, or gives one to themselves.
/// </summary>
public sealed class RoleEditor(PermissionsDbContext db, CrmDatabaseSession session, ChangeGuard guard, DirectoryReader reader, IEntityRegistry registry, DirectoryLimits limits, IServiceProvider services)
    : IScopedService
{
    public const int MaxPartitionLength = 64;

    public async Task<RolePayload> CreateAsync(IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        await SaveAsync(null, input, cancellationToken);

    public async Task<RolePayload> UpdateAsync(long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        await SaveAsync(id, input, cancellationToken);

    public async Task<DeletePayload> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        if (guard.RefuseUnlessCanConfigure("Managing roles") is { } forbidden)
        {
            return new DeletePayload(null, [forbidden]);
        }

        var result = await session.InTransactionAsync(async () =>
        {
            // The role's row first: a concurrent delete waits for this one and then finds nothing,
            // and an assignment being written either waits for it or is refused by the foreign key.
            if (await db.Roles.Where(r => r.Id == id).ExecuteDeleteAsync(cancellationToken) == 0)
            {
                return new DeletePayload(null, [NotFound(id, "id")]);
            }

            // Asked with the row deleted (and so held): a writer naming the role committed before, or waits and then finds it gone.
            if (await InUseRefusals.RefusalAsync("The role", services.GetServices<IRoleReferenceHolder>(), (h, limit) => h.UsesKeepingRoleAsync(services, id, limit, cancellationToken), "id") is { } inUse)
            {
                return new DeletePayload(null, [inUse]);
            }

            // The foreign keys cascade too; deleted here as well so that no engine setting decides it.
            await db.RoleAssignments.Where(a => a.RoleId == id).ExecuteDeleteAsync(cancellationToken);
            await db.RolePermissions.Where(p => p.RoleId == id).ExecuteDeleteAsync(cancellationToken);
            await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
            return new DeletePayload(id, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        return guard.Committed(result, result.Errors, reader);
    }

    public async Task<RolePayload> AssignAsync(long roleId, RoleHolder holder, bool assign, CancellationToken cancellationToken)
    {
        if (guard.RefuseUnlessCanConfigure("Managing roles") is { } forbidden)
        {
            return new RolePayload(null, [forbidden]);
        }

        var given = new[] { ("userId", holder.UserId), ("departmentId", holder.DepartmentId), ("groupId", holder.GroupId) }.Where(h => h.Item2 is not null).ToList();
        if (given.Count != 1)
        {
            return new RolePayload(null, [UserError.At(ErrorCodes.InvalidValue, "Give exactly one of userId, departmentId and groupId.", given.Count == 0 ? "userId" : given[1].Item1)]);
        }

        if (holder.WithSubdepartments && holder.DepartmentId is null)
        {
            return new RolePayload(null, [UserError.At(ErrorCodes.InvalidValue, "withSubdepartments applies to departments only.", "withSubdepartments")]);
        }

        var (argument, holderId) = (given[0].Item1, given[0].Item2!.Value);
        if (!guard.IsAdministrator && guard.Actor.UserId is { } callerId)
        {
            var holding = await RightsCalculator.HoldingAsync(db, callerId, cancellationToken);
            if (holding.RoleIds.Contains(roleId))
            {
                return new RolePayload(null, [ChangeGuard.Forbidden("You hold this role; only an administrator can give or take it.", "roleId")]);
            }

            var reachesCaller = argument switch
            {
                "userId" => holderId == callerId,
                "departmentId" => holding.DepartmentIds.Contains(holderId)
                    || (holder.WithSubdepartments && holding.DepartmentIds.Any(d => holding.Tree.IsAtOrBelow(d, holderId))),
                _ => holding.GroupIds.Contains(holderId),
            };
            if (assign && reachesCaller)
            {
                return new RolePayload(null, [ChangeGuard.Forbidden("You cannot give a role to yourself, your department or your group; only an administrator can.", argument)]);
            }
        }

        var result = await session.InTransactionAsync(async () =>
        {
            // Checked and written under the role's and the holder's row locks: assignments of one
            // role are changed one after the other, and a role or holder deleted meanwhile is either
            // waited for (and then not found) or waits for this write (and then takes it along).
            if (await RefuseUnlessBothExistAsync(roleId, argument, holderId, cancellationToken) is { } missing)
            {
                return new RolePayload(null, [missing]);
            }

            var existingId = await db.RoleAssignments.Where(a => a.RoleId == roleId
                    && a.UserId == holder.UserId && a.DepartmentId == holder.DepartmentId && a.GroupId == holder.GroupId
                    && (holder.DepartmentId == null || a.WithSubdepartments == holder.WithSubdepartments))
                .Select(a => (long?)a.Id)
                .FirstOrDefaultAsync(cancellationToken);
            var alreadyGiven = existingId is not null;
            if (assign == alreadyGiven)
            {
                return new RolePayload(null, [assign
                    ? UserError.At(ErrorCodes.Conflict, "The role is already given so.", argument)
                    : UserError.At(ErrorCodes.NotFound, "The role is not given so.", argument)]);
            }

            var before = await guard.CallerRolesAsync(cancellationToken);
            if (assign)
            {
                db.RoleAssignments.Add(new RoleAssignment
                {
                    RoleId = roleId,
                    UserId = holder.UserId,
                    DepartmentId = holder.DepartmentId,
                    GroupId = holder.GroupId,
                    WithSubdepartments = holder.WithSubdepartments,
                });
                await db.SaveChangesAsync(cancellationToken);
            }
            else
            {
                await db.RoleAssignments.Where(a => a.Id == existingId).ExecuteDeleteAsync(cancellationToken);
            }

            await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
            return await guard.CallerGainedAsync(before, cancellationToken)
                ? new RolePayload(null, [ChangeGuard.Forbidden("This change would give you a role you do not hold; only an administrator can make it.", argument)])
                : new RolePayload(null, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        return await FinishAsync(result, roleId, cancellationToken);
    }

    /// <summary>Locks the role (its assignments are about to change) and the holder (it must go on existing), and says which of them is gone.</summary>
    private async Task<UserError?> RefuseUnlessBothExistAsync(long roleId, string argument, long holderId, CancellationToken cancellationToken)
    {
        if (!await db.HeldAsync<Role>(roleId, RowLock.NoKeyUpdate, cancellationToken))
        {
            return NotFound(roleId, "roleId");
        }

        var (held, what) = argument switch
        {
            "userId" => (await db.HeldAsync<User>(holderId, RowLock.KeyShare, cancellationToken), "user"),
            "departmentId" => (await db.HeldAsync<Department>(holderId, RowLock.KeyShare, cancellationToken), "department"),
            _ => (await db.HeldAsync<Group>(holderId, RowLock.KeyShare, cancellationToken), "group"),
        };
        return held ? null : Refusals.NotFound(what, holderId, argument);
    }

    private async Task<RolePayload> SaveAsync(long? id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (guard.RefuseUnlessCanConfigure("Managing roles") is { } forbidden)
        {
            return new RolePayload(null, [forbidden]);
        }

        var role = id is null ? new Role() : await db.Roles.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (role is null)
        {
            return new RolePayload(null, [NotFound(id!.Value, "id")]);
        }

        if (id is not null && !guard.IsAdministrator && (await guard.CallerRolesAsync(cancellationToken)).Contains(id.Value))
        {
            db.ChangeTracker.Clear();
            return new RolePayload(null, [ChangeGuard.Forbidden("You hold this role; only an administrator can change it.", "id")]);
        }

        var errors = new List<UserError>();
        if (InputBinder.Text(input, "name", 255, id is null, errors) is { } name)
        {
            if (await db.Roles.AnyAsync(r => r.Name == name && r.Id != role.Id, cancellationToken))
            {
                errors.Add(UserError.At(ErrorCodes.Conflict, $"There is already a role named '{name}'.", "input", "name"));
            }
            else
            {
                role.Name = name;
            }
        }

        if (input.TryGetValue("canConfigure", out var configure) && configure is bool canConfigure)
        {
            role.CanConfigure = canConfigure;
        }

        var permissions = input.TryGetValue("permissions", out var permissionsValue) ? ReadPermissions(permissionsValue, errors) : null;
        if (errors.Count > 0)
        {
            db.ChangeTracker.Clear();
            return new RolePayload(null, errors);
        }

        RolePayload result;
        try
        {
            result = await session.InTransactionAsync(() => WriteAsync(id, role, permissions, cancellationToken), r => r.Errors.Count == 0, cancellationToken);
        }
        catch (DbUpdateException exception) when (UniqueViolations.Is(exception))
        {
            // Another admin gave a role this name between the check above and this write.
            db.ChangeTracker.Clear();
            return new RolePayload(null, [UserError.At(ErrorCodes.Conflict, $"There is already a role named '{role.Name}'.", "input", "name")]);
        }

        return await FinishAsync(result, role.Id, cancellationToken);
    }

    private async Task<RolePayload> WriteAsync(long? id, Role role, List<RolePermission>? permissions, CancellationToken cancellationToken)
    {
        if (id is null)
        {
            // Counted and added in one turn of the lock: parallel creates stop at the bound exactly.
            await db.LockNameAsync("permissions.roles", cancellationToken);
            if (await db.Roles.CountAsync(cancellationToken) >= limits.MaxRoles)
            {
                return new RolePayload(null, [DirectoryLimits.Refusal(limits.MaxRoles, "roles")]);
            }

            db.Roles.Add(role);
        }
        else
        {
            // Two admins replacing one role's permissions write one after the other (neither
            // set merges into the other), and a role deleted meanwhile is not written back.
            if (!await db.HeldAsync<Role>(id.Value, RowLock.NoKeyUpdate, cancellationToken))
            {
                return new RolePayload(null, [NotFound(id.Value, "id")]);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        if (permissions is not null)
        {
            await db.RolePermissions.Where(p => p.RoleId == role.Id).ExecuteDeleteAsync(cancellationToken);
            foreach (var permission in permissions)
            {
                permission.RoleId = role.Id;
                db.RolePermissions.Add(permission);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
        return new RolePayload(null, []);
    }

    private async Task<RolePayload> FinishAsync(RolePayload result, long roleId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        if (result.Errors.Count > 0)
        {
            return result;
        }

        reader.Forget();
        guard.Published();
        // Deleted by another admin right after this change committed: it is gone now.
        return (await reader.RolesAsync(roleId, cancellationToken)).SingleOrDefault() is { } role
            ? new RolePayload(role, [])
            : new RolePayload(null, [NotFound(roleId, "roleId")]);
    }

    private List<RolePermission> ReadPermissions(object? value, List<UserError> errors)
    {
        var permissions = new List<RolePermission>();
        var i = 0;
        foreach (var item in (value as IEnumerable<object?> ?? []).OfType<IDictionary<string, object?>>())
        {
            var index = i++.ToString(CultureInfo.InvariantCulture);
            var entityType = (string)item["entityType"]!;
            var action = (PermissionAction)item["action"]!;
            var level = (PermissionLevel)item["level"]!;
            var partition = (item.TryGetValue("partition", out var p) ? p as string : null)?.Trim();
            if (registry.Find(entityType) is null)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"There is no record type {entityType}.", "input", "permissions", index, "entityType"));
                continue;
            }

            // An action a record type declares is that type's alone.
            if (registry.Find(entityType) is ICrmEntityDefinition declaring && declaring.PermissionActions.All(a => a.Action != action))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"{entityType} has no action {action.Name}; it has {string.Join(", ", declaring.PermissionActions.Select(a => a.Action.Name))}.", "input", "permissions", index, "action"));
                continue;
            }

            if (partition is { Length: 0 or > MaxPartitionLength })
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"A partition has 1 to {MaxPartitionLength} characters (leave it out for the whole type).", "input", "permissions", index, "partition"));
                continue;
            }

            // A partition names values of the fields the type's rights are divided by, coarsest first.
            var fields = (registry.Find(entityType) as ICrmEntityDefinition)?.PermissionPartitionFields ?? [];
            if (partition is not null && (fields.Count == 0 || partition.Split('/').Length > fields.Count || partition.Split('/').Any(part => part.Length == 0)))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, fields.Count == 0
                        ? $"Rights on {entityType} do not differ by partition; leave 'partition' out."
                        : $"A partition of {entityType} is {string.Join(", then '/', ", fields)} (e.g. \"3\" or \"3/C3:WON\" for deals).",
                    "input", "permissions", index, "partition"));
                continue;
            }

            if (permissions.Any(x => x.EntityType == entityType && x.Partition == partition && x.Action == action))
            {
                errors.Add(UserError.At(ErrorCodes.Conflict, $"{action.Name} on {entityType}{(partition is null ? "" : $" ({partition})")} is given twice.", "input", "permissions", index));
                continue;
            }

            permissions.Add(new RolePermission { EntityType = entityType, Partition = partition, Action = action, Level = level });
        }

        return permissions;
    }

    private static UserError NotFound(long id, string path) => Refusals.NotFound("role", id, path);
}
