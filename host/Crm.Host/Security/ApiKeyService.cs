using System.Security.Cryptography;
using System.Text;
using System.Globalization;
using Crm.Host.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Crm.Host.Security;

/// <summary>Who an API key belongs to.</summary>
public sealed record ApiKeyIdentity(long KeyId, long UserId, bool IsAdministrator);

/// <summary>
/// How many API keys may be stored (<c>ApiKeys:MaxKeys</c>, 1,000, from 1 to 100,000), revoked and
/// expired ones included: <c>apiKeys</c> answers them all at once, and each is a credential someone
/// must be able to oversee. Past it, <c>createApiKey</c> answers <c>LIMIT_EXCEEDED</c> until keys are deleted.
/// </summary>
public sealed record ApiKeyLimits(int MaxKeys)
{
    public const string MaxKeysSetting = "ApiKeys:MaxKeys";

    public static ApiKeyLimits From(IConfiguration configuration) =>
        new(BoundedSettings.WholeNumber(configuration, MaxKeysSetting, 1_000, 1, 100_000));
}

/// <summary>Checks API keys and registers the bootstrap administrator's.</summary>
public sealed class ApiKeyService(IServiceScopeFactory scopes, TimeProvider clock, ApiKeyLimits limits, ILogger<ApiKeyService> logger) : IDisposable
{
    // Bounded: unknown keys are cached too (to spare the database), and anyone can send those.
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public const string AdminKeyVariable = "CRM_ADMIN_API_KEY";
    public const long BootstrapAdministratorId = 1;
    public const int MinimumKeyLength = 16;

    // Short enough that a key revoked on another host stops working soon, long enough to spare the database.
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan NegativeCacheFor = TimeSpan.FromSeconds(5);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string Generate() => "crm_" + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>Who a key belongs to, or why it is refused (unknown, expired, revoked); its user's state is the caller's to check.</summary>
    public async Task<(ApiKeyIdentity? Identity, CredentialCheck Refusal)> AuthenticateAsync(string key, CancellationToken cancellationToken)
    {
        var hash = Hash(key);
        if (!_cache.TryGetValue(hash, out StoredKey? stored))
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            stored = await db.ApiKeys.AsNoTracking()
                .Where(k => k.KeyHash == hash)
                .Select(k => new StoredKey(new ApiKeyIdentity(k.Id, k.UserId, k.IsAdministrator), k.ExpiresAt, k.RevokedAt))
                .FirstOrDefaultAsync(cancellationToken);
            _cache.Set(hash, stored, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = stored is null ? NegativeCacheFor : CacheFor });
        }

        // Expiry is decided on every request, by the clock, whatever the cache holds.
        return stored switch
        {
            null => (null, CredentialCheck.Unknown),
            { RevokedAt: not null } => (null, CredentialCheck.Refused(CredentialProblem.ApiKeyRevoked, stored.RevokedAt)),
            { ExpiresAt: { } expiresAt } when expiresAt <= clock.GetUtcNow().UtcDateTime => (null, CredentialCheck.Refused(CredentialProblem.ApiKeyExpired, expiresAt)),
            _ => (stored.Identity, CredentialCheck.Accepted(stored.Identity.UserId)),
        };
    }

    private sealed record StoredKey(ApiKeyIdentity Identity, DateTime? ExpiresAt, DateTime? RevokedAt);

    /// <summary>The keys, newest first (their hashes and prefixes, never the keys).</summary>
    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        return await db.ApiKeys.AsNoTracking().OrderByDescending(k => k.Id).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Stores a new key for a user (its rights are the user's) and returns it with the key, which is
    /// shown this once; or the refusal when <see cref="ApiKeyLimits.MaxKeys"/> are stored already. Counted
    /// and added in one turn of a lock (PostgreSQL: an advisory lock; SQLite: one writer at a time), so
    /// that parallel creates stop at the bound exactly.
    /// </summary>
    public async Task<(ApiKey? Stored, string? Key, UserError? Refusal)> CreateAsync(long userId, string name, DateTime? expiresAt, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockNameAsync("platform.api_keys", cancellationToken);
        if (await db.ApiKeys.CountAsync(cancellationToken) >= limits.MaxKeys)
        {
            return (null, null, UserError.At(ErrorCodes.LimitExceeded,
                $"There are {limits.MaxKeys.ToString(CultureInfo.InvariantCulture)} API keys, the most kept ({ApiKeyLimits.MaxKeysSetting}), revoked and expired ones included; delete keys no longer used first (deleteApiKey).", "input"));
        }

        var key = Generate();
        var stored = new ApiKey
        {
            Name = name,
            KeyHash = Hash(key),
            Prefix = key[..Math.Min(8, key.Length)],
            UserId = userId,
            IsAdministrator = false,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            ExpiresAt = expiresAt,
        };
        db.ApiKeys.Add(stored);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (stored, key, null);
    }

    /// <summary>Revokes a key; on this host it stops working with the next request (other hosts: within the cache time, 30 s).</summary>
    public async Task<ApiKey?> RevokeAsync(long id, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken);
        if (key is null)
        {
            return null;
        }

        key.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        _cache.Remove(key.KeyHash);
        return key;
    }

    /// <summary>
    /// Deletes a key for good (a live one stops working as if revoked: on this host with the next
    /// request, on others within the cache time); false when there was none. The bootstrap
    /// administrator's key from <c>CRM_ADMIN_API_KEY</c> is registered again at the next start while the variable holds it.
    /// </summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var hash = await db.ApiKeys.Where(k => k.Id == id).Select(k => k.KeyHash).FirstOrDefaultAsync(cancellationToken);
        if (hash is null || await db.ApiKeys.Where(k => k.Id == id).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            return false;
        }

        _cache.Remove(hash);
        return true;
    }

    /// <summary>A stored key by id, or null.</summary>
    public async Task<ApiKey?> FindAsync(long id, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        return await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, cancellationToken);
    }

    /// <summary>
    /// Registers the key from <c>CRM_ADMIN_API_KEY</c> (idempotently), or, when the variable is
    /// unset and no key exists yet, generates one and returns it: it is shown once, at start-up
    /// (only its hash is stored). Returns null when no key was generated.
    /// </summary>
    public async Task<string?> BootstrapAsync(string? adminKey, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        if (!string.IsNullOrEmpty(adminKey))
        {
            if (adminKey.Length < MinimumKeyLength)
            {
                throw new Hosting.InvalidConfigurationException($"{AdminKeyVariable} must be at least {MinimumKeyLength} characters long (it has {adminKey.Length}).");
            }

            if (adminKey.Any(char.IsWhiteSpace))
            {
                throw new Hosting.InvalidConfigurationException($"{AdminKeyVariable} must not contain spaces.");
            }

            var hash = Hash(adminKey);
            if (!await db.ApiKeys.AnyAsync(k => k.KeyHash == hash, cancellationToken))
            {
                db.ApiKeys.Add(NewKey("bootstrap administrator", adminKey, hash));
                await db.SaveChangesAsync(cancellationToken);
                logger.LogInformation("Registered the bootstrap administrator's API key from {Variable}.", AdminKeyVariable);
            }

            return null;
        }

        if (await db.ApiKeys.AnyAsync(cancellationToken))
        {
            return null;
        }

        var generated = Generate();
        db.ApiKeys.Add(NewKey("bootstrap administrator (generated)", generated, Hash(generated)));
        await db.SaveChangesAsync(cancellationToken);
        return generated;
    }

    private ApiKey NewKey(string name, string key, string hash) => new()
    {
        Name = name,
        KeyHash = hash,
        Prefix = key[..Math.Min(8, key.Length)],
        UserId = BootstrapAdministratorId,
        IsAdministrator = true,
        CreatedAt = clock.GetUtcNow().UtcDateTime,
    };

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose() => _cache.Dispose();
}
