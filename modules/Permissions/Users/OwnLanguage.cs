using Crm.Modules.Permissions.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Users;

/// <summary>
/// <c>updateMyLanguage</c>: the signed-in user's own language, which needs no settings right, so
/// that a front end's language switch follows the user to every browser (<c>me.language</c>).
/// </summary>
public sealed class OwnLanguage(PermissionsDbContext db, ICurrentActor actor, TimeProvider clock) : IScopedService
{
    /// <summary>The languages the platform's labels (and the web console) come in: what a user may choose for themselves.</summary>
    public static readonly IReadOnlyList<string> Supported = ["en", "pl"];

    public async Task<UserPayload> SetAsync(string language, CancellationToken cancellationToken)
    {
        if (actor.UserId is not { } userId)
        {
            throw ErrorCodes.Error(ErrorCodes.Unauthenticated, "Sign in first.");
        }

        // Compared as given (no trimming or folding of a long text): only a supported code passes.
        var code = language.ToLowerInvariant();
        if (!Supported.Contains(code, StringComparer.Ordinal))
        {
            var shown = language.Length > 20 ? language[..20] + "…" : language;
            return new UserPayload(null, [UserError.At(ErrorCodes.InvalidValue, $"'{shown}' is not a language you can choose: {string.Join(", ", Supported)}.", "language")]);
        }

        // One UPDATE of the one column: parallel changes of other fields of the user are not undone.
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.Language, code).SetProperty(u => u.UpdatedAt, now), cancellationToken);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);
        return user is null ? new UserPayload(null, [Refusals.NotFound("user", userId, "language")]) : new UserPayload(user, []);
    }
}
