using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Users;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Rights;

/// <summary>
/// What every change of users, departments, groups and roles must pass: the settings right, and
/// for anyone but an administrator, that it gives the caller nothing they did not have.
/// </summary>
public sealed class ChangeGuard(PermissionsDbContext db, ICurrentActor actor, AccessRightsProvider rights) : IScopedService
{
    public ICurrentActor Actor => actor;

    public bool IsAdministrator => actor.IsAdministrator;

    public UserError? RefuseUnlessCanConfigure(string what) => actor.RefuseUnlessCanConfigure(what);

    public static UserError Forbidden(string message, params string[] path) => UserError.At(ErrorCodes.Forbidden, message, path);

    /// <summary>The roles that reach the caller now (within the current transaction); empty for the system and administrators.</summary>
    public async Task<IReadOnlySet<long>> CallerRolesAsync(CancellationToken cancellationToken) =>
        IsAdministrator || actor.UserId is not { } userId
            ? new HashSet<long>()
            : (await RightsCalculator.HoldingAsync(db, userId, cancellationToken)).RoleIds;

    /// <summary>Whether, after the change (saved, not committed), a role reaches the caller that did not before.</summary>
    public async Task<bool> CallerGainedAsync(IReadOnlySet<long> before, CancellationToken cancellationToken)
    {
        if (IsAdministrator || actor.UserId is null)
        {
            return false;
        }

        var after = await CallerRolesAsync(cancellationToken);
        return after.Any(r => !before.Contains(r));
    }

    /// <summary>
    /// Whether the caller may act as <paramref name="userId"/> (set their password): themselves,
    /// or someone whose rights theirs cover. Nobody but an administrator touches an administrator.
    /// </summary>
    public async Task<bool> MayActAsAsync(long userId, CancellationToken cancellationToken)
    {
        if (IsAdministrator || actor.UserId == userId)
        {
            return true;
        }

        var target = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => (bool?)u.IsAdministrator).FirstOrDefaultAsync(cancellationToken);
        if (target is not false)
        {
            return target is null;
        }

        var theirs = await rights.RightsAsync(userId, cancellationToken);
        return theirs is null || actor.Rights.Covers(theirs);
    }

    /// <summary>After a committed change: the next request on this host sees it.</summary>
    public void Published(bool sessionsRevoked = false) => rights.Invalidate(sessionsRevoked);

    /// <summary>A directory write's answer, published when it committed without a refusal: this host's directory snapshot and everyone's rights are read afresh.</summary>
    public TPayload Committed<TPayload>(TPayload payload, IReadOnlyList<UserError> errors, DirectoryReader reader)
    {
        if (errors.Count == 0)
        {
            reader.Forget();
            Published();
        }

        return payload;
    }

    public static bool IsBootstrapAdministrator(long userId) => userId == User.BootstrapAdministratorId;
}
