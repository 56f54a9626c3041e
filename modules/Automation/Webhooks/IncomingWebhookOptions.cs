using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Automation.Webhooks;

/// <summary>
/// <c>Automation:Webhooks:Incoming</c>: how large a call's body may be (<c>MaxBodyBytes</c>, 64 KiB,
/// at most 1 MiB; refused with 413 before it is read past that) and how many calls one rule takes
/// in any 60 seconds, all hosts together (<c>CallsPerMinute</c>, 60, a sliding window counted in the database; 429 beyond).
/// </summary>
public sealed record IncomingWebhookOptions(int MaxBodyBytes, int CallsPerMinute)
{
    public static IncomingWebhookOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Automation:Webhooks:Incoming");
        var maxBytes = Read(section, "MaxBodyBytes", 64 * 1024);
        var perMinute = Read(section, "CallsPerMinute", 60);
        if (maxBytes is < 1 or > 1024 * 1024 || perMinute is < 1 or > 100_000)
        {
            throw new InvalidOperationException(
                "Automation:Webhooks:Incoming has a setting that cannot work: MaxBodyBytes is 1 to 1048576, CallsPerMinute 1 to 100000.");
        }

        return new IncomingWebhookOptions(maxBytes, perMinute);
    }

    private static int Read(IConfigurationSection section, string key, int fallback) => section[key] is { Length: > 0 } text
        ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : -1
        : fallback;
}
