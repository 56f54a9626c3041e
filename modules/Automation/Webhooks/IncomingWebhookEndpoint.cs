using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
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
/// rule's calls per minute across all hosts (429), the body as read (413, 400), what it names (422).
/// </summary>
public sealed class IncomingWebhookEndpoint(IncomingWebhookOptions options) : IEndpointContributor
{
    public const string SecretHeader = WebhookGate.SecretHeader;
    public const string DeliveryHeader = WebhookGate.DeliveryHeader;

    private readonly WebhookGate _gate = new(options, options.MaxBodyBytes, "rule");

    public static string PathOf(long ruleId) => $"/automation/webhooks/{ruleId.ToString(CultureInfo.InvariantCulture)}";

    public void MapEndpoints(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/automation/webhooks/{ruleId}", (HttpContext http, string ruleId) => HandleAsync(http, ruleId));

    private async Task<IResult> HandleAsync(HttpContext http, string rawRuleId)
    {
        var cancellationToken = http.RequestAborted;
        if (!RecordIds.TryParse(rawRuleId, out var ruleId))
        {
            return Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "No such webhook.");
        }

        if (_gate.DeclaredTooLarge(http.Request) is { } tooLarge)
        {
            return tooLarge;
        }

        var services = http.RequestServices;
        var db = services.GetRequiredService<AutomationDbContext>();
        var stored = await db.WebhookSecrets.AsNoTracking().Where(s => s.RuleId == ruleId).Select(s => s.SecretHash).FirstOrDefaultAsync(cancellationToken);
        if (stored is null)
        {
            return Error(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "No such webhook: the rule does not exist or has no secret (rotateAutomationWebhookSecret).");
        }

        if (!WebhookGate.Presents(http.Request, stored))
        {
            return WebhookGate.Unauthenticated("the rule's webhook secret");
        }

        if (await _gate.ThrottledAsync(http, ruleId, "The rule", cancellationToken) is { } throttled)
        {
            return throttled;
        }

        var (delivery, badDelivery) = WebhookGate.DeliveryOf(http.Request);
        if (badDelivery is not null)
        {
            return badDelivery;
        }

        if (await _gate.ReadBodyAsync(http.Request, cancellationToken) is not { } body)
        {
            return _gate.TooLarge();
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

    private static bool TryRecordId(JsonNode? node, out long id)
    {
        id = 0;
        return node is JsonValue value && (value.TryGetValue<long>(out id) ? id >= 1 : value.TryGetValue<string>(out var text) && RecordIds.TryParse(text, out id));
    }

    private static IResult Error(int status, string code, string message) => WebhookGate.Error(status, code, message);
}
