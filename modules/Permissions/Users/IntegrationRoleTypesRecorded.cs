using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Roles;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Permissions.Users;

/// <summary>
/// The roles of integration users made before roles noted their record types
/// (<see cref="Role.IntegrationTypes"/>) note the types they have rights on now: what an administrator
/// took away before this stays away, and only types loaded from now on are added at a start.
/// </summary>
public sealed class IntegrationRoleTypesRecorded : IModuleDataMigration
{
    public string Id => "0002-integration-role-types";

    public async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PermissionsDbContext>();
        var integrationRoles = await db.RoleAssignments
            .Where(a => a.UserId != null && db.Users.Any(u => u.Id == a.UserId && u.Kind == UserKind.Integration))
            .Select(a => a.RoleId).Distinct().ToListAsync(cancellationToken);
        foreach (var role in await db.Roles.Where(r => integrationRoles.Contains(r.Id) && r.IntegrationTypes == null).ToListAsync(cancellationToken))
        {
            var types = await db.RolePermissions.Where(p => p.RoleId == role.Id).Select(p => p.EntityType).Distinct().ToListAsync(cancellationToken);
            role.IntegrationTypes = IntegrationRoleTypes.Join(types);
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
