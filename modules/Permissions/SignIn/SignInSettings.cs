using System.Globalization;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Permissions.SignIn;

/// <summary>
/// The <c>Permissions:*</c> settings of sign-in, read once when first needed (so that settings
/// made until the host is built count) and refused, naming the setting, when out of range.
/// </summary>
public sealed class SignInSettings : ISingletonService
{
    public SignInSettings(IConfiguration configuration)
    {
        var section = configuration.GetSection("Permissions");
        AccessTokenLifetime = Positive(section, nameof(AccessTokenLifetime), TimeSpan.FromMinutes(15));
        RefreshTokenLifetime = Positive(section, nameof(RefreshTokenLifetime), TimeSpan.FromDays(30));
        LockAfterFailures = Positive(section, nameof(LockAfterFailures), 5);
        FailureWindow = Positive(section, nameof(FailureWindow), TimeSpan.FromMinutes(15));
        MaxFailuresPerEmail = Positive(section, nameof(MaxFailuresPerEmail), 50);
        SignInsPerAddressPerMinute = Positive(section, nameof(SignInsPerAddressPerMinute), 20);
        ConcurrentPasswordChecks = Positive(section, nameof(ConcurrentPasswordChecks), Math.Max(1, Environment.ProcessorCount / 2));
        QueuedPasswordChecks = NotNegative(section, nameof(QueuedPasswordChecks), 8);
        if (MaxFailuresPerEmail < LockAfterFailures)
        {
            throw new InvalidOperationException(
                $"Permissions:MaxFailuresPerEmail ({MaxFailuresPerEmail}) must be at least Permissions:LockAfterFailures ({LockAfterFailures}).");
        }
    }

    public TimeSpan AccessTokenLifetime { get; }

    public TimeSpan RefreshTokenLifetime { get; }

    /// <summary>Failures of an e-mail within <see cref="FailureWindow"/> after which an address that failed it is refused.</summary>
    public int LockAfterFailures { get; }

    public TimeSpan FailureWindow { get; }

    /// <summary>Failures of an e-mail within the window, from all addresses together, after which every address is refused.</summary>
    public int MaxFailuresPerEmail { get; }

    /// <summary>Sign-ins one client address may attempt per minute (a bucket of this size, refilled over a minute).</summary>
    public int SignInsPerAddressPerMinute { get; }

    /// <summary>Password checks running at once on this host (each keeps a core busy).</summary>
    public int ConcurrentPasswordChecks { get; }

    /// <summary>Password checks waiting for a running one to finish; beyond them, TOO_MANY_ATTEMPTS at once.</summary>
    public int QueuedPasswordChecks { get; }

    private static int Positive(IConfigurationSection section, string name, int fallback) =>
        Checked(section, name, fallback, minimum: 1);

    private static int NotNegative(IConfigurationSection section, string name, int fallback) =>
        Checked(section, name, fallback, minimum: 0);

    private static int Checked(IConfigurationSection section, string name, int fallback, int minimum)
    {
        var value = section.GetValue(name, fallback);
        return value >= minimum
            ? value
            : throw new InvalidOperationException($"Permissions:{name} must be at least {minimum.ToString(CultureInfo.InvariantCulture)} (got {value.ToString(CultureInfo.InvariantCulture)}).");
    }

    private static TimeSpan Positive(IConfigurationSection section, string name, TimeSpan fallback)
    {
        var value = section.GetValue(name, fallback);
        return value > TimeSpan.Zero ? value : throw new InvalidOperationException($"Permissions:{name} must be longer than zero (got {value}).");
    }
}
