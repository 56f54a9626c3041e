using Crm.Modules.Permissions.Roles;
using Crm.Modules.Permissions.Users;
using Crm.PluginSdk.Data;
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

        // Integration roles forget they were given the types, so a type installed later under one of
        // those names is given to them again (IntegrationRoleTypes gives a type only once).
        // Locked and read again in the transaction, as IntegrationRoleTypes writes the column.
        var roles = await db.Roles.AsNoTracking().Where(r => r.IntegrationTypes != null).Select(r => r.Id).ToListAsync(cancellationToken);
        if (roles.Count > 0)
        {
            rows += await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
            {
                await db.LockAsync<Role>(roles, RowLock.NoKeyUpdate, cancellationToken);
                var changed = 0;
                foreach (var role in await db.Roles.Where(r => roles.Contains(r.Id)).ToListAsync(cancellationToken))
                {
                    var known = IntegrationRoleTypes.Split(role.IntegrationTypes);
                    if (known.Any(types.Contains))
                    {
                        role.IntegrationTypes = IntegrationRoleTypes.Join(known.Except(types));
                        changed++;
                    }
                }

                await db.SaveChangesAsync(cancellationToken);
                return changed;
            }, cancellationToken: cancellationToken);
        }
        if (rows > 0)
        {
            // Hosts that cache the rights read them again, as after a role's edit.
            await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
        }

        return rows;
    }
}
