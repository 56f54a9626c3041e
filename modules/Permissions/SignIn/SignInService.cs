using System.Globalization;
using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Rights;
using Crm.Modules.Permissions.Users;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.SignIn;

/// <summary>Tokens, or why not; <see cref="RetryAt"/> comes with TOO_MANY_ATTEMPTS.</summary>
public sealed record SignInPayload(string? AccessToken, string? RefreshToken, DateTime? ExpiresAt, IReadOnlyList<UserError> Errors, DateTime? RetryAt = null)
{
    public static SignInPayload Refused(UserError error, DateTime? retryAt = null) => new(null, null, null, [error], retryAt);
}

public sealed record LogoutPayload(bool LoggedOut, IReadOnlyList<UserError> Errors);

/// <summary>
/// <c>login</c>, <c>refreshToken</c>, <c>logout</c>. Wrong passwords and unknown e-mails are
/// told apart by nothing: the same error, the same hashing time, the same throttling. A login
/// spends, in this order: one attempt of its address's budget, a turn of the host's password
/// checks, and (atomically, in the database) one of the e-mail's allowed failures; only then is
/// the password hashed.
/// </summary>
public sealed class SignInService(
    PermissionsDbContext db,
    CrmDatabaseSession session,
    AccessRightsProvider rights,
    SignInThrottle throttle,
    SignInAddressBudget addressBudget,
    PasswordCheckGate gate,
    SignInMetrics metrics,
    SignInSettings settings,
    ICurrentActor actor,
    TimeProvider clock) : IScopedService
{
    public const string InvalidCredentials = "INVALID_CREDENTIALS";
    public const string TooManyAttempts = "TOO_MANY_ATTEMPTS";
    public const string InvalidToken = "INVALID_TOKEN";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<SignInPayload> LoginAsync(string email, string password, CancellationToken cancellationToken)
    {
        var address = ClientAddressKey.For(actor.ClientAddress);
        if (addressBudget.TryTake(address) is { } addressFree)
        {
            metrics.Refused("address");
            return TooMany("Too many sign-ins from this client address", addressFree.UtcDateTime, "");
        }

        using var turn = await gate.EnterAsync(cancellationToken);
        if (turn is null)
        {
            metrics.Refused("busy");
            return TooMany("The server is busy checking other sign-ins", Now + gate.RetryAfter, "");
        }

        var normalized = User.Normalize(email);
        var now = Now;
        // Recorded before the password is looked at: a locked e-mail tells nothing, and
        // concurrent attempts count each other.
        var claim = await throttle.ClaimAsync(normalized, address, now, cancellationToken);
        if (claim.RetryAt is { } emailFree)
        {
            metrics.Refused("email");
            return TooMany(claim.FromEveryAddress
                ? "Too many failed sign-ins for this e-mail, from many addresses"
                : "Too many failed sign-ins for this e-mail from this client address (an address that has not failed may still sign in)", emailFree, "email");
        }

        var user = normalized.Length == 0 ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        // Unknown e-mails, users without a password, disabled users and integrations cost one hash like everyone.
        var verified = turn.Verify(password, user?.PasswordHash ?? PasswordHasher.Decoy);
        if (!verified || user is not { Active: true, Kind: UserKind.Person, PasswordHash: not null })
        {
            // The recorded attempt stays: it is the failure.
            return SignInPayload.Refused(UserError.At(InvalidCredentials, "The e-mail or the password is wrong.", "password"));
        }

        var rehashed = PasswordHasher.NeedsRehash(user.PasswordHash) ? turn.Hash(password) : null;
        turn.Dispose();
        var (access, refresh, expiresAt) = await session.InTransactionAsync(async () =>
        {
            if (rehashed is not null)
            {
                await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.PasswordHash, rehashed), cancellationToken);
            }

            await throttle.ForgetAsync(normalized, address, cancellationToken);
            return await OpenSessionAsync(user.Id, now, cancellationToken);
        }, cancellationToken: cancellationToken);
        return new SignInPayload(access, refresh, expiresAt, []);
    }

    private SignInPayload TooMany(string why, DateTime retryAt, string path)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling((retryAt - Now).TotalSeconds));
        var message = $"{why}; try again in {seconds.ToString(CultureInfo.InvariantCulture)} seconds (at {retryAt.ToString("O", CultureInfo.InvariantCulture)}).";
        return SignInPayload.Refused(path.Length == 0 ? UserError.At(TooManyAttempts, message) : UserError.At(TooManyAttempts, message, path), retryAt);
    }

    /// <summary>
    /// Exchanges the session's current refresh token for new tokens. A refresh token already
    /// exchanged, sent again, means two holders of it (a stolen copy, or a client racing itself):
    /// the whole session ends, so the thief's tokens and the user's both stop working.
    /// </summary>
    public async Task<SignInPayload> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var now = Now;
        var hash = Tokens.Hash(refreshToken);
        var current = await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.RefreshTokenHash == hash, cancellationToken);
        if (current is null)
        {
            var rotated = await db.RotatedTokens.AsNoTracking().Where(r => r.RefreshTokenHash == hash).Select(r => (long?)r.SessionId).FirstOrDefaultAsync(cancellationToken);
            return rotated is { } sessionId
                ? await EndForReuseAsync(sessionId, now, cancellationToken)
                : RefusedToken("The refresh token is not valid: this server does not know it.");
        }

        if (current.RevokedAt is not null)
        {
            return RefusedToken($"The session has ended ({SessionEnd.Describe(current.EndReason) ?? "ended"}); sign in again.");
        }

        if (current.RefreshExpiresAt <= now)
        {
            return RefusedToken($"The refresh token expired at {current.RefreshExpiresAt.ToString("O", CultureInfo.InvariantCulture)}; sign in again.");
        }

        if (await rights.RightsAsync(current.UserId, cancellationToken) is null)
        {
            return RefusedToken("The user of this session is disabled.");
        }

        var access = Tokens.NewAccessToken();
        var refresh = Tokens.NewRefreshToken();
        var expiresAt = now + settings.AccessTokenLifetime;
        var rotatedNow = await session.InTransactionAsync(async () =>
        {
            // Only if nobody exchanged it meanwhile: a refresh token is good for one use.
            var changed = await db.Sessions.Where(s => s.Id == current.Id && s.RefreshTokenHash == hash && s.RevokedAt == null)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.AccessTokenHash, Tokens.Hash(access))
                    .SetProperty(x => x.AccessExpiresAt, expiresAt)
                    .SetProperty(x => x.RefreshTokenHash, Tokens.Hash(refresh))
                    .SetProperty(x => x.RefreshExpiresAt, now + settings.RefreshTokenLifetime), cancellationToken);
            if (changed == 0)
            {
                return false;
            }

            db.RotatedTokens.Add(new RotatedTokens
            {
                SessionId = current.Id,
                AccessTokenHash = current.AccessTokenHash,
                RefreshTokenHash = hash,
                RotatedAt = now,
                RefreshExpiresAt = current.RefreshExpiresAt,
            });
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            // Replaced tokens that would have expired by now tell nothing more: they go.
            await db.RotatedTokens.Where(r => r.RefreshExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
            await db.BumpSessionsVersionAsync(cancellationToken);
            return true;
        }, cancellationToken: cancellationToken);
        if (!rotatedNow)
        {
            // Exchanged (or ended) by a concurrent call with the same token since it was read.
            return await EndForReuseAsync(current.Id, now, cancellationToken);
        }

        rights.ForgetAccessToken(current.AccessTokenHash);
        return new SignInPayload(access, refresh, expiresAt, []);
    }

    private async Task<SignInPayload> EndForReuseAsync(long sessionId, DateTime now, CancellationToken cancellationToken)
    {
        var ended = await session.InTransactionAsync(async () =>
        {
            var accessHash = await db.Sessions.Where(s => s.Id == sessionId && s.RevokedAt == null).Select(s => s.AccessTokenHash).FirstOrDefaultAsync(cancellationToken);
            if (accessHash is null)
            {
                return null;
            }

            await db.Sessions.Where(s => s.Id == sessionId && s.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now).SetProperty(x => x.EndReason, SessionEnd.RefreshTokenReused), cancellationToken);
            await db.BumpSessionsVersionAsync(cancellationToken);
            return accessHash;
        }, cancellationToken: cancellationToken);
        if (ended is not null)
        {
            rights.ForgetAccessToken(ended);
        }

        return RefusedToken("The refresh token was already used; a second use means it may have been copied, so its session has ended "
            + "and none of its tokens work any more. Sign in again.");
    }

    private static SignInPayload RefusedToken(string message) => SignInPayload.Refused(UserError.At(InvalidToken, message, "refreshToken"));

    /// <summary>Revokes the session the caller's access token belongs to (an API key has none: NOT_SIGNED_IN).</summary>
    public async Task<LogoutPayload> LogoutAsync(string? bearerToken, CancellationToken cancellationToken)
    {
        if (bearerToken is null || !bearerToken.StartsWith(Tokens.AccessPrefix, StringComparison.Ordinal) || actor.UserId is null)
        {
            return new LogoutPayload(false, [UserError.At("NOT_SIGNED_IN", "Only a sign-in session can log out; API keys are revoked with revokeApiKey.")]);
        }

        var hash = Tokens.Hash(bearerToken);
        var now = Now;
        await session.InTransactionAsync(async () =>
        {
            var changed = await db.Sessions.Where(s => s.AccessTokenHash == hash && s.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now).SetProperty(x => x.EndReason, SessionEnd.LoggedOut), cancellationToken);
            if (changed > 0)
            {
                await db.BumpSessionsVersionAsync(cancellationToken);
            }

            return changed;
        }, cancellationToken: cancellationToken);
        rights.ForgetAccessToken(hash);
        return new LogoutPayload(true, []);
    }

    private async Task<(string Access, string Refresh, DateTime ExpiresAt)> OpenSessionAsync(long userId, DateTime now, CancellationToken cancellationToken)
    {
        var access = Tokens.NewAccessToken();
        var refresh = Tokens.NewRefreshToken();
        var expiresAt = now + settings.AccessTokenLifetime;
        db.Sessions.Add(new Session
        {
            UserId = userId,
            AccessTokenHash = Tokens.Hash(access),
            AccessExpiresAt = expiresAt,
            RefreshTokenHash = Tokens.Hash(refresh),
            RefreshExpiresAt = now + settings.RefreshTokenLifetime,
            CreatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return (access, refresh, expiresAt);
    }
}
