using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>Checks a webhook wait's notice when its process is saved (see ProcessEngine.WaitNotices.cs for what it does).</summary>
internal static class WaitNoticeCheck
{
    /// <summary>
    /// A webhook wait's <c>notify: { url, payload }</c>: checked as a <c>platform.callWebhook</c> action's
    /// parameters (an allowed host), its payload a JSON object of at most <see cref="ProcessLimits.MaxNoticePayloadLength"/>
    /// characters without a <c>wait</c> key (the engine puts the wait's address and secret there). Stored with the payload as an object.
    /// </summary>
    public static async Task CheckAsync(IServiceProvider services, ICrmEntityDefinition recordType, string id, JsonObject given, string[] at, List<UserError> errors, CancellationToken cancellationToken)
    {
        if (given["notify"] is not JsonObject notify || notify.Any(p => p.Key is not ("url" or "payload")))
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, $"Step '{id}': a webhook wait's 'notify' is {{ url, payload }}: where to POST the wait's address and secret, and what else to send.", at));
            return;
        }

        var payload = notify["payload"] switch
        {
            null => null,
            JsonValue text when text.GetValueKind() == JsonValueKind.String => text.GetValue<string>(),
            var other => other.ToJsonString(),
        };
        if (payload is { Length: > ProcessLimits.MaxNoticePayloadLength })
        {
            errors.Add(new UserError(ErrorCodes.LimitExceeded, $"Step '{id}': a notice's payload is at most {ProcessLimits.MaxNoticePayloadLength} characters of JSON.", [.. at, "payload"]));
            return;
        }

        var parameters = new JsonObject { ["url"] = notify["url"]?.DeepClone() };
        if (payload is not null)
        {
            parameters["payload"] = payload;
        }

        var catalog = services.GetRequiredService<AutomationCatalog>();
        var first = errors.Count;
        var valid = await new RuleValidator(services).StepAsync(recordType, null, new RuleStepInput(ProcessEngine.NoticeKind, parameters), catalog.FindAction, "action", at, errors, cancellationToken);
        for (var i = first; i < errors.Count; i++)
        {
            // The action's checks name its parameters under "params"; here they sit right under "notify".
            if (errors[i].Path is { } path && path.Count > at.Length && path[at.Length] == "params")
            {
                errors[i] = errors[i] with { Path = [.. path.Take(at.Length), .. path.Skip(at.Length + 1)] };
            }
        }

        if (valid is null)
        {
            return;
        }

        var body = Text(valid.Params["payload"]) is { } json ? JsonNode.Parse(json) as JsonObject : null;
        if (body?.ContainsKey(ProcessEngine.NoticeWaitKey) == true)
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, $"Step '{id}': a notice's payload has no '{ProcessEngine.NoticeWaitKey}' key: the wait's address and secret go there.", [.. at, "payload"]));
            return;
        }

        given["notify"] = new JsonObject { ["url"] = valid.Params["url"]?.DeepClone(), ["payload"] = body };
    }

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
}
