using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Crm.Modules.Permissions.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.SignIn;

/// <summary>The throttle's answer: an attempt recorded (go on and check the password), or when to come back.</summary>
public sealed record ThrottleDecision(DateTime? RetryAt, bool FromEveryAddress)
{
    public static ThrottleDecision Claimed { get; } = new(null, false);
}

/// <summary>
/// Failed sign-ins per e-mail, in the database so that every host counts the same. After
/// <see cref="SignInSettings.LockAfterFailures"/> failures within the window, an address that
/// failed the e-mail is refused, while an address that has not may still try (the owner
/// elsewhere is not locked out by someone else's guesses); each such try that fails locks that
/// address too. After <see cref="SignInSettings.MaxFailuresPerEmail"/> failures from all
/// addresses together, every address is refused until the window moves on.
/// </summary>
/// <remarks>
/// Counting, deciding and recording happen under one lock per e-mail, and an attempt is
/// recorded as a failure before its password is checked (deleted when it succeeds): so
/// concurrent attempts, on this host or another, see each other and no more than the allowed
/// number get a real check. The lock is PostgreSQL's transaction-scoped advisory lock on a hash
/// of the e-mail; on SQLite the transaction itself (BEGIN IMMEDIATE) takes the database's write lock.
/// </remarks>
public sealed class SignInThrottle(PermissionsDbContext db, CrmDatabaseSession session, SignInSettings settings) : IScopedService
{
    // The first key of PostgreSQL's two-key advisory locks: sign-in's own space ("SIGN").
    private const int AdvisoryLockSpace = 0x5349474E;

    /// <summary>Records an attempt for the e-mail from the address if it may be made now; else says when it may.</summary>
    public Task<ThrottleDecision> ClaimAsync(string email, string address, DateTime now, CancellationToken cancellationToken) =>
        session.InTransactionAsync(async () =>
        {
            if (db.IsPostgres)
            {
                var key = LockKey(email);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AdvisoryLockSpace}, {key})", cancellationToken);
            }

            var since = now - settings.FailureWindow;
            var recent = await db.LoginFailures.AsNoTracking()
                .Where(f => f.Email == email && f.FailedAt > since)
                .OrderByDescending(f => f.FailedAt)
                .Select(f => new RecentFailure(f.ClientAddress, f.FailedAt))
                .Take(settings.MaxFailuresPerEmail)
                .ToListAsync(cancellationToken);
            if (Refusal(recent, address) is { } refusal)
            {
                return refusal;
            }

            db.LoginFailures.Add(new LoginFailure { Email = email, ClientAddress = address, FailedAt = now });
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            // Failures older than the window count for nothing: the table keeps only the window's.
            await db.LoginFailures.Where(f => f.FailedAt <= since).ExecuteDeleteAsync(cancellationToken);
            return ThrottleDecision.Claimed;
        }, cancellationToken: cancellationToken);

    /// <summary>After the right password: the address's failures for the e-mail, its own attempt included, are forgotten.</summary>
    public Task ForgetAsync(string email, string address, CancellationToken cancellationToken) =>
        db.LoginFailures.Where(f => f.Email == email && f.ClientAddress == address).ExecuteDeleteAsync(cancellationToken);

    private sealed record RecentFailure(string Address, DateTime At);

    /// <summary>Null when the address may try the e-mail now; else when it may (the failures are newest first).</summary>
    private ThrottleDecision? Refusal(IReadOnlyList<RecentFailure> recent, string address)
    {
        if (recent.Count >= settings.MaxFailuresPerEmail)
        {
            // Free when the failure that makes the count leaves the window.
            return new ThrottleDecision(recent[settings.MaxFailuresPerEmail - 1].At + settings.FailureWindow, FromEveryAddress: true);
        }

        if (recent.Count < settings.LockAfterFailures || recent.FirstOrDefault(f => f.Address == address) is not { } newestOfMine)
        {
            return null;
        }

        // Free when this address's failures have all left the window, or when too few are left for a lock.
        var mineGone = newestOfMine.At + settings.FailureWindow;
        var lockGone = recent[settings.LockAfterFailures - 1].At + settings.FailureWindow;
        return new ThrottleDecision(mineGone < lockGone ? mineGone : lockGone, FromEveryAddress: false);
    }

    private static int LockKey(string email) =>
        BinaryPrimitives.ReadInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(email)));
}
