namespace Crm.PluginSdk.Security;

/// <summary>
/// The platform's users as sets that work is handed to in turn (an automation rule's round-robin
/// assignment): chosen users, the members of a department, the holders of a role. Sets come in a
/// stable order (by id) so that a turn counter kept elsewhere points at the same user however often
/// it is read. The module that keeps users implements it (Permissions); without one there are none
/// (resolve it with <c>GetService</c>).
/// </summary>
public interface IUserSets
{
    /// <summary>The users among <paramref name="userIds"/> that exist, each with whether it is active (not disabled).</summary>
    Task<IReadOnlyDictionary<long, bool>> UsersAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken);

    /// <summary>
    /// The active people (not integration accounts) of the department, and of every department below
    /// it when <paramref name="withSubdepartments"/>, by id, at most <paramref name="take"/>; null when no such department exists.
    /// </summary>
    Task<IReadOnlyList<long>?> DepartmentMembersAsync(long departmentId, bool withSubdepartments, int take, CancellationToken cancellationToken);

    /// <summary>
    /// The active people (not integration accounts) a role is given to: directly, through a department
    /// (and the departments below it when the role is given with them) or through a group; by id, at
    /// most <paramref name="take"/>; null when no such role exists.
    /// </summary>
    Task<IReadOnlyList<long>?> RoleHoldersAsync(long roleId, int take, CancellationToken cancellationToken);
}
