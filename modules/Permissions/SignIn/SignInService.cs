using System.Globalization;
using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Rights;
using Crm.Modules.Permissions.Users;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Permissions.SignIn;

public sealed record SignInPayload(string? AccessToken, string? RefreshToken, DateTime? ExpiresAt, IReadOnlyList<UserError> Errors)
{
    public static SignInPayload Refused(UserError error) => new(null, null, null, [error]);
}

public sealed record LogoutPayload(bool LoggedOut, IReadOnlyList<UserError> Errors);

/// <summary>
/// <c>login</c>, <c>refreshToken</c>, <c>logout</c>. Wrong passwords and unknown e-mails are
/// told apart by nothing: the same error, the same hashing time, the same throttling.
/// </summary>
public sealed class SignInService(
    PermissionsDbContext db,
    CrmDatabaseSession session,
    AccessRightsProvider rights,
    ICurrentActor actor,
    IConfiguration configuration,
    TimeProvider clock) : IScopedService
{
    public const string InvalidCredentials = "INVALID_CREDENTIALS";
    public const string TooManyAttempts = "TOO_MANY_ATTEMPTS";
    public const string InvalidToken = "INVALID_TOKEN";

    /// <summary>Failures of one e-mail within <see cref="ThrottleWindow"/> after which sign-in is refused.</summary>
    public const int MaxFailures = 5;

    public static readonly TimeSpan ThrottleWindow = TimeSpan.FromMinutes(15);

    private TimeSpan AccessLifetime => configuration.GetValue("Permissions:AccessTokenLifetime", TimeSpan.FromMinutes(15));

    private TimeSpan RefreshLifetime => configuration.GetValue("Permissions:RefreshTokenLifetime", TimeSpan.FromDays(30));

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<SignInPayload> LoginAsync(string email, string password, CancellationToken cancellationToken)
    {
        var normalized = User.Normalize(email);
        var now = Now;
        // Throttled first, and without looking at the password: a locked e-mail tells nothing.
        var since = now - ThrottleWindow;
        var failures = await db.LoginFailures.AsNoTracking()
            .Where(f => f.Email == normalized && f.FailedAt > since)
            .OrderByDescending(f => f.FailedAt)
            .Select(f => f.FailedAt)
            .Take(MaxFailures)
            .ToListAsync(cancellationToken);
        if (failures.Count >= MaxFailures)
        {
            // Free again when the oldest of the last five failures leaves the window; each
            // failure after that locks it again, so guesses stay at five per window.
            var retryAt = failures[MaxFailures - 1] + ThrottleWindow;
            var seconds = Math.Max(1, (int)Math.Ceiling((retryAt - now).TotalSeconds));
            return SignInPayload.Refused(UserError.At(TooManyAttempts,
                $"Too many failed sign-ins for this e-mail; try again in {seconds.ToString(CultureInfo.InvariantCulture)} seconds (at {retryAt.ToString("O", CultureInfo.InvariantCulture)}).",
                "email"));
        }

        var user = normalized.Length == 0 ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        // Unknown e-mails, users without a password, disabled users and integrations cost one hash like everyone.
        var verified = PasswordHasher.Verify(password, user?.PasswordHash ?? PasswordHasher.Decoy);
        if (!verified || user is not { Active: true, Kind: UserKind.Person, PasswordHash: not null })
        {
            db.LoginFailures.Add(new LoginFailure { Email = normalized, FailedAt = now });
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            // Failures older than the window count for nothing: the table keeps only the window's.
            await db.LoginFailures.Where(f => f.FailedAt <= since).ExecuteDeleteAsync(cancellationToken);
            return SignInPayload.Refused(UserError.At(InvalidCredentials, "The e-mail or the password is wrong.", "password"));
        }

        var (access, refresh, expiresAt) = await session.InTransactionAsync(async () =>
        {
            if (PasswordHasher.NeedsRehash(user.PasswordHash))
            {
                await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.PasswordHash, PasswordHasher.Hash(password)), cancellationToken);
            }

            // A success forgets the e-mail's failures.
            await db.LoginFailures.Where(f => f.Email == normalized).ExecuteDeleteAsync(cancellationToken);
            return await OpenSessionAsync(user.Id, now, cancellationToken);
        }, cancellationToken: cancellationToken);
        return new SignInPayload(access, refresh, expiresAt, []);
    }

    public async Task<SignInPayload> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var now = Now;
        var hash = Tokens.Hash(refreshToken);
        var refused = SignInPayload.Refused(UserError.At(InvalidToken, "The refresh token is not valid, has expired or was already used.", "refreshToken"));
        var current = await db.Sessions.FirstOrDefaultAsync(s => s.RefreshTokenHash == hash, cancellationToken);
        if (current is null || current.RevokedAt is not null || current.RefreshExpiresAt <= now
            || await rights.RightsAsync(current.UserId, cancellationToken) is null)
        {
            db.ChangeTracker.Clear();
            return refused;
        }

        // Rotation: the session's tokens are replaced, so the old refresh (and access) token stop working.
        var access = Tokens.NewAccessToken();
        var refresh = Tokens.NewRefreshToken();
        var expiresAt = now + AccessLifetime;
        var oldAccessHash = current.AccessTokenHash;
        var rotated = await session.InTransactionAsync(async () =>
        {
            // Only if nobody rotated it meanwhile: a refresh token is good for one use.
            var changed = await db.Sessions.Where(s => s.Id == current.Id && s.RefreshTokenHash == hash && s.RevokedAt == null)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.AccessTokenHash, Tokens.Hash(access))
                    .SetProperty(x => x.AccessExpiresAt, expiresAt)
                    .SetProperty(x => x.RefreshTokenHash, Tokens.Hash(refresh))
                    .SetProperty(x => x.RefreshExpiresAt, now + RefreshLifetime), cancellationToken);
            if (changed == 1)
            {
                await db.BumpSessionsVersionAsync(cancellationToken);
            }

            return changed == 1;
        }, cancellationToken: cancellationToken);
        db.ChangeTracker.Clear();
        if (!rotated)
        {
            return refused;
        }

        rights.ForgetAccessToken(oldAccessHash);
        return new SignInPayload(access, refresh, expiresAt, []);
    }

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
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now), cancellationToken);
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
        var expiresAt = now + AccessLifetime;
        db.Sessions.Add(new Session
        {
            UserId = userId,
            AccessTokenHash = Tokens.Hash(access),
            AccessExpiresAt = expiresAt,
            RefreshTokenHash = Tokens.Hash(refresh),
            RefreshExpiresAt = now + RefreshLifetime,
            CreatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return (access, refresh, expiresAt);
    }
}
