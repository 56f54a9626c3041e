using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Departments;
using Crm.Modules.Permissions.Rights;
using Crm.Modules.Permissions.Roles;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Users;

/// <summary>
/// The people work is routed to (<see cref="IOrganization"/>), read as the rights are
/// (<see cref="RightsCalculator"/>): a role reaches a user directly, through a department (and its
/// subdepartments when so given) or through a group. The department tree is read whole (it is
/// small); each set in one statement, ordered by id and cut at the caller's limit.
/// </summary>
public sealed class Organization(PermissionsDbContext db) : IOrganization, IScopedService
{
    public async Task<IReadOnlyDictionary<long, bool>> UsersAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return new Dictionary<long, bool>();
        }

        var wanted = userIds.Distinct().ToList();
        return await db.Users.AsNoTracking().Where(u => wanted.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Active, cancellationToken);
    }

    public async Task<IReadOnlyList<long>?> DepartmentMembersAsync(long departmentId, bool withSubdepartments, int limit, CancellationToken cancellationToken)
    {
        var tree = await TreeAsync(cancellationToken);
        if (!tree.Contains(departmentId))
        {
            return null;
        }

        var departments = withSubdepartments ? tree.WithDescendants([departmentId]) : [departmentId];
        return await People()
            .Where(u => db.UserDepartments.Any(m => m.UserId == u.Id && departments.Contains(m.DepartmentId)))
            .OrderBy(u => u.Id).Select(u => u.Id).Take(limit).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<long, bool>> DepartmentsOfAsync(long userId, CancellationToken cancellationToken)
    {
        var mine = await db.UserDepartments.AsNoTracking().Where(m => m.UserId == userId).Select(m => m.DepartmentId).ToListAsync(cancellationToken);
        if (mine.Count == 0)
        {
            return new Dictionary<long, bool>();
        }

        var result = (await TreeAsync(cancellationToken)).Ancestors(mine).ToDictionary(d => d, _ => false);
        foreach (var department in mine)
        {
            result[department] = true;
        }

        return result;
    }

    public async Task<bool> DepartmentExistsAsync(long departmentId, CancellationToken cancellationToken) =>
        (await TreeAsync(cancellationToken)).Contains(departmentId);

    public Task<bool> HoldDepartmentAsync(long departmentId, CancellationToken cancellationToken) =>
        db.HeldAsync<Department>(departmentId, RowLock.KeyShare, cancellationToken);

    public async Task<IReadOnlySet<long>> ExistingRolesAsync(IReadOnlyCollection<long> roleIds, CancellationToken cancellationToken)
    {
        var wanted = roleIds.Distinct().ToList();
        return (await db.Roles.AsNoTracking().Where(r => wanted.Contains(r.Id)).Select(r => r.Id).ToListAsync(cancellationToken)).ToHashSet();
    }

    public Task<bool> HoldRoleAsync(long roleId, CancellationToken cancellationToken) =>
        db.HeldAsync<Role>(roleId, RowLock.KeyShare, cancellationToken);

    public async Task<IReadOnlyList<long>> RoleHoldersAsync(IReadOnlyCollection<long> roleIds, int limit, CancellationToken cancellationToken)
    {
        var wanted = roleIds.Distinct().ToList();
        var assignments = await db.RoleAssignments.AsNoTracking().Where(a => wanted.Contains(a.RoleId)).ToListAsync(cancellationToken);
        if (assignments.Count == 0 || limit <= 0)
        {
            return [];
        }

        var users = assignments.Where(a => a.UserId is not null).Select(a => a.UserId!.Value).ToHashSet();
        var departments = assignments.Where(a => a.DepartmentId is not null && !a.WithSubdepartments).Select(a => a.DepartmentId!.Value).ToList();
        if (assignments.Where(a => a.DepartmentId is not null && a.WithSubdepartments).Select(a => a.DepartmentId!.Value).ToList() is { Count: > 0 } withBelow)
        {
            departments.AddRange((await TreeAsync(cancellationToken)).WithDescendants(withBelow));
        }

        var groups = assignments.Where(a => a.GroupId is not null).Select(a => a.GroupId!.Value).ToList();
        var holders = People().Where(u => users.Contains(u.Id)
                || db.UserDepartments.Any(m => m.UserId == u.Id && departments.Contains(m.DepartmentId))
                || db.GroupMembers.Any(m => m.UserId == u.Id && groups.Contains(m.GroupId)));
        return await holders.OrderBy(u => u.Id).Select(u => u.Id).Take(limit).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<long>> DepartmentHeadsAsync(long userId, CancellationToken cancellationToken)
    {
        var mine = await db.UserDepartments.AsNoTracking().Where(m => m.UserId == userId).Select(m => m.DepartmentId).ToListAsync(cancellationToken);
        if (mine.Count == 0)
        {
            return [];
        }

        var departments = await db.Departments.AsNoTracking().Select(d => new { d.Id, d.ParentId, d.HeadId }).ToDictionaryAsync(d => d.Id, cancellationToken);
        var heads = new HashSet<long>();
        foreach (var start in mine)
        {
            // Up the tree to the first head that is not the user (guarded against a cycle).
            var seen = new HashSet<long>();
            for (var at = departments.GetValueOrDefault(start); at is not null && seen.Add(at.Id); at = at.ParentId is { } parent ? departments.GetValueOrDefault(parent) : null)
            {
                if (at.HeadId is { } head && head != userId)
                {
                    heads.Add(head);
                    break;
                }
            }
        }

        var ids = heads.ToList();
        return await People().Where(u => ids.Contains(u.Id)).OrderBy(u => u.Id).Select(u => u.Id).ToListAsync(cancellationToken);
    }

    // Work is routed to people: an integration account holds roles to act, not to be given work.
    private IQueryable<User> People() => db.Users.AsNoTracking().Where(u => u.Active && u.Kind == UserKind.Person);

    private async Task<DepartmentTree> TreeAsync(CancellationToken cancellationToken) =>
        new(await db.Departments.AsNoTracking().Select(d => new KeyValuePair<long, long?>(d.Id, d.ParentId)).ToListAsync(cancellationToken));
}
