using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Webhooks;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// <c>POST /automation/process-waits/{instanceId}</c>: a call with a webhook wait's own secret (made
/// when the branch reached the wait; <c>processInstances { webhookWaits }</c> shows it to the settings
/// right) resumes that branch once, its body (JSON, at most <see cref="ProcessLimits.MaxWebhookBodyBytes"/>)
/// kept as the wait's output. The same checks as a rule's webhook (<see cref="WebhookGate"/>: 413, 404,
/// 401, 429 per instance, 422, 400); a call for a wait already resumed answers 200 again when it
/// carries the same <see cref="WebhookGate.DeliveryHeader"/> (a redelivery, nothing resumed twice) and
/// 409 otherwise, as does one for an instance no longer running.
/// </summary>
public sealed class ProcessWaitWebhooks(IncomingWebhookOptions options) : IEndpointContributor
{
    private const string ResumedBy = "webhook";

    private readonly WebhookGate _gate = new(options, ProcessLimits.MaxWebhookBodyBytes, "instance");

    public static string PathOf(long instanceId) => $"/automation/process-waits/{instanceId.ToString(CultureInfo.InvariantCulture)}";

    public void MapEndpoints(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/automation/process-waits/{instanceId}", (HttpContext http, string instanceId) => HandleAsync(http, instanceId));

    private async Task<IResult> HandleAsync(HttpContext http, string rawId)
    {
        var cancellationToken = http.RequestAborted;
        if (!RecordIds.TryParse(rawId, out var instanceId))
        {
            return NoSuchWait();
        }

        if (_gate.DeclaredTooLarge(http.Request) is { } tooLarge)
        {
            return tooLarge;
        }

        var services = http.RequestServices;
        var db = services.GetRequiredService<AutomationDbContext>();
        var instance = await db.ProcessInstances.AsNoTracking().FirstOrDefaultAsync(i => i.Id == instanceId, cancellationToken);
        if (instance is null)
        {
            return NoSuchWait();
        }

        var waiting = InstanceState.FromJson(instance.State).Tokens.Where(t => t.Wait is { Kind: "webhook", Secret: not null }).ToList();
        var spent = await SpentAsync(db, instanceId, cancellationToken);
        if (waiting.Count == 0 && spent.Count == 0)
        {
            return NoSuchWait();
        }

        var presented = WebhookGate.PresentedSecret(http.Request) is { } secret ? WebhookGate.Hash(secret) : null;
        var token = presented is null ? null : waiting.FirstOrDefault(t => CryptographicOperations.FixedTimeEquals(WebhookGate.Hash(t.Wait!.Secret!), presented));
        var resumed = presented is null || token is not null ? null : spent.FirstOrDefault(s => CryptographicOperations.FixedTimeEquals(s.SecretHash, presented));
        if (token is null && resumed is null)
        {
            return WebhookGate.Unauthenticated("the secret of a webhook wait of this instance");
        }

        if (await _gate.ThrottledAsync(http, instanceId, "A process instance", cancellationToken) is { } throttled)
        {
            return throttled;
        }

        var (delivery, badDelivery) = WebhookGate.DeliveryOf(http.Request);
        if (badDelivery is not null)
        {
            return badDelivery;
        }

        if (await _gate.ReadBodyAsync(http.Request, cancellationToken) is not { } bytes)
        {
            return _gate.TooLarge("a webhook wait's limit");
        }

        JsonNode? body;
        try
        {
            body = bytes.Length == 0 ? null : JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return WebhookGate.Error(StatusCodes.Status400BadRequest, ErrorCodes.InvalidFormat, "The body is JSON (or empty).");
        }

        if (token is not null)
        {
            if (instance.Status is not (InstanceStatus.Running or InstanceStatus.Waiting))
            {
                return Finished(instance);
            }

            var output = new JsonObject { ["deliveryId"] = delivery.Length > 0 ? delivery : null, ["secretSha256"] = Convert.ToHexString(presented!), ["body"] = body };
            // Not the caller's token: a caller that hangs up does not cut an advance in half.
            if (await ResumeAsync(services, instanceId, token, output) is { } advanced)
            {
                return Answer(advanced, repeated: false);
            }

            // Another call (or another branch's advance) got there first: decide on what was written.
            resumed = (await SpentAsync(db, instanceId, CancellationToken.None)).FirstOrDefault(s => CryptographicOperations.FixedTimeEquals(s.SecretHash, presented!));
            if (resumed is null)
            {
                return Finished(await db.ProcessInstances.AsNoTracking().FirstAsync(i => i.Id == instanceId, CancellationToken.None));
            }
        }

        return delivery.Length > 0 && resumed!.DeliveryId == delivery
            ? Answer(await db.ProcessInstances.AsNoTracking().FirstAsync(i => i.Id == instanceId, cancellationToken), repeated: true)
            : WebhookGate.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict, "The wait this secret opened was resumed already (a redelivery carries the first call's X-Crm-Delivery-Id).");
    }

    /// <summary>
    /// Resumes the branch; when another advance of the instance wins the race for its revision
    /// (a parallel branch), tries again while the branch still waits. Null when it no longer does.
    /// </summary>
    private static async Task<ProcessInstance?> ResumeAsync(IServiceProvider services, long instanceId, InstanceToken token, JsonObject output)
    {
        var instances = new ProcessInstances(services);
        var db = services.GetRequiredService<AutomationDbContext>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await instances.ResumeAsync(instanceId, t => t.Id == token.Id && t.Wait?.Secret == token.Wait!.Secret, ResumedBy, output, CancellationToken.None) is not null)
            {
                return await db.ProcessInstances.AsNoTracking().FirstAsync(i => i.Id == instanceId, CancellationToken.None);
            }

            var now = await db.ProcessInstances.AsNoTracking().FirstAsync(i => i.Id == instanceId, CancellationToken.None);
            if (now.Status is not (InstanceStatus.Running or InstanceStatus.Waiting)
                || !InstanceState.FromJson(now.State).Tokens.Any(t => t.Id == token.Id && t.Wait?.Secret == token.Wait!.Secret))
            {
                return null;
            }
        }

        return null;
    }

    private sealed record SpentWait(byte[] SecretHash, string? DeliveryId);

    /// <summary>The webhook waits of the instance resumed so far (their history rows keep the secret's hash and the delivery).</summary>
    private static async Task<List<SpentWait>> SpentAsync(AutomationDbContext db, long instanceId, CancellationToken cancellationToken)
    {
        var outputs = await db.ProcessStepRuns.AsNoTracking()
            .Where(s => s.InstanceId == instanceId && s.Status == "RESUMED" && s.Outcome == ResumedBy && s.Output != null)
            .Select(s => s.Output!).ToListAsync(cancellationToken);
        return [.. outputs.Select(o => JsonNode.Parse(o)!.AsObject()).Where(o => o["secretSha256"] is not null)
            .Select(o => new SpentWait(Convert.FromHexString(o["secretSha256"]!.GetValue<string>()), o["deliveryId"]?.GetValue<string>()))];
    }

    private static IResult Answer(ProcessInstance instance, bool repeated) => Results.Json(new
    {
        instance = new { id = instance.Id.ToString(CultureInfo.InvariantCulture), status = instance.Status.ToString().ToUpperInvariant() },
        repeated,
    });

    private static IResult Finished(ProcessInstance instance) => WebhookGate.Error(StatusCodes.Status409Conflict, ErrorCodes.Conflict,
        $"The instance is {instance.Status.ToString().ToUpperInvariant()}: its wait no longer takes calls.");

    private static IResult NoSuchWait() => WebhookGate.Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "No such webhook wait: no process instance with that id has one.");
}
