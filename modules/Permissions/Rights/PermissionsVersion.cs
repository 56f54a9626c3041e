namespace Crm.Modules.Permissions.Rights;

/// <summary>
/// One row whose numbers grow with every change, in the change's transaction: <see cref="Version"/>
/// with users, departments, groups and roles (what rights are made of), <see cref="SessionsVersion"/>
/// with revoked sessions. Every host compares them with what its caches were built on.
/// </summary>
public sealed class PermissionsVersion
{
    public int Id { get; set; } = 1;

    public long Version { get; set; }

    public long SessionsVersion { get; set; }
}
