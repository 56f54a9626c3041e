using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Engine;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Scripting;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Scripts;

/// <summary>
/// <c>platform.script</c>: runs an admin's JavaScript in the sandbox with the run's record, event and
/// parameters, its reads as the run-as user (<see cref="RunRecordSource"/>), then carries out the
/// requests it made, in order, each as the action kind it names would be run in a rule (same checks,
/// same rights, same dry run): <c>crm.update</c> → <c>records.setFields</c>, <c>crm.create</c> →
/// <c>records.create</c>, <c>crm.changeStage</c> → <c>records.changeStage</c>, <c>crm.addComment</c>
/// → <c>timeline.addComment</c>, <c>crm.createActivity</c> → <c>activities.create</c>,
/// <c>crm.notify</c> → <c>timeline.notify</c> about the run's record, <c>crm.http</c> (POST) →
/// <c>platform.callWebhook</c>, and <c>crm.request(kind, params)</c> → that kind on the run's record.
/// The first request that fails stops the rest and fails the action; those before it stay done.
/// It may call out (<c>crm.http</c>), so it runs outside a transaction of its own.
/// </summary>
public sealed class ScriptAction(ScriptSandbox sandbox, IServiceScopeFactory scopes, IServiceProvider root) : IAutomationActionKind
{
    // One allow list for crm.http: the webhook action's, which carries the requests out.
    private Webhooks.WebhookOptions Webhooks => root.GetRequiredService<Webhooks.WebhookOptions>();

    // The catalog holds every action kind, this one included: asked for when needed, not when made.
    private AutomationCatalog Catalog => root.GetRequiredService<AutomationCatalog>();

    public string Name => "platform.script";

    public string Description => "Runs a JavaScript script (the sandbox's limits apply) and carries out the requests it makes (crm.update, crm.create, crm.addComment ...) as the run's user.";

    public bool HasExternalEffects => true;

    // The source's limit is the sandbox's (Scripts:MaxSourceLength): one limit, listed in the catalog as it is enforced.
    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("source", ParameterType.Text, "The script. It sees event, record, params and crm; its requests are carried out when it ends.") { Required = true, MaxLength = sandbox.MaxSourceLength },
        new("params", ParameterType.Text, "A JSON object the script sees as params.") { MaxLength = 16_000 },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => true;

    public Task CheckAsync(ParameterCheck check, List<UserError> errors, CancellationToken cancellationToken)
    {
        if (sandbox.Check(check.Parameters.Get<string>("source")).Error is { } error)
        {
            errors.Add(ScriptInputs.Refusal(error, [.. check.Path, "source"]));
        }

        if (check.Parameters.GetOrDefault<string>("params") is { } json && !AutomationGraphTypes.IsJsonObject(json))
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "'params' is a JSON object.", [.. check.Path, "params"]));
        }

        return Task.CompletedTask;
    }

    public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
    {
        var services = context.Services;
        var registry = services.GetRequiredService<IEntityRegistry>();
        var record = await context.RecordType.GetAsync(services, context.Record.Id, cancellationToken);
        var run = new ScriptRun(context.Parameters.Get<string>("source"))
        {
            Record = record is null ? null : RecordSnapshot.Of(context.RecordType, record),
            Params = context.Parameters.GetOrDefault<string>("params") is { } json ? JsonNode.Parse(json) as JsonObject : null,
            Event = context.Event is { } e ? ScriptInputs.EventOf(e) : context.Start is { } start ? ScriptInputs.EventOf(start) : null,
            Records = new RunRecordSource(services, registry),
            Clock = services.GetRequiredService<TimeProvider>(),
            HttpAllowed = Webhooks.Allows,
            HttpAllowListName = "Automation:Webhooks:AllowedHosts",
        };
        var outcome = sandbox.Run(run, cancellationToken);
        var log = new JsonArray(outcome.Log.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray());
        if (outcome.Error is { } error)
        {
            return ActionOutcome.Failed(error.Code, ScriptInputs.Reason(error), new JsonObject { ["error"] = ScriptInputs.ErrorJson(error), ["log"] = log });
        }

        var runAs = services.GetRequiredService<ICurrentActor>().UserId ?? 0;
        var done = new JsonArray();
        var effects = new List<SideEffect>();
        var published = new List<CrmEvent>(); // in a dry run, what the requests' writes would have published
        foreach (var request in outcome.Requests)
        {
            var (kind, target, parameters, refused) = Map(request, context.Record);
            var result = refused ?? await AutomationRunner.RunAsync(scopes,
                new ActionRequest(kind!, context.Run, target, runAs, parameters, context.DryRun) { Event = context.Event, Start = context.Start }, cancellationToken);
            done.Add(new JsonObject { ["request"] = request.Kind, ["action"] = kind?.Name, ["status"] = result.Succeeded ? "SUCCEEDED" : "FAILED", ["code"] = result.Code, ["message"] = result.Message });
            effects.AddRange(result.SideEffects);
            published.AddRange(result.DryRunEvents);
            if (!result.Succeeded)
            {
                return ActionOutcome.Failed(result.Code ?? ErrorCodes.Validation, $"Request {done.Count} ({request.Kind}) failed: {result.Message}", new JsonObject { ["log"] = log, ["requests"] = done })
                    with { DryRunEvents = published };
            }
        }

        var output = new JsonObject
        {
            ["result"] = outcome.Result?.DeepClone(),
            ["log"] = log,
            ["requests"] = done,
            ["statements"] = outcome.Statements,
        };
        return ActionOutcome.Success(output, [.. effects]) with { DryRunEvents = published };
    }

    /// <summary>The action kind, record and parameters a request stands for, or why it cannot be carried out.</summary>
    private (IAutomationActionKind? Kind, AutomationRecord Target, JsonObject? Parameters, ActionOutcome? Refused) Map(ScriptRequest request, AutomationRecord record)
    {
        var p = request.Parameters;
        AutomationRecord Named() => new(p["type"]!.GetValue<string>().ToLowerInvariant(), long.Parse(p["id"]!.ToJsonString(), CultureInfo.InvariantCulture));
        var (name, target, parameters) = request.Kind switch
        {
            "update" => ("records.setFields", Named(), new JsonObject { ["fields"] = p["fields"]?.DeepClone() }),
            "create" => ("records.create", record, new JsonObject { ["entityType"] = p["type"]?.DeepClone(), ["fields"] = p["fields"]?.DeepClone() }),
            "changeStage" => ("records.changeStage", Named(), new JsonObject { ["stageId"] = p["stageId"]?.DeepClone() }),
            "addComment" => ("timeline.addComment", Named(), new JsonObject { ["text"] = p["text"]?.DeepClone() }),
            "createActivity" => ("activities.create", record, p["fields"]?.DeepClone() as JsonObject ?? []),
            "notify" => ("timeline.notify", record, new JsonObject { ["userId"] = p["userId"]?.DeepClone(), ["text"] = p["message"]?.DeepClone() }),
            "http" when p["method"]?.GetValue<string>() is "POST" or null => ("platform.callWebhook", record,
                new JsonObject { ["url"] = p["url"]?.DeepClone(), ["payload"] = p["body"] is JsonObject body ? body.ToJsonString() : null }),
            "http" => ("", record, (JsonObject?)null),
            _ => (request.Kind, record, p.DeepClone().AsObject()),
        };

        if (name.Length == 0)
        {
            return (null, record, null, ActionOutcome.Failed(ErrorCodes.InvalidValue, "crm.http sends POST only (as platform.callWebhook does)."));
        }

        return Catalog.FindAction(name) is { } kind && kind.Name != Name
            ? (kind, target, parameters, null)
            : (null, record, null, ActionOutcome.Failed(ErrorCodes.NotFound, $"No action kind '{name}' is loaded (a script cannot run another script)."));
    }
}
