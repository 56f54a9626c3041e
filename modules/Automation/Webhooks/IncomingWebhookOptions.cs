using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Automation.Webhooks;

/// <summary>
/// <c>Automation:Webhooks:Incoming</c>: how large a call's body may be (<c>MaxBodyBytes</c>, 64 KiB,
/// at most 1 MiB; refused with 413 before it is read past that) and how many calls one rule takes
/// in any 60 seconds, all hosts together (<c>CallsPerMinute</c>, 60, a sliding window counted in the database; 429 beyond);
/// <c>PublicUrl</c>, the CRM's address as outside callers reach it (<c>https://crm.example.com</c>; none by
/// default), from which a webhook wait's notice gives the whole address to call, not only its path.
/// </summary>
public sealed record IncomingWebhookOptions(int MaxBodyBytes, int CallsPerMinute, Uri? PublicUrl = null)
{
    /// <summary>The longest <c>PublicUrl</c>.</summary>
    public const int MaxPublicUrlLength = 500;

    /// <summary>The address to call for <paramref name="path"/> (absolute when <see cref="PublicUrl"/> is set; else null).</summary>
    public string? UrlOf(string path) => PublicUrl is null ? null : PublicUrl.GetLeftPart(UriPartial.Authority) + PublicUrl.AbsolutePath.TrimEnd('/') + path;

    public static IncomingWebhookOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Automation:Webhooks:Incoming");
        var maxBytes = Read(section, "MaxBodyBytes", 64 * 1024);
        var perMinute = Read(section, "CallsPerMinute", 60);
        Uri? publicUrl = null;
        var publicUrlBad = section["PublicUrl"] is { Length: > 0 } urlText
            && (urlText.Length > MaxPublicUrlLength || !Uri.TryCreate(urlText, UriKind.Absolute, out publicUrl)
                || publicUrl.Scheme is not ("http" or "https") || publicUrl.UserInfo.Length > 0 || publicUrl.Query.Length > 0 || publicUrl.Fragment.Length > 0);
        if (maxBytes is < 1 or > 1024 * 1024 || perMinute is < 1 or > 100_000 || publicUrlBad)
        {
            throw new InvalidOperationException(
                "Automation:Webhooks:Incoming has a setting that cannot work: MaxBodyBytes is 1 to 1048576, CallsPerMinute 1 to 100000, "
                + $"PublicUrl an absolute http or https address of at most {MaxPublicUrlLength} characters, with no credentials, query or fragment.");
        }

        return new IncomingWebhookOptions(maxBytes, perMinute, publicUrlBad ? null : publicUrl);
    }

    private static int Read(IConfigurationSection section, string key, int fallback) => section[key] is { Length: > 0 } text
        ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : -1
        : fallback;
}
