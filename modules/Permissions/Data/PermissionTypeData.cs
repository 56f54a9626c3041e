using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Permissions.Data;

/// <summary>An uninstalled plugin's record types leave every role's rights: a type installed later under that name starts with none.</summary>
internal sealed class PermissionTypeData : IRecordTypeDataOwner
{
    public async Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PermissionsDbContext>();
        var types = recordTypes.ToArray();
        var rows = await db.RolePermissions.Where(p => types.Contains(p.EntityType)).ExecuteDeleteAsync(cancellationToken);
        if (rows > 0)
        {
            // Hosts that cache the rights read them again, as after a role's edit.
            await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
        }

        return rows;
    }
}
