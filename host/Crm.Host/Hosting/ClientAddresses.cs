using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Crm.Host.Hosting;

/// <summary>
/// Where a request comes from, for what is budgeted per client (sign-in): the TCP peer, unless
/// that peer is one of <c>Network:TrustedProxies</c>, whose <c>X-Forwarded-For</c> then names the
/// client. Nobody else's <c>X-Forwarded-For</c> is believed: anyone can send one.
/// </summary>
public static class ClientAddresses
{
    public const string TrustedProxiesSetting = "Network:TrustedProxies";

    /// <summary>Takes the client from <c>X-Forwarded-For</c> when a trusted proxy sent the request.</summary>
    public static void UseClientAddresses(this WebApplication app)
    {
        if (ReadForwardedHeaders(app.Configuration) is { } options)
        {
            app.UseForwardedHeaders(options);
        }
    }

    /// <summary>
    /// The forwarded-headers options for the trusted proxies (addresses or CIDR networks, comma
    /// separated or as a list), or null when there are none. The list walks from the right
    /// through trusted proxies only, so a client cannot pose as another by writing the header.
    /// </summary>
    public static ForwardedHeadersOptions? ReadForwardedHeaders(IConfiguration configuration)
    {
        var section = configuration.GetSection(TrustedProxiesSetting);
        var entries = (section.Value is { } value ? [value] : section.GetChildren().Select(c => c.Value ?? ""))
            .SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();
        if (entries.Count == 0)
        {
            return null;
        }

        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = null };
        // The defaults trust loopback; only what is configured is trusted here.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var entry in entries)
        {
            if (entry.Contains('/', StringComparison.Ordinal) && System.Net.IPNetwork.TryParse(entry, out var network))
            {
                options.KnownIPNetworks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                options.KnownProxies.Add(address);
            }
            else
            {
                throw new InvalidOperationException($"{TrustedProxiesSetting}: '{entry}' is neither an IP address nor a network such as 10.0.0.0/8.");
            }
        }

        return options;
    }
}
