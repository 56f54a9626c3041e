using System.Collections.Concurrent;
using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.SignIn;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Permissions.Rights;

/// <summary>
/// The rights of each user and the user of each access token, computed once and kept until the
/// permissions version changes: at once for changes made on this host, within
/// <c>Permissions:PollInterval</c> for changes made by another (<see cref="PermissionsVersionPoller"/>).
/// A request served from the cache costs no SQL statement.
/// </summary>
public sealed class AccessRightsProvider(IServiceScopeFactory scopes, TimeProvider clock, ILogger<AccessRightsProvider> logger)
    : IAccessRightsProvider, ISingletonService, IVersionedCache, IDisposable
{
    string IVersionedCache.Name => "Permissions";

    private static readonly TimeSpan NegativeTokenCacheFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan EndedTokenCacheFor = TimeSpan.FromMinutes(1);

    // Null values too: a missing or disabled user is asked for on every request of their keys.
    private readonly ConcurrentDictionary<long, AccessRights?> _rights = new();

    // Bounded: unknown tokens are cached briefly too, and anyone can send those.
    private readonly MemoryCache _tokens = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private long _rightsGeneration;
    private long _tokensGeneration;
    private (long Version, long SessionsVersion)? _seen;

    /// <summary>What the database says of an access token; whether it works is decided against the clock on each use.</summary>
    private sealed record TokenEntry(long UserId, DateTime ExpiresAt, DateTime? EndedAt, string? EndReason, bool Replaced);

    public async ValueTask<AccessRights?> RightsAsync(long userId, CancellationToken cancellationToken)
    {
        if (_rights.TryGetValue(userId, out var cached))
        {
            return cached;
        }

        var generation = Interlocked.Read(ref _rightsGeneration);
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PermissionsDbContext>();
        var rights = await RightsCalculator.ComputeAsync(db, userId, cancellationToken);
        // Kept only when nothing changed meanwhile, else the next request computes again.
        if (Interlocked.Read(ref _rightsGeneration) == generation)
        {
            _rights[userId] = rights;
        }

        return rights;
    }

    public async ValueTask<CredentialCheck> AuthenticateAsync(string accessToken, CancellationToken cancellationToken)
    {
        if (!accessToken.StartsWith(Tokens.AccessPrefix, StringComparison.Ordinal))
        {
            return CredentialCheck.Unknown;
        }

        var hash = Tokens.Hash(accessToken);
        if (!_tokens.TryGetValue(hash, out TokenEntry? entry))
        {
            var generation = Interlocked.Read(ref _tokensGeneration);
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PermissionsDbContext>();
            entry = await db.Sessions.AsNoTracking()
                .Where(s => s.AccessTokenHash == hash)
                .Select(s => new TokenEntry(s.UserId, s.AccessExpiresAt, s.RevokedAt, s.EndReason, false))
                .FirstOrDefaultAsync(cancellationToken);
            // Not a session's current token: perhaps one a refresh replaced.
            entry ??= await db.RotatedTokens.AsNoTracking().AnyAsync(r => r.AccessTokenHash == hash, cancellationToken)
                ? new TokenEntry(0, DateTime.MinValue, null, null, true)
                : null;
            if (Interlocked.Read(ref _tokensGeneration) == generation)
            {
                // A live token until it expires (its state is checked against the clock on every
                // use); one that can no longer work, for a while: it will not work again.
                var keepFor = entry is null ? NegativeTokenCacheFor
                    : entry.Replaced || entry.EndedAt is not null ? EndedTokenCacheFor
                    : entry.ExpiresAt - clock.GetUtcNow().UtcDateTime;
                if (keepFor > TimeSpan.Zero)
                {
                    _tokens.Set(hash, entry, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = keepFor });
                }
            }
        }

        if (entry is null)
        {
            return CredentialCheck.Unknown;
        }

        if (entry.Replaced)
        {
            return CredentialCheck.Refused(CredentialProblem.AccessTokenReplaced);
        }

        if (entry.EndedAt is { } endedAt)
        {
            return CredentialCheck.Refused(CredentialProblem.SessionEnded, endedAt, SessionEnd.Describe(entry.EndReason));
        }

        if (entry.ExpiresAt <= clock.GetUtcNow().UtcDateTime)
        {
            return CredentialCheck.Refused(CredentialProblem.AccessTokenExpired, entry.ExpiresAt);
        }

        // A disabled user's sessions are revoked too, but this holds even before that is seen.
        return await RightsAsync(entry.UserId, cancellationToken) is null
            ? CredentialCheck.Refused(CredentialProblem.UserDisabled)
            : CredentialCheck.Accepted(entry.UserId);
    }

    /// <summary>After a change of users, departments, groups or roles on this host: the next request recomputes.</summary>
    public void Invalidate(bool sessionsRevoked = false)
    {
        Interlocked.Increment(ref _rightsGeneration);
        _rights.Clear();
        if (sessionsRevoked)
        {
            ForgetAllTokens();
        }
    }

    /// <summary>After a logout or a refresh on this host: that token stops working on the next request.</summary>
    public void ForgetAccessToken(string tokenHash)
    {
        Interlocked.Increment(ref _tokensGeneration);
        _tokens.Remove(tokenHash);
    }

    /// <summary>Compares the stored versions with those last seen and drops what they outdate (one SQL statement).</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PermissionsDbContext>();
        var stored = await db.Versions.AsNoTracking().Where(v => v.Id == 1).Select(v => new { v.Version, v.SessionsVersion }).SingleAsync(cancellationToken);
        var seen = _seen;
        if (seen is { } s && s.Version == stored.Version && s.SessionsVersion == stored.SessionsVersion)
        {
            return;
        }

        if (seen is null || seen.Value.Version != stored.Version)
        {
            Invalidate();
        }

        if (seen is null || seen.Value.SessionsVersion != stored.SessionsVersion)
        {
            ForgetAllTokens();
        }

        _seen = (stored.Version, stored.SessionsVersion);
        if (seen is not null)
        {
            logger.LogDebug("Permissions: version {Version}, sessions version {SessionsVersion}.", stored.Version, stored.SessionsVersion);
        }
    }

    private void ForgetAllTokens()
    {
        Interlocked.Increment(ref _tokensGeneration);
        _tokens.Clear();
    }

    public void Dispose() => _tokens.Dispose();
}
