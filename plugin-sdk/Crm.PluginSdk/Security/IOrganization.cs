namespace Crm.PluginSdk.Security;

/// <summary>
/// The platform's people as modules route work to them: who exists and is active, the people of a
/// department, who holds a role, who heads whom (an approval's assignees, a round-robin's turns).
/// Sets come as active people only (not integration accounts), distinct and lowest ids first, so that a
/// turn counter kept elsewhere points at the same person however often it is read. The module that
/// keeps users, roles and departments implements it (Permissions); without one there are none
/// (resolve it with <c>GetService</c>).
/// </summary>
public interface IOrganization
{
    /// <summary>The users among <paramref name="userIds"/> that exist, each with whether it is active (not disabled).</summary>
    Task<IReadOnlyDictionary<long, bool>> UsersAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken);

    /// <summary>
    /// The active people of the department, and of every department below it when
    /// <paramref name="withSubdepartments"/>, at most <paramref name="limit"/>; null when no such department exists.
    /// </summary>
    Task<IReadOnlyList<long>?> DepartmentMembersAsync(long departmentId, bool withSubdepartments, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The departments <paramref name="userId"/> is in (true) and every department above those (false):
    /// what a thing shared with a department, with or without its subdepartments, is checked against.
    /// </summary>
    Task<IReadOnlyDictionary<long, bool>> DepartmentsOfAsync(long userId, CancellationToken cancellationToken);

    /// <summary>Whether the department exists (what a saved parameter naming one is checked with).</summary>
    Task<bool> DepartmentExistsAsync(long departmentId, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the department exists, holding it so until the current transaction ends: a
    /// <c>deleteDepartment</c> meanwhile waits for that transaction (and then releases what it
    /// wrote, see <see cref="IDepartmentReferenceHolder"/>). Call it inside the transaction that
    /// writes the reference, just before writing it.
    /// </summary>
    Task<bool> HoldDepartmentAsync(long departmentId, CancellationToken cancellationToken);

    /// <summary>Those of <paramref name="roleIds"/> that exist.</summary>
    Task<IReadOnlySet<long>> ExistingRolesAsync(IReadOnlyCollection<long> roleIds, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the role exists, holding it so until the current transaction ends: a <c>deleteRole</c>
    /// meanwhile waits for that transaction (and then finds the reference, see <see cref="IRoleReferenceHolder"/>).
    /// Call it inside the transaction that writes the reference. By default it only checks (no hold).
    /// </summary>
    async Task<bool> HoldRoleAsync(long roleId, CancellationToken cancellationToken) =>
        (await ExistingRolesAsync([roleId], cancellationToken)).Contains(roleId);

    /// <summary>
    /// The active people holding any of the roles now, however it reaches them (given to them, to a
    /// department they are in, with its subdepartments when so given, or to a group of theirs), at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<long>> RoleHoldersAsync(IReadOnlyCollection<long> roleIds, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The heads of the departments <paramref name="userId"/> is in: each department's head, or, where
    /// it has none or the user heads it, the nearest head above; active people only, distinct.
    /// </summary>
    Task<IReadOnlyList<long>> DepartmentHeadsAsync(long userId, CancellationToken cancellationToken);
}
