using System.Security.Cryptography;
using System.Text;
using Crm.Host.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Crm.Host.Security;

/// <summary>Who an API key belongs to.</summary>
public sealed record ApiKeyIdentity(long KeyId, long UserId, bool IsAdministrator);

/// <summary>Checks API keys and registers the bootstrap administrator's.</summary>
public sealed class ApiKeyService(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ApiKeyService> logger) : IDisposable
{
    // Bounded: unknown keys are cached too (to spare the database), and anyone can send those.
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public const string AdminKeyVariable = "CRM_ADMIN_API_KEY";
    public const long BootstrapAdministratorId = 1;
    private const int MinimumKeyLength = 16;

    // Short enough that a revoked key stops working soon, long enough to spare the database.
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan NegativeCacheFor = TimeSpan.FromSeconds(5);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string Generate() => "crm_" + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public async Task<ApiKeyIdentity?> AuthenticateAsync(string key, CancellationToken cancellationToken)
    {
        var hash = Hash(key);
        if (_cache.TryGetValue(hash, out ApiKeyIdentity? cached))
        {
            return cached;
        }

        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var found = await db.ApiKeys.AsNoTracking()
            .Where(k => k.KeyHash == hash && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now))
            .Select(k => new ApiKeyIdentity(k.Id, k.UserId, k.IsAdministrator))
            .FirstOrDefaultAsync(cancellationToken);
        _cache.Set(hash, found, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = found is null ? NegativeCacheFor : CacheFor });
        return found;
    }

    /// <summary>
    /// Registers the key from <c>CRM_ADMIN_API_KEY</c> (idempotently), or, when the variable is
    /// unset and no key exists yet, generates one and prints it once.
    /// </summary>
    public async Task BootstrapAsync(string? adminKey, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        if (!string.IsNullOrEmpty(adminKey))
        {
            if (adminKey.Length < MinimumKeyLength || adminKey.Any(char.IsWhiteSpace))
            {
                throw new InvalidOperationException($"{AdminKeyVariable} must be at least {MinimumKeyLength} characters without spaces.");
            }

            var hash = Hash(adminKey);
            if (!await db.ApiKeys.AnyAsync(k => k.KeyHash == hash, cancellationToken))
            {
                db.ApiKeys.Add(NewKey("bootstrap administrator", adminKey, hash));
                await db.SaveChangesAsync(cancellationToken);
                logger.LogInformation("Registered the bootstrap administrator's API key from {Variable}.", AdminKeyVariable);
            }

            return;
        }

        if (await db.ApiKeys.AnyAsync(cancellationToken))
        {
            return;
        }

        var generated = Generate();
        db.ApiKeys.Add(NewKey("bootstrap administrator (generated)", generated, Hash(generated)));
        await db.SaveChangesAsync(cancellationToken);
        // Printed once, here: only the hash is stored, so it cannot be shown again.
        Console.WriteLine($"""

            ==================================================================
             Administrator API key (shown once; store it now):
               {generated}
             Send it as:  Authorization: Bearer <key>
            ==================================================================

            """);
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
