using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Rights;
using Crm.Modules.Permissions.Roles;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Permissions.Users;

/// <summary>
/// At every start: each integration user's role is given its rights (<see cref="IntegrationUsers.Granted"/>
/// at <c>ALL</c>) on the record types loaded now that it was never given them on (a plugin's type
/// installed after the role was made), and those types are noted on the role
/// (<see cref="Role.IntegrationTypes"/>). A type the role was given once is never given again: an
/// administrator who took it away keeps it away. Each role in a transaction holding its row, so two
/// hosts starting at once give a type once.
/// </summary>
public sealed class IntegrationRoleTypes : IModuleStartupTask
{
    public async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PermissionsDbContext>();
        var loaded = services.GetRequiredService<IEntityRegistry>().Types.Select(t => t.Name).ToList();
        var roles = await db.Roles.AsNoTracking().Where(r => r.IntegrationTypes != null).Select(r => new { r.Id, r.IntegrationTypes }).ToListAsync(cancellationToken);
        var behind = roles.Where(r => loaded.Except(Split(r.IntegrationTypes)).Any()).Select(r => r.Id).ToList();
        if (behind.Count == 0)
        {
            return;
        }

        var session = services.GetRequiredService<CrmDatabaseSession>();
        var given = new List<string>();
        foreach (var roleId in behind)
        {
            await session.InTransactionAsync(async () =>
            {
                await db.LockAsync<Role>([roleId], RowLock.NoKeyUpdate, cancellationToken);
                var role = await db.Roles.FirstAsync(r => r.Id == roleId, cancellationToken);
                var known = Split(role.IntegrationTypes);
                var missing = loaded.Except(known).ToList();
                if (missing.Count == 0)
                {
                    return 0; // another host gave them first
                }

                db.RolePermissions.AddRange(Grants(roleId, missing));
                role.IntegrationTypes = Join(known.Concat(missing));
                await db.SaveChangesAsync(cancellationToken);
                await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
                given.Add($"{role.Name}: {string.Join(", ", missing)}");
                return missing.Count;
            }, cancellationToken: cancellationToken);
        }

        if (given.Count > 0)
        {
            services.GetRequiredService<AccessRightsProvider>().Invalidate();
            services.GetRequiredService<ILoggerFactory>().CreateLogger<IntegrationRoleTypes>()
                .LogInformation("Integration roles given their rights on record types loaded since they were made: {Given}", string.Join("; ", given));
        }
    }

    /// <summary>What an integration's role is given on each of <paramref name="types"/>.</summary>
    internal static IEnumerable<RolePermission> Grants(long roleId, IEnumerable<string> types) =>
        types.SelectMany(type => IntegrationUsers.Granted.Select(action =>
            new RolePermission { RoleId = roleId, EntityType = type, Action = action, Level = PermissionLevel.All }));

    internal static string Join(IEnumerable<string> types) => string.Join(',', types.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    internal static string[] Split(string? types) => types is null ? [] : types.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
