using Crm.PluginSdk.Security;

namespace Crm.Modules.Permissions.Roles;

/// <summary>A named set of permissions, given to users, departments or groups.</summary>
public sealed class Role
{
    public long Id { get; set; }

    public string Name { get; set; } = "";

    /// <summary>The settings right: selection lists, pipelines, custom fields, automation, roles.</summary>
    public bool CanConfigure { get; set; }

    /// <summary>
    /// For the role of an integration user (<see cref="Users.IntegrationUsers"/>): the record types it
    /// has been given its rights on, sorted and comma-separated, so that a type loaded later is given
    /// them at the next start while a type an administrator took away stays away; null for any other role.
    /// </summary>
    public string? IntegrationTypes { get; set; }
}

/// <summary>One level a role grants for an action on a record type (or one partition of it, e.g. a deal pipeline).</summary>
public sealed class RolePermission
{
    public long Id { get; set; }

    public long RoleId { get; set; }

    /// <summary>The entity type as the registry names it ("deal").</summary>
    public string EntityType { get; set; } = "";

    /// <summary>For partitioned types, the partition (a deal pipeline's id); null for the whole type.</summary>
    public string? Partition { get; set; }

    public PermissionAction Action { get; set; }

    public PermissionLevel Level { get; set; }
}

/// <summary>A role given to exactly one of: a user, a department (and, when asked, all below it), a group.</summary>
public sealed class RoleAssignment
{
    public long Id { get; set; }

    public long RoleId { get; set; }

    public long? UserId { get; set; }

    public long? DepartmentId { get; set; }

    public bool WithSubdepartments { get; set; }

    public long? GroupId { get; set; }
}
