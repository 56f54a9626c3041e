using System.Data.Common;
using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Rights;
using Crm.Modules.Permissions.Roles;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Permissions.Users;

/// <summary>
/// The platform's integration users (<see cref="IIntegrationUsers"/>): a user of kind
/// <see cref="UserKind.Integration"/> per key, e-mail <c>&lt;key&gt;@integration.invalid</c> (a
/// domain that can receive no mail; the unique e-mail is what makes it one), no password, not an
/// administrator. Its rights are those of a role made with it, <c>Integration: &lt;name&gt;</c>:
/// <c>READ</c>, <c>ADD</c> and <c>UPDATE</c> at level <c>ALL</c> on every record type loaded when it
/// is made, and on each type loaded later from the next start on (<see cref="IntegrationRoleTypes"/>),
/// no <c>DELETE</c>, <c>EXPORT</c> or <c>IMPORT</c>, no settings right. An administrator edits that
/// role to widen or narrow it; a type they took away stays away.
/// Made in one transaction (PostgreSQL: under an advisory lock on the key; SQLite: one writer at a
/// time, and a second writer finds the first one's e-mail taken: no error, it returns that user).
/// </summary>
public sealed class IntegrationUsers(IServiceScopeFactory scopes, IEntityRegistry registry, AccessRightsProvider rights, TimeProvider clock) : IIntegrationUsers, IScopedService
{
    /// <summary>What the integration's role grants on every record type.</summary>
    public static readonly IReadOnlyList<PermissionAction> Granted = [PermissionAction.Read, PermissionAction.Add, PermissionAction.Update];

    public async Task<long> EnsureAsync(string key, string name, CancellationToken cancellationToken)
    {
        if (key.Length is 0 or > IIntegrationUsers.MaxKeyLength || !key.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException($"An integration's key is 1 to {IIntegrationUsers.MaxKeyLength} lower-case letters, digits and dashes.", nameof(key));
        }

        var email = $"{key}@integration.invalid";
        for (var attempt = 0; ; attempt++)
        {
            // A scope of its own: its transaction is not the caller's, and a lost race leaves nothing behind.
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PermissionsDbContext>();
            if (await FindAsync(db, email, cancellationToken) is { } found)
            {
                return found;
            }

            try
            {
                var made = await scope.ServiceProvider.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(() => CreateAsync(db, key, email, name, cancellationToken), cancellationToken: cancellationToken);
                // This host's cached rights know the new user and role from its next check on; other hosts within Permissions:PollInterval.
                rights.Invalidate();
                return made;
            }
            catch (DbException) when (attempt == 0)
            {
                // SQLite's one writer kept this one out too long (busy): another host or request was at it; read theirs.
            }
        }
    }

    private static Task<long?> FindAsync(PermissionsDbContext db, string email, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().Where(u => u.NormalizedEmail == email).Select(u => (long?)u.Id).FirstOrDefaultAsync(cancellationToken);

    private async Task<long> CreateAsync(PermissionsDbContext db, string key, string email, string name, CancellationToken cancellationToken)
    {
        if (db.IsPostgres)
        {
            await db.LockNameAsync("permissions.integration:" + key, cancellationToken);
            if (await FindAsync(db, email, cancellationToken) is { } made)
            {
                return made;
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var user = new User { Email = email, NormalizedEmail = email, Name = name, Kind = UserKind.Integration, Active = true, CreatedAt = now, UpdatedAt = now };
        if (!await db.InsertUnlessTakenAsync(user, [nameof(User.NormalizedEmail)], cancellationToken))
        {
            // Another host or request made it first (SQLite: its writer went before this one): theirs.
            return await FindAsync(db, email, cancellationToken) ?? throw new InvalidOperationException($"The integration user {email} was made and is gone.");
        }

        var roleName = $"Integration: {name}";
        var role = await db.Roles.FirstOrDefaultAsync(r => r.Name == roleName, cancellationToken);
        if (role is null)
        {
            var types = registry.Types.Select(t => t.Name).ToList();
            role = new Role { Name = roleName, CanConfigure = false, IntegrationTypes = IntegrationRoleTypes.Join(types) };
            db.Roles.Add(role);
            await db.SaveChangesAsync(cancellationToken);
            db.RolePermissions.AddRange(IntegrationRoleTypes.Grants(role.Id, types));
        }

        await db.SaveChangesAsync(cancellationToken);
        db.RoleAssignments.Add(new RoleAssignment { RoleId = role.Id, UserId = user.Id });
        await db.SaveChangesAsync(cancellationToken);
        await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
        return user.Id;
    }
}
