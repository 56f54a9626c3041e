using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Starts;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Webhooks;

/// <summary>
/// <c>POST /automation/webhooks/{ruleId}</c>: an incoming call starts a <c>platform.webhook</c> rule
/// on the record its body names (<c>{ "recordId": 5, "input": { ... } }</c>) and answers with the run.
/// The caller proves itself with the rule's own secret in <see cref="SecretHeader"/> (its SHA-256
/// compared in constant time with the one stored); a <see cref="DeliveryHeader"/> makes a
/// redelivered call run once (it answers with the first delivery's run). Checks, each before the
/// work it guards: the body's declared size (413), the secret (404 for no such webhook, 401), the
/// rule's calls per minute on this host (429), the body as read (413, 400), what it names (422).
/// </summary>
public sealed class IncomingWebhookEndpoint(IncomingWebhookOptions options) : IEndpointContributor, IDisposable
{
    public const string SecretHeader = "X-Crm-Webhook-Secret";
    public const string DeliveryHeader = "X-Crm-Delivery-Id";

    private readonly PartitionedRateLimiter<long> _calls = PartitionedRateLimiter.Create<long, long>(ruleId => RateLimitPartition.GetTokenBucketLimiter(ruleId, _ => new TokenBucketRateLimiterOptions
    {
        TokenLimit = options.CallsPerMinute,
        TokensPerPeriod = options.CallsPerMinute,
        ReplenishmentPeriod = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    }));

    public static string PathOf(long ruleId) => $"/automation/webhooks/{ruleId.ToString(CultureInfo.InvariantCulture)}";

    public void MapEndpoints(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/automation/webhooks/{ruleId}", (HttpContext http, string ruleId) => HandleAsync(http, ruleId));

    public void Dispose() => _calls.Dispose();

    private async Task<IResult> HandleAsync(HttpContext http, string rawRuleId)
    {
        var cancellationToken = http.RequestAborted;
        if (!RecordIds.TryParse(rawRuleId, out var ruleId))
        {
            return Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "No such webhook.");
        }

        if (http.Request.ContentLength > options.MaxBodyBytes)
        {
            return TooLarge();
        }

        var services = http.RequestServices;
        var db = services.GetRequiredService<AutomationDbContext>();
        var stored = await db.WebhookSecrets.AsNoTracking().Where(s => s.RuleId == ruleId).Select(s => s.SecretHash).FirstOrDefaultAsync(cancellationToken);
        if (stored is null)
        {
            return Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "No such webhook: the rule does not exist or has no secret (rotateAutomationWebhookSecret).");
        }

        if (http.Request.Headers[SecretHeader].ToString() is not { Length: > 0 and <= 200 } secret
            || !CryptographicOperations.FixedTimeEquals(WebhookSecretSchema.Hash(secret), stored))
        {
            return Error(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthenticated, $"The {SecretHeader} header does not hold the rule's webhook secret.");
        }

        using var lease = _calls.AttemptAcquire(ruleId);
        if (!lease.IsAcquired)
        {
            http.Response.Headers.RetryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture) : "60";
            return Error(StatusCodes.Status429TooManyRequests, ErrorCodes.LimitExceeded, $"The rule takes at most {options.CallsPerMinute.ToString(CultureInfo.InvariantCulture)} calls a minute (Automation:Webhooks:Incoming:CallsPerMinute).");
        }

        var delivery = http.Request.Headers[DeliveryHeader].ToString();
        if (delivery.Length > StartLimits.MaxDeliveryIdLength)
        {
            return Error(StatusCodes.Status422UnprocessableEntity, ErrorCodes.LimitExceeded, $"The {DeliveryHeader} header is at most {StartLimits.MaxDeliveryIdLength.ToString(CultureInfo.InvariantCulture)} characters.");
        }

        if (await ReadBodyAsync(http.Request, cancellationToken) is not { } body)
        {
            return TooLarge();
        }

        JsonObject? call;
        try
        {
            call = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) as JsonObject;
        }
        catch (JsonException)
        {
            call = null;
        }

        if (call is null)
        {
            return Error(StatusCodes.Status400BadRequest, ErrorCodes.InvalidFormat, "The body is a JSON object: { \"recordId\": 5, \"input\": { ... } }.");
        }

        if (!TryRecordId(call["recordId"], out var recordId))
        {
            return Error(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidFormat, "The body's recordId is the id of the record the call is about (a whole number or its text).");
        }

        if (call["input"] is { } rawInput && rawInput is not JsonObject)
        {
            return Error(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidFormat, "The body's input is a JSON object.");
        }

        var input = call["input"] as JsonObject;
        if (RuleStarter.CheckInput(input, "input") is { } tooBig)
        {
            return Error(StatusCodes.Status422UnprocessableEntity, tooBig.Code, tooBig.Message);
        }

        var starter = services.GetRequiredService<RuleStarter>();
        var (rule, refused) = await starter.FindAsync(ruleId, TriggerFiring.Webhook, cancellationToken);
        if (rule is null)
        {
            return Error(refused!.Code == ErrorCodes.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status422UnprocessableEntity, refused.Code, refused.Message);
        }

        var startId = delivery.Length > 0 ? RuleStarter.StartIdOf(ruleId, delivery) : Guid.NewGuid();
        // Not the caller's token: a caller that hangs up does not cut a run in half (its scripts and calls have their own time limits).
        var outcome = await starter.StartAsync(rule, recordId, startId, startedBy: null, input, CancellationToken.None);
        if (outcome.Run is not { } run)
        {
            return Error(StatusCodes.Status422UnprocessableEntity, outcome.Refused!.Code, outcome.Refused.Message);
        }

        return Results.Json(new
        {
            run = new { id = run.RunId, status = JsonNamingPolicy.SnakeCaseUpper.ConvertName(run.Status.ToString()), error = run.Error },
            repeated = outcome.Repeated,
        });
    }

    /// <summary>The body, or null when it is longer than allowed (read no further than one byte past the limit).</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > options.MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static bool TryRecordId(JsonNode? node, out long id)
    {
        id = 0;
        return node is JsonValue value && (value.TryGetValue<long>(out id) ? id >= 1 : value.TryGetValue<string>(out var text) && RecordIds.TryParse(text, out id));
    }

    private IResult TooLarge() => Error(StatusCodes.Status413PayloadTooLarge, ErrorCodes.LimitExceeded,
        $"The body is at most {options.MaxBodyBytes.ToString(CultureInfo.InvariantCulture)} bytes (Automation:Webhooks:Incoming:MaxBodyBytes).");

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);
}
