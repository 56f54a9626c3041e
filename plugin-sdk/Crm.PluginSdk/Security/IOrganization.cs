namespace Crm.PluginSdk.Security;

/// <summary>
/// Who holds a role and who heads whom, for modules that route work to people (an approval's
/// assignees). The module that keeps users, roles and departments implements it (Permissions);
/// without one, nothing can be routed by role or department.
/// </summary>
public interface IOrganization
{
    /// <summary>Those of <paramref name="roleIds"/> that exist.</summary>
    Task<IReadOnlySet<long>> ExistingRolesAsync(IReadOnlyCollection<long> roleIds, CancellationToken cancellationToken);

    /// <summary>
    /// The active people (not integration users) holding any of the roles now, however it reaches
    /// them (given to them, to a department they are in, with its subdepartments when so given, or
    /// to a group of theirs): distinct, lowest ids first, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<long>> RoleHoldersAsync(IReadOnlyCollection<long> roleIds, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The heads of the departments <paramref name="userId"/> is in: each department's head, or, where
    /// it has none or the user heads it, the nearest head above; active people only, distinct.
    /// </summary>
    Task<IReadOnlyList<long>> DepartmentHeadsAsync(long userId, CancellationToken cancellationToken);
}
