using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Rights;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Users;

/// <summary>
/// Users as sets work is handed to in turn (<see cref="IUserSets"/>): the department tree is read
/// once (it is small), the members in one statement, ordered by id and cut at what the caller takes.
/// </summary>
public sealed class UserSets(PermissionsDbContext db) : IUserSets, IScopedService
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

    public async Task<IReadOnlyList<long>?> DepartmentMembersAsync(long departmentId, bool withSubdepartments, int take, CancellationToken cancellationToken)
    {
        var tree = await TreeAsync(cancellationToken);
        if (!tree.Contains(departmentId))
        {
            return null;
        }

        var departments = withSubdepartments ? tree.WithDescendants([departmentId]) : [departmentId];
        return await People()
            .Where(u => db.UserDepartments.Any(m => m.UserId == u.Id && departments.Contains(m.DepartmentId)))
            .OrderBy(u => u.Id).Select(u => u.Id).Take(take).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<long>?> RoleHoldersAsync(long roleId, int take, CancellationToken cancellationToken)
    {
        if (!await db.Roles.AsNoTracking().AnyAsync(r => r.Id == roleId, cancellationToken))
        {
            return null;
        }

        var assignments = await db.RoleAssignments.AsNoTracking().Where(a => a.RoleId == roleId).ToListAsync(cancellationToken);
        var users = assignments.Where(a => a.UserId is not null).Select(a => a.UserId!.Value).ToList();
        var groups = assignments.Where(a => a.GroupId is not null).Select(a => a.GroupId!.Value).ToList();
        var departments = assignments.Where(a => a.DepartmentId is not null && !a.WithSubdepartments).Select(a => a.DepartmentId!.Value).ToList();
        var withBelow = assignments.Where(a => a.DepartmentId is not null && a.WithSubdepartments).Select(a => a.DepartmentId!.Value).ToList();
        if (withBelow.Count > 0)
        {
            departments.AddRange((await TreeAsync(cancellationToken)).WithDescendants(withBelow));
        }

        if (users.Count + groups.Count + departments.Count == 0)
        {
            return [];
        }

        return await People()
            .Where(u => users.Contains(u.Id)
                || db.UserDepartments.Any(m => m.UserId == u.Id && departments.Contains(m.DepartmentId))
                || db.GroupMembers.Any(m => m.UserId == u.Id && groups.Contains(m.GroupId)))
            .OrderBy(u => u.Id).Select(u => u.Id).Take(take).ToListAsync(cancellationToken);
    }

    // Work is handed to people: an integration account holds roles to act, not to be given records.
    private IQueryable<User> People() => db.Users.AsNoTracking().Where(u => u.Active && u.Kind == UserKind.Person);

    private async Task<DepartmentTree> TreeAsync(CancellationToken cancellationToken) =>
        new(await db.Departments.AsNoTracking().Select(d => new KeyValuePair<long, long?>(d.Id, d.ParentId)).ToListAsync(cancellationToken));
}
