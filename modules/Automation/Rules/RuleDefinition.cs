using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Crm.Modules.Automation.Rules;

/// <summary>When an action runs, relative to the run's start or to a date field of its record.</summary>
public enum TimingMode
{
    /// <summary>At once, in the run.</summary>
    Immediately,

    /// <summary>After <see cref="ActionTiming.Delay"/>.</summary>
    AfterDelay,

    /// <summary><see cref="ActionTiming.Delay"/> before the date of <see cref="ActionTiming.Field"/>.</summary>
    BeforeField,

    /// <summary><see cref="ActionTiming.Delay"/> (or nothing) after the date of <see cref="ActionTiming.Field"/>.</summary>
    AfterField,

    /// <summary>At the next <see cref="ActionTiming.TimeOfDay"/> (UTC).</summary>
    AtTimeOfDay,
}

/// <summary>What a failed action does to the rest of its run.</summary>
public enum ErrorPolicy
{
    /// <summary>The run fails; later actions do not run.</summary>
    Stop,

    /// <summary>The failure is logged; the next action runs.</summary>
    Continue,

    /// <summary>The action is tried again, <see cref="RuleAction.Retries"/> times with back-off, then the run fails.</summary>
    Retry,
}

/// <param name="Mode">When.</param>
/// <param name="Delay">How long after (or before) its reference point.</param>
/// <param name="Field">The date field of the record (BEFORE_FIELD, AFTER_FIELD).</param>
/// <param name="TimeOfDay">The time of day, <c>HH:mm</c> UTC (AT_TIME_OF_DAY).</param>
/// <param name="WorkingHoursOnly">Moved to the next working hour when it falls outside them.</param>
public sealed record ActionTiming(TimingMode Mode, TimeSpan? Delay = null, string? Field = null, string? TimeOfDay = null, bool WorkingHoursOnly = false)
{
    public static ActionTiming Immediately { get; } = new(TimingMode.Immediately);
}

/// <summary>A kind from the catalog and its parameters, as the rule gives them.</summary>
public sealed record RuleStep(string Kind, JsonObject Params);

/// <summary>One action of a rule.</summary>
public sealed record RuleAction(string Kind, JsonObject Params, ActionTiming Timing, ErrorPolicy OnError, int Retries);

/// <summary>
/// What a rule version does: its trigger, its condition (a declarative tree, see
/// <see cref="ConditionValidator"/>; null: always), its ordered actions, and whether its own
/// changes may start it again, and its scope on its record type (<see cref="Scope"/>: values of the type's
/// partition fields, a deal rule's <c>pipelineId</c>; the rule runs only for records within it), and whether
/// a run waiting at an action goes on when its record left the stage it started in (<see cref="KeepWhenStageLeft"/>;
/// by default it is cancelled). Stored as JSON in <see cref="AutomationRuleVersion.Definition"/>.
/// </summary>
public sealed record RuleDefinition(RuleStep Trigger, JsonObject? Condition, IReadOnlyList<RuleAction> Actions, bool AllowSelfTrigger, JsonObject? Scope = null, bool KeepWhenStageLeft = false)
{
    /// <summary>The scope as the SDK takes it (<see cref="Crm.PluginSdk.Automation.ActionRequest.RecordScope"/>): whole numbers as longs, text as strings; null for none.</summary>
    public IReadOnlyDictionary<string, object?>? RecordScope() => Scope?.ToDictionary(p => p.Key, p => ScopeValue(p.Value));

    /// <summary>A scope's value as the SDK takes it.</summary>
    public static object? ScopeValue(JsonNode? node) => node?.GetValueKind() switch
    {
        // The node may hold a long, a decimal or a double (a variable's number, a literal's): read its JSON text.
        JsonValueKind.Number => decimal.TryParse(node.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n == decimal.Truncate(n) && n is >= long.MinValue and <= long.MaxValue ? (object)(long)n : n
            : null,
        JsonValueKind.String => node.GetValue<string>(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RuleDefinition FromJson(string json) =>
        JsonSerializer.Deserialize<RuleDefinition>(json, Json) ?? throw new InvalidOperationException("A stored rule definition is empty.");
}
