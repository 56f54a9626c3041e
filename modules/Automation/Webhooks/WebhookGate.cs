using System.Globalization;
using System.Security.Cryptography;
using Crm.Modules.Automation.Starts;
using Crm.PluginSdk.GraphQL;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Webhooks;

/// <summary>
/// The checks every incoming webhook makes, each before the work it guards, so that a rule's
/// webhook and a process's webhook wait answer a hostile caller alike: the body's declared size
/// (413), the secret in <see cref="SecretHeader"/> (its SHA-256 compared in constant time: 401), the
/// calls per minute of one target across every host (429: counted in the database, <see cref="WebhookCallWindows"/>),
/// the <see cref="DeliveryHeader"/>'s length (422), the body as read, never past one byte beyond the
/// limit (413). One gate per endpoint, whose targets are named <paramref name="targetKind"/>:ID.
/// </summary>
public sealed class WebhookGate(IncomingWebhookOptions options, int maxBodyBytes, string targetKind)
{
    public const string SecretHeader = "X-Crm-Webhook-Secret";
    public const string DeliveryHeader = "X-Crm-Delivery-Id";

    public int MaxBodyBytes => maxBodyBytes;

    /// <summary>SHA-256 of a secret's UTF-8 text (secrets are 256 random bits: a fast hash is enough, there is nothing to guess).</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));

    /// <summary>A new secret: 256 random bits as URL-safe text.</summary>
    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public IResult? DeclaredTooLarge(HttpRequest request) => request.ContentLength > maxBodyBytes ? TooLarge() : null;

    /// <summary>Whether the request's secret header holds the secret whose hash is <paramref name="storedHash"/> (in constant time).</summary>
    public static bool Presents(HttpRequest request, byte[] storedHash) =>
        request.Headers[SecretHeader].ToString() is { Length: > 0 and <= 200 } secret && CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);

    /// <summary>The caller's header, when it presents one of a reasonable length (null otherwise).</summary>
    public static string? PresentedSecret(HttpRequest request) => request.Headers[SecretHeader].ToString() is { Length: > 0 and <= 200 } secret ? secret : null;

    public static IResult Unauthenticated(string whose) =>
        Error(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthenticated, $"The {SecretHeader} header does not hold {whose}.");

    /// <summary>
    /// Counts the call (one statement); 429 (with Retry-After: a slice, when the window has slid on) once
    /// <paramref name="target"/> has had its calls in the last minute on all hosts together
    /// (<see cref="WebhookCallWindows"/>); null while it has calls left.
    /// </summary>
    public async Task<IResult?> ThrottledAsync(HttpContext http, long target, string what, CancellationToken cancellationToken)
    {
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var db = http.RequestServices.GetRequiredService<Data.AutomationDbContext>();
        if (await WebhookCallWindows.TryCountAsync(db, $"{targetKind}:{target.ToString(CultureInfo.InvariantCulture)}", now, options.CallsPerMinute, cancellationToken))
        {
            return null;
        }

        http.Response.Headers.RetryAfter = WebhookCallWindows.Slice.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        return Error(StatusCodes.Status429TooManyRequests, ErrorCodes.LimitExceeded, $"{what} takes at most {options.CallsPerMinute.ToString(CultureInfo.InvariantCulture)} calls in any 60 seconds (Automation:Webhooks:Incoming:CallsPerMinute).");
    }

    /// <summary>The delivery id ("" when none was sent), or the refusal of one too long.</summary>
    public static (string Delivery, IResult? Refused) DeliveryOf(HttpRequest request)
    {
        var delivery = request.Headers[DeliveryHeader].ToString();
        return delivery.Length > StartLimits.MaxDeliveryIdLength
            ? (delivery, Error(StatusCodes.Status422UnprocessableEntity, ErrorCodes.LimitExceeded, $"The {DeliveryHeader} header is at most {StartLimits.MaxDeliveryIdLength.ToString(CultureInfo.InvariantCulture)} characters."))
            : (delivery, null);
    }

    /// <summary>The body, or null when it is longer than allowed (read no further than one chunk past the limit).</summary>
    public async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public IResult TooLarge(string setting = "Automation:Webhooks:Incoming:MaxBodyBytes") => Error(StatusCodes.Status413PayloadTooLarge, ErrorCodes.LimitExceeded,
        $"The body is at most {maxBodyBytes.ToString(CultureInfo.InvariantCulture)} bytes ({setting}).");

    public static IResult Error(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);
}
