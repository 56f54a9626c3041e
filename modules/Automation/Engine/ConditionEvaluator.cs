using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Scripting;

namespace Crm.Modules.Automation.Engine;

/// <summary>
/// Evaluates a condition tree (as <see cref="ConditionValidator"/> accepted it) against a record's
/// snapshot (<see cref="Crm.PluginSdk.Automation.RecordSnapshot"/>) and the changes of the event that
/// started the run. Numbers compare as decimals, text exactly (<c>contains</c> ignores case), dates
/// as their ISO text; a missing or null value satisfies only <c>empty</c>, <c>eq null</c> and
/// <c>neq</c> of a value. <c>changed</c>, <c>changedTo</c> and <c>changedFrom</c> hold only for a field
/// the event changed; <c>wasEqual</c> compares the value before the change (the value itself when
/// the event did not change it). Working hours are read from the run's clock.
/// </summary>
public static class ConditionEvaluator
{
    private static readonly string[] Days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    /// <param name="runScript">Runs a script predicate (the sandbox, with the run's record and event); its failure fails the run (<see cref="ScriptConditionException"/>).</param>
    /// <param name="explain">Told each node's result as it is found, by its path in the tree (<c>all/1/not</c>; the root is <c>""</c>); nodes a short circuit skips are not told.</param>
    public static bool Evaluate(JsonObject? condition, JsonObject record, IReadOnlyDictionary<string, FieldChange>? changes, DateTimeOffset now, Func<string, ScriptOutcome> runScript,
        Action<string, bool>? explain = null) =>
        condition is null || Node(condition, "", new Inputs(record, changes, now, runScript, explain));

    /// <summary>Whether the record holds each of <paramref name="scope"/>'s values (a rule's scope), compared as <c>eq</c> compares.</summary>
    public static bool Within(JsonObject scope, JsonObject record) => scope.All(p => Same(record[p.Key], p.Value));

    private sealed record Inputs(JsonObject Record, IReadOnlyDictionary<string, FieldChange>? Changes, DateTimeOffset Now, Func<string, ScriptOutcome> RunScript, Action<string, bool>? Explain);

    private static bool Node(JsonNode? node, string path, Inputs inputs)
    {
        var held = Test((JsonObject)node!, path, inputs);
        inputs.Explain?.Invoke(path, held);
        return held;
    }

    // Paths are only built when someone asks for them: a run's evaluation allocates none.
    private static string Child(Inputs inputs, string path, string step, int? index = null) =>
        inputs.Explain is null ? "" : $"{(path.Length == 0 ? "" : path + "/")}{step}{(index is { } i ? "/" + i.ToString(CultureInfo.InvariantCulture) : "")}";

    private static bool Test(JsonObject obj, string path, Inputs inputs)
    {
        if (obj["all"] is JsonArray all)
        {
            return all.Select((n, i) => (n, i)).All(c => Node(c.n, Child(inputs, path, "all", c.i), inputs));
        }

        if (obj["any"] is JsonArray any)
        {
            return any.Select((n, i) => (n, i)).Any(c => Node(c.n, Child(inputs, path, "any", c.i), inputs));
        }

        if (obj.ContainsKey("not"))
        {
            return !Node(obj["not"], Child(inputs, path, "not"), inputs);
        }

        if (obj["script"] is { } script)
        {
            var outcome = inputs.RunScript(script.GetValue<string>());
            if (outcome.Error is { } error)
            {
                throw new ScriptConditionException(error);
            }

            return outcome.Result?.GetValueKind() switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new ScriptConditionException(new ScriptError(ScriptErrorCodes.InvalidResult, "A condition's script ends with true or false.")),
            };
        }

        if (obj["workingHours"] is JsonObject hours)
        {
            return WithinHours(hours, inputs.Now);
        }

        var record = inputs.Record;
        var changes = inputs.Changes;
        var field = obj["field"]!.GetValue<string>();
        var value = obj["value"];
        var current = record[field];
        var change = changes?.GetValueOrDefault(field);
        return obj["op"]!.GetValue<string>() switch
        {
            "eq" => Same(current, value),
            "neq" => !Same(current, value),
            "gt" => Compare(current, value) > 0,
            "gte" => Compare(current, value) >= 0,
            "lt" => Compare(current, value) is { } lt && lt < 0,
            "lte" => Compare(current, value) is { } lte && lte <= 0,
            "in" => value!.AsArray().Any(v => Same(current, v)),
            "nin" => !value!.AsArray().Any(v => Same(current, v)),
            "contains" => Contains(current, value),
            "empty" => Empty(current),
            "notEmpty" => !Empty(current),
            "inRange" => (value!["from"] is not { } from || Compare(current, from) >= 0) && (value["to"] is not { } to || Compare(current, to) is { } upper && upper <= 0),
            "changed" => change is not null,
            "changedTo" => change is not null && Same(change.NewValue, value),
            "changedFrom" => change is not null && Same(change.OldValue, value),
            "wasEqual" => Same(change is null ? current : change.OldValue, value),
            var op => throw new InvalidOperationException($"The operator '{op}' passed validation but has no meaning here."),
        };
    }

    private static bool Empty(JsonNode? node) => node switch
    {
        null => true,
        JsonArray array => array.Count == 0,
        JsonObject obj => obj.Count == 0,
        _ => node.GetValueKind() == JsonValueKind.String && node.GetValue<string>().Length == 0,
    };

    private static bool Same(JsonNode? left, JsonNode? right)
    {
        if (left is null || right is null)
        {
            return left is null && right is null;
        }

        if (left is JsonArray items)
        {
            // A multi-valued field equals a value it holds.
            return right is JsonArray other ? JsonNode.DeepEquals(left, other) : items.Any(i => Same(i, right));
        }

        return Number(left) is { } a && Number(right) is { } b ? a == b : JsonNode.DeepEquals(left, right);
    }

    private static int? Compare(JsonNode? left, JsonNode? right)
    {
        if (Number(left) is { } a && Number(right) is { } b)
        {
            return a.CompareTo(b);
        }

        return left?.GetValueKind() == JsonValueKind.String && right?.GetValueKind() == JsonValueKind.String
            ? string.CompareOrdinal(left.GetValue<string>(), right.GetValue<string>())
            : null;
    }

    private static bool Contains(JsonNode? current, JsonNode? value) => current switch
    {
        JsonArray items => items.Any(i => Same(i, value)),
        JsonValue text when text.GetValueKind() == JsonValueKind.String && value?.GetValueKind() == JsonValueKind.String =>
            text.GetValue<string>().Contains(value.GetValue<string>(), StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static decimal? Number(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.Number && decimal.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;

    private static bool WithinHours(JsonObject hours, DateTimeOffset now)
    {
        var zone = hours["timeZone"] is { } id ? TimeZoneInfo.FindSystemTimeZoneById(id.GetValue<string>()) : TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var day = Days[(int)local.DayOfWeek];
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        return hours["days"]!.AsArray().Any(d => d!.GetValue<string>() == day)
            && time >= ConditionValidator.TimeOfDay(hours["from"])!.Value
            && time < ConditionValidator.TimeOfDay(hours["to"])!.Value;
    }
}

/// <summary>A condition's script failed (a limit, an error, a result that is not a boolean): the run fails with it.</summary>
public sealed class ScriptConditionException(ScriptError error) : Exception(error.Message)
{
    public ScriptError Error { get; } = error;
}
