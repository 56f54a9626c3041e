using Crm.Modules.Permissions.Data;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Users;

/// <summary>
/// The users records name (<c>assignedBy</c>, <c>createdBy</c>, <c>updatedBy</c>), as the
/// <c>User</c> type shows them: one statement per batch of ids.
/// </summary>
public sealed class UserDirectory(PermissionsDbContext db) : IUserDirectory, IScopedService
{
    public async Task<IReadOnlyDictionary<long, object>> LoadUsersAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return new Dictionary<long, object>();
        }

        var wanted = ids.ToList();
        var users = await db.Users.AsNoTracking().Where(u => wanted.Contains(u.Id)).ToListAsync(cancellationToken);
        return users.ToDictionary(u => u.Id, u => (object)u);
    }

    public async Task<string?> LanguageOfAsync(long userId, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Language).FirstOrDefaultAsync(cancellationToken);
}
