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

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<long>>> FindActiveUsersAsync(IReadOnlyCollection<string> namesOrEmails, CancellationToken cancellationToken)
    {
        var wanted = namesOrEmails.Select(n => n.Trim()).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0)
        {
            return new Dictionary<string, IReadOnlyList<long>>();
        }

        // One statement: e-mails by their normalised form, names folded to lower case on both sides.
        var emails = wanted.Select(User.Normalize).Distinct(StringComparer.Ordinal).ToList();
        var names = wanted.Select(n => n.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        var users = await db.Users.AsNoTracking()
            .Where(u => u.Active && (emails.Contains(u.NormalizedEmail)
                || names.Contains((u.LastName == null || u.LastName == "" ? u.Name : u.Name + " " + u.LastName).ToLower())))
            .Select(u => new { u.Id, u.NormalizedEmail, FullName = u.LastName == null || u.LastName == "" ? u.Name : u.Name + " " + u.LastName })
            .ToListAsync(cancellationToken);
        return wanted.ToDictionary(n => n, n => (IReadOnlyList<long>)[.. users
            .Where(u => u.NormalizedEmail == User.Normalize(n) || string.Equals(u.FullName, n, StringComparison.OrdinalIgnoreCase))
            .Select(u => u.Id).Distinct().Order()], StringComparer.Ordinal);
    }

    public async Task<string?> LanguageOfAsync(long userId, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Language).FirstOrDefaultAsync(cancellationToken);
}
