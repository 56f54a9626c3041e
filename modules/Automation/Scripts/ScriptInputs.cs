using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Scripting;

namespace Crm.Modules.Automation.Scripts;

/// <summary>What a rule's scripts (a condition's, a script action's) are given, and how their errors are told, in one place.</summary>
internal static class ScriptInputs
{
    /// <summary>The script's <c>event</c>: its kind, the changed fields with old and new values, who (id, kind) and when.</summary>
    public static ScriptEvent EventOf(Engine.RunStart start, TimeProvider clock) => start.Event is { } domainEvent
        ? EventOf(domainEvent)
        : EventOf(start.AsAutomationStart(clock));

    /// <summary>The script's <c>event</c> for a start without one: its kind, who started it, when, and its <c>input</c>.</summary>
    public static ScriptEvent EventOf(AutomationStart start) =>
        new(start.Kind, (start.Changed ?? new Dictionary<string, FieldChange>()).ToDictionary(c => c.Key, c => new ScriptFieldChange(c.Value.OldValue, c.Value.NewValue)),
            start.StartedBy is { } user || start.ActorKind is not null ? new JsonObject { ["id"] = start.StartedBy, ["kind"] = start.ActorKind ?? "USER" } : null, start.StartedAt) { Input = start.Input };

    /// <summary>The script's <c>event</c> for a published event.</summary>
    public static ScriptEvent EventOf(DomainEvent<CrmEvent> domainEvent) => new(
        domainEvent.Type,
        (domainEvent.Data is RecordUpdated updated ? updated.Changes : new Dictionary<string, FieldChange>())
            .ToDictionary(c => c.Key, c => new ScriptFieldChange(c.Value.OldValue, c.Value.NewValue)),
        new JsonObject { ["id"] = domainEvent.ActorId, ["kind"] = JsonNamingPolicy.SnakeCaseUpper.ConvertName(domainEvent.Origin.Kind.ToString()) },
        domainEvent.OccurredAt);

    /// <summary>A failed run's error for the run log: code, the limit reached, message, where.</summary>
    public static string Describe(ScriptError error) => $"{error.Code}: {Reason(error)}";

    /// <summary>The error without its code: the limit reached, message, where.</summary>
    public static string Reason(ScriptError error) =>
        $"{(error.Limit is { } limit ? $"{limit}: " : "")}{error.Message}{(error.Line is { } line ? $" (line {line.ToString(CultureInfo.InvariantCulture)}, column {(error.Column ?? 0).ToString(CultureInfo.InvariantCulture)})" : "")}";

    /// <summary>A script's error as the run log and a dry run show it: code, limit, message, line, column, stack.</summary>
    public static System.Text.Json.Nodes.JsonObject ErrorJson(ScriptError error) => new()
    {
        ["code"] = error.Code,
        ["limit"] = error.Limit,
        ["message"] = error.Message,
        ["line"] = error.Line,
        ["column"] = error.Column,
        ["stack"] = error.Stack,
    };

    /// <summary>A script refused when a rule is saved, as the refusal at <paramref name="path"/> (line and column first).</summary>
    public static UserError Refusal(ScriptError error, IReadOnlyList<string> path) => new(
        error.Code == ScriptErrorCodes.LimitExceeded ? ErrorCodes.LimitExceeded : ErrorCodes.InvalidValue,
        (error.Line is { } line ? $"line {line.ToString(CultureInfo.InvariantCulture)}, column {(error.Column ?? 0).ToString(CultureInfo.InvariantCulture)}: " : "") + error.Message,
        path);
}
