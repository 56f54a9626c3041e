using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Rights;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Groups;

public sealed record GroupPayload(Group? Group, IReadOnlyList<UserError> Errors);

/// <summary><c>createGroup</c> and <c>updateGroup</c>.</summary>
public sealed class GroupEditor(PermissionsDbContext db, CrmDatabaseSession session, ChangeGuard guard, DirectoryReader reader) : IScopedService
{
    public async Task<GroupPayload> CreateAsync(IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        await SaveAsync(null, input, cancellationToken);

    public async Task<GroupPayload> UpdateAsync(long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        await SaveAsync(id, input, cancellationToken);

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
        if (result.Errors.Count == 0)
        {
            reader.Forget();
            guard.Published();
        }

        return result;
    }
}
