using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Automation.Webhooks;

/// <summary>
/// <c>Automation:Webhooks</c>: where <c>platform.callWebhook</c> may post (<c>AllowedHosts</c>: host
/// names, or <c>*.example.com</c> for its subdomains; none by default, so nothing is called until an
/// administrator says where), how long a call may take (<c>Timeout</c>, 10 seconds, at most a minute)
/// and how much of the answer is read (<c>MaxResponseBytes</c>, 64 KiB, at most 1 MiB).
/// </summary>
public sealed record WebhookOptions(IReadOnlyList<string> AllowedHosts, TimeSpan Timeout, int MaxResponseBytes)
{
    public const int MaxAllowedHosts = 100;

    public static WebhookOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Automation:Webhooks");
        var hosts = section.GetSection("AllowedHosts").GetChildren().Select(c => c.Value?.Trim().ToLowerInvariant()).OfType<string>().Where(h => h.Length > 0).ToList();
        var timeout = section["Timeout"] is { Length: > 0 } timeoutText
            ? TimeSpan.TryParse(timeoutText, CultureInfo.InvariantCulture, out var parsed) ? parsed : TimeSpan.MinValue
            : TimeSpan.FromSeconds(10);
        var maxBytes = section["MaxResponseBytes"] is { Length: > 0 } bytesText
            ? int.TryParse(bytesText, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : -1
            : 64 * 1024;
        if (hosts.Count > MaxAllowedHosts || timeout <= TimeSpan.Zero || timeout > TimeSpan.FromMinutes(1) || maxBytes is < 1 or > 1024 * 1024)
        {
            throw new InvalidOperationException(
                $"Automation:Webhooks has a setting that cannot work: AllowedHosts holds at most {MaxAllowedHosts} names, Timeout is above zero and at most 00:01:00, MaxResponseBytes is 1 to 1048576.");
        }

        return new WebhookOptions(hosts, timeout, maxBytes);
    }

    /// <summary>Whether the address's host is allowed: named exactly, or below a <c>*.</c> entry.</summary>
    public bool Allows(Uri address)
    {
        var host = address.IdnHost.ToLowerInvariant();
        return AllowedHosts.Any(allowed => allowed.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(allowed[1..], StringComparison.Ordinal)
            : host == allowed);
    }
}
