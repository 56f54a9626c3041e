using Crm.Modules.Permissions.Departments;
using Crm.Modules.Permissions.Groups;
using Crm.Modules.Permissions.Rights;
using Crm.Modules.Permissions.Roles;
using Crm.Modules.Permissions.Users;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Data;

/// <summary>Departments, groups and who is in them, read whole once per request (they are small).</summary>
public sealed class DirectorySnapshot
{
    public DirectorySnapshot(List<Department> departments, List<UserDepartment> userDepartments, List<Group> groups, List<GroupMember> groupMembers)
    {
        Departments = departments.OrderBy(d => d.Sort).ThenBy(d => d.Name, StringComparer.Ordinal).ThenBy(d => d.Id).ToList();
        DepartmentsById = departments.ToDictionary(d => d.Id);
        Tree = new DepartmentTree(departments.Select(d => new KeyValuePair<long, long?>(d.Id, d.ParentId)));
        DepartmentsOfUser = userDepartments.ToLookup(m => m.UserId, m => m.DepartmentId);
        UsersOfDepartment = userDepartments.ToLookup(m => m.DepartmentId, m => m.UserId);
        Groups = groups.OrderBy(g => g.Name, StringComparer.Ordinal).ThenBy(g => g.Id).ToList();
        GroupsById = groups.ToDictionary(g => g.Id);
        GroupsOfUser = groupMembers.ToLookup(m => m.UserId, m => m.GroupId);
        MembersOfGroup = groupMembers.ToLookup(m => m.GroupId, m => m.UserId);
    }

    public IReadOnlyList<Department> Departments { get; }

    public IReadOnlyDictionary<long, Department> DepartmentsById { get; }

    public DepartmentTree Tree { get; }

    public ILookup<long, long> DepartmentsOfUser { get; }

    public ILookup<long, long> UsersOfDepartment { get; }

    public IReadOnlyList<Group> Groups { get; }

    public IReadOnlyDictionary<long, Group> GroupsById { get; }

    public ILookup<long, long> GroupsOfUser { get; }

    public ILookup<long, long> MembersOfGroup { get; }

    public IEnumerable<Department> Children(long id) => Departments.Where(d => d.ParentId == id);

    public IEnumerable<Department> DepartmentsOf(long userId) => DepartmentsOfUser[userId].Select(id => DepartmentsById[id]).OrderBy(d => d.Id);

    public IEnumerable<Group> GroupsOf(long userId) => GroupsOfUser[userId].Select(id => GroupsById[id]).OrderBy(g => g.Id);
}

/// <summary>A role with its permissions and to whom it is given.</summary>
public sealed record RoleView(Role Role, IReadOnlyList<RolePermission> Permissions, IReadOnlyList<RoleAssignment> Assignments);

/// <summary>Reads (and keeps, for the rest of the request) what the GraphQL types show.</summary>
public sealed class DirectoryReader(PermissionsDbContext db) : IScopedService
{
    private DirectorySnapshot? _snapshot;

    public async Task<DirectorySnapshot> SnapshotAsync(CancellationToken cancellationToken) =>
        _snapshot ??= new DirectorySnapshot(
            await db.Departments.AsNoTracking().ToListAsync(cancellationToken),
            await db.UserDepartments.AsNoTracking().ToListAsync(cancellationToken),
            await db.Groups.AsNoTracking().ToListAsync(cancellationToken),
            await db.GroupMembers.AsNoTracking().ToListAsync(cancellationToken));

    /// <summary>After a write in this request: the next read sees it.</summary>
    public void Forget() => _snapshot = null;

    public async Task<IReadOnlyList<RoleView>> RolesAsync(long? id, CancellationToken cancellationToken)
    {
        var roles = await db.Roles.AsNoTracking().Where(r => id == null || r.Id == id).OrderBy(r => r.Name).ThenBy(r => r.Id).ToListAsync(cancellationToken);
        var ids = roles.Select(r => r.Id).ToList();
        var permissions = (await db.RolePermissions.AsNoTracking().Where(p => ids.Contains(p.RoleId)).ToListAsync(cancellationToken)).ToLookup(p => p.RoleId);
        var assignments = (await db.RoleAssignments.AsNoTracking().Where(a => ids.Contains(a.RoleId)).ToListAsync(cancellationToken)).ToLookup(a => a.RoleId);
        return roles.Select(r => new RoleView(
            r,
            permissions[r.Id].OrderBy(p => p.EntityType, StringComparer.Ordinal).ThenBy(p => p.Partition, StringComparer.Ordinal).ThenBy(p => p.Action).ToList(),
            assignments[r.Id].OrderBy(a => a.Id).ToList())).ToList();
    }
}
