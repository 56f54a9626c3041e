using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;

namespace Crm.Modules.Automation.Webhooks;

/// <summary>
/// <c>platform.callWebhook</c>: POSTs JSON about the run to an allow-listed address
/// (<see cref="WebhookOptions"/>). It follows no redirect (a 3xx is the call's failure, so an
/// allowed host cannot send it elsewhere), gives up after the timeout, reads at most the response
/// limit, and in a dry run calls nothing and reports the call it would have made.
/// </summary>
public sealed class CallWebhookAction(WebhookOptions options) : IAutomationActionKind, IDisposable
{
    public const string CallFailed = "WEBHOOK_FAILED";

    public const int MaxPayloadLength = 16_000;

    private readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = options.Timeout,
    };

    public string Name => "platform.callWebhook";

    public string Description => "POSTs JSON to an address of an allowed host (Automation:Webhooks:AllowedHosts): the rule, the run, the record and the payload. Never in a dry run.";

    public bool HasExternalEffects => true;

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("url", ParameterType.Url, "The address to POST to; its host must be allowed.") { Required = true },
        new("payload", ParameterType.Text, "A JSON object sent as the body's payload.") { MaxLength = MaxPayloadLength },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => true;

    public Task CheckAsync(ParameterCheck check, List<UserError> errors, CancellationToken cancellationToken)
    {
        var url = new Uri(check.Parameters.Get<string>("url"));
        if (!options.Allows(url))
        {
            errors.Add(new UserError(ErrorCodes.Forbidden, $"The host {url.IdnHost} is not in Automation:Webhooks:AllowedHosts.", [.. check.Path, "url"]));
        }

        if (check.Parameters.GetOrDefault<string>("payload") is { } payload && !AutomationGraphTypes.IsJsonObject(payload))
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "'payload' is not a JSON object.", [.. check.Path, "payload"]));
        }

        return Task.CompletedTask;
    }

    public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
    {
        var url = context.Parameters.Get<string>("url");
        var effect = new SideEffect(SideEffectKind.HttpCall, context.Record.EntityType, context.Record.Id, new JsonObject { ["method"] = "POST", ["url"] = url });
        if (context.DryRun)
        {
            return ActionOutcome.Success(new JsonObject { ["dryRun"] = true }, effect);
        }

        var body = new JsonObject
        {
            ["rule"] = new JsonObject { ["id"] = context.Run.RuleId, ["name"] = context.Run.RuleName, ["version"] = context.Run.RuleVersion },
            ["runId"] = context.Run.RunId.ToString(),
            ["record"] = new JsonObject { ["entityType"] = context.Record.EntityType, ["id"] = context.Record.Id },
            ["payload"] = context.Parameters.GetOrDefault<string>("payload") is { } payload ? JsonNode.Parse(payload) : null,
        };
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                return ActionOutcome.Failed(CallFailed, $"The webhook answered {status} (a redirect, which is not followed).");
            }

            var text = await ReadBoundedAsync(response, cancellationToken);
            if (text is null)
            {
                return ActionOutcome.Failed(ErrorCodes.LimitExceeded, $"The webhook's answer is longer than {options.MaxResponseBytes.ToString(CultureInfo.InvariantCulture)} bytes (Automation:Webhooks:MaxResponseBytes).");
            }

            return response.IsSuccessStatusCode
                ? ActionOutcome.Success(new JsonObject { ["status"] = status, ["response"] = text }, effect)
                : ActionOutcome.Failed(CallFailed, $"The webhook answered {status.ToString(CultureInfo.InvariantCulture)}.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ActionOutcome.Failed(CallFailed, $"The webhook did not answer within {options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds (Automation:Webhooks:Timeout).");
        }
        catch (HttpRequestException ex)
        {
            return ActionOutcome.Failed(CallFailed, $"The webhook could not be called: {ex.HttpRequestError}.");
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The answer as text; null when it is longer than the limit (read no further than one byte past it).</summary>
    private async Task<string?> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > options.MaxResponseBytes)
        {
            return null;
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[options.MaxResponseBytes + 1];
        var read = 0;
        int chunk;
        while (read < buffer.Length && (chunk = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += chunk;
        }

        return read > options.MaxResponseBytes ? null : Encoding.UTF8.GetString(buffer, 0, read);
    }
}
