using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Rights;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Groups;

public sealed record GroupPayload(Group? Group, IReadOnlyList<UserError> Errors);

/// <summary><c>createGroup</c>, <c>updateGroup</c> and <c>deleteGroup</c>.</summary>
public sealed class GroupEditor(PermissionsDbContext db, CrmDatabaseSession session, ChangeGuard guard, DirectoryReader reader, DirectoryLimits limits) : IScopedService
{
    public async Task<GroupPayload> CreateAsync(IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        await SaveAsync(null, input, cancellationToken);

    public async Task<GroupPayload> UpdateAsync(long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        await SaveAsync(id, input, cancellationToken);

    /// <summary>
    /// Deletes a group with its memberships and the roles given to it, in one transaction: nothing
    /// is left naming it. Of several deletes at once one deletes it and the others find it gone.
    /// </summary>
    public async Task<DeletePayload> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        if (guard.RefuseUnlessCanConfigure("Managing groups") is { } forbidden)
        {
            return new DeletePayload(null, [forbidden]);
        }

        if (!guard.IsAdministrator && guard.Actor.UserId is { } callerId)
        {
            // Deleting a group one is in takes its roles from oneself: as for unassignRole, only an administrator may.
            var holding = await RightsCalculator.HoldingAsync(db, callerId, cancellationToken);
            if (holding.GroupIds.Contains(id) && await db.RoleAssignments.AnyAsync(a => a.GroupId == id, cancellationToken))
            {
                return new DeletePayload(null, [ChangeGuard.Forbidden("You are in this group and hold its roles through it; only an administrator can delete it.", "id")]);
            }
        }

        var result = await session.InTransactionAsync(async () =>
        {
            // The group's row first: a second delete waits for this one and then finds nothing.
            if (await db.Groups.Where(g => g.Id == id).ExecuteDeleteAsync(cancellationToken) == 0)
            {
                return new DeletePayload(null, [Refusals.NotFound("group", id, "id")]);
            }

            // The foreign keys cascade too; deleted here as well so that no engine setting decides it.
            await db.RoleAssignments.Where(a => a.GroupId == id).ExecuteDeleteAsync(cancellationToken);
            await db.GroupMembers.Where(m => m.GroupId == id).ExecuteDeleteAsync(cancellationToken);
            await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
            return new DeletePayload(id, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        return guard.Committed(result, result.Errors, reader);
    }

    private async Task<GroupPayload> SaveAsync(long? id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (guard.RefuseUnlessCanConfigure("Managing groups") is { } forbidden)
        {
            return new GroupPayload(null, [forbidden]);
        }

        var group = id is null ? new Group() : await db.Groups.FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
        if (group is null)
        {
            return new GroupPayload(null, [Refusals.NotFound("group", id!.Value, "id")]);
        }

        var errors = new List<UserError>();
        if (InputBinder.Text(input, "name", 255, id is null, errors) is { } name)
        {
            group.Name = name;
        }

        List<long>? memberIds = null;
        if (input.TryGetValue("memberIds", out var membersValue))
        {
            memberIds = [.. RecordIds.ReadList(membersValue, "user", errors, out _, "input", "memberIds")];

            var known = await db.Users.AsNoTracking().Where(u => memberIds.Contains(u.Id)).Select(u => u.Id).ToListAsync(cancellationToken);
            foreach (var missing in memberIds.Where(m => !known.Contains(m)))
            {
                errors.Add(Refusals.NotFound("user", missing, "input", "memberIds"));
            }
        }

        if (errors.Count > 0)
        {
            db.ChangeTracker.Clear();
            return new GroupPayload(null, errors);
        }

        var result = await session.InTransactionAsync(async () =>
        {
            if (id is null)
            {
                // Counted and added in one turn of the lock: parallel creates stop at the bound exactly.
                await db.LockNameAsync("permissions.groups", cancellationToken);
                if (await db.Groups.CountAsync(cancellationToken) >= limits.MaxGroups)
                {
                    return new GroupPayload(null, [DirectoryLimits.Refusal(limits.MaxGroups, "groups")]);
                }
            }
            else if (!await db.HeldAsync<Group>(id.Value, RowLock.NoKeyUpdate, cancellationToken))
            {
                // Deleted meanwhile: not written back.
                return new GroupPayload(null, [Refusals.NotFound("group", id.Value, "id")]);
            }

            var before = await guard.CallerRolesAsync(cancellationToken);
            if (id is null)
            {
                db.Groups.Add(group);
            }

            await db.SaveChangesAsync(cancellationToken);
            if (memberIds is not null)
            {
                await db.GroupMembers.Where(m => m.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
                db.GroupMembers.AddRange(memberIds.Select(userId => new GroupMember { GroupId = group.Id, UserId = userId }));
                await db.SaveChangesAsync(cancellationToken);
            }

            await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
            return await guard.CallerGainedAsync(before, cancellationToken)
                ? new GroupPayload(null, [ChangeGuard.Forbidden("This change would give you a role you do not hold; only an administrator can make it.", "input", "memberIds")])
                : new GroupPayload(group, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        db.ChangeTracker.Clear();
        return guard.Committed(result, result.Errors, reader);
    }
}
