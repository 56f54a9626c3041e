using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Scripting;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Rules;

/// <summary>
/// Checks a rule's condition, a declarative tree of JSON objects, when the rule is saved:
/// <list type="bullet">
/// <item>groups: <c>{ "all": [...] }</c>, <c>{ "any": [...] }</c>, <c>{ "not": {...} }</c>;</item>
/// <item>tests of a field of the record (custom fields by code): <c>{ "field": "opportunity", "op": "gt", "value": 10000 }</c>
/// with <c>op</c> one of <see cref="Operators"/>: comparisons (<c>eq neq gt gte lt lte</c>), <c>in nin</c> (a list),
/// <c>contains</c>, <c>empty notEmpty</c> (no value), <c>inRange</c> (<c>"value": { "from": 1, "to": 9 }</c>), and the
/// tests of the change that started the run: <c>changed</c> (no value), <c>changedTo</c>, <c>changedFrom</c>, <c>wasEqual</c>
/// (the value before the change);</item>
/// <item>working hours: <c>{ "workingHours": { "days": ["MON", ...], "from": "09:00", "to": "18:00", "timeZone": "Europe/Warsaw" } }</c>;</item>
/// <item>a JavaScript predicate: <c>{ "script": "record.opportunity > 10000 &amp;&amp; event.changed.stageId" }</c>, checked by the sandbox (<see cref="ScriptSandbox.Check"/>).</item>
/// </list>
/// Every problem is a <see cref="UserError"/> at its path; bounded by <see cref="RuleLimits"/>.
/// </summary>
public static class ConditionValidator
{
    public static readonly IReadOnlyList<string> Operators =
        ["eq", "neq", "gt", "gte", "lt", "lte", "in", "nin", "contains", "empty", "notEmpty", "inRange", "changed", "changedTo", "changedFrom", "wasEqual"];

    private static readonly FrozenSet<string> WithoutValue = new[] { "empty", "notEmpty", "changed" }.ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string> WithList = new[] { "in", "nin" }.ToFrozenSet(StringComparer.Ordinal);
    private static readonly string[] Days = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

    /// <summary>The tree's shape, bounds and scripts, then (when those hold) that the list items it compares fields with exist (<see cref="ConditionItems"/>).</summary>
    public static async Task ValidateAsync(IServiceProvider services, ICrmEntityDefinition recordType, JsonObject condition, IReadOnlyList<string> path, List<UserError> errors, CancellationToken cancellationToken)
    {
        var before = errors.Count;
        var nodes = 0;
        Node(services, recordType, condition, [.. path], 1, ref nodes, errors);
        if (errors.Count == before)
        {
            await ConditionItems.CheckAsync(services, recordType, condition, path, errors, cancellationToken);
        }
    }

    private static void Node(IServiceProvider services, ICrmEntityDefinition type, JsonNode? node, List<string> at, int depth, ref int nodes, List<UserError> errors)
    {
        if (++nodes > RuleLimits.MaxConditionNodes)
        {
            if (nodes == RuleLimits.MaxConditionNodes + 1)
            {
                errors.Add(new UserError(ErrorCodes.LimitExceeded, $"A condition has at most {RuleLimits.MaxConditionNodes.ToString(CultureInfo.InvariantCulture)} nodes.", at));
            }

            return;
        }

        if (depth > RuleLimits.MaxConditionDepth)
        {
            errors.Add(new UserError(ErrorCodes.LimitExceeded, $"A condition nests at most {RuleLimits.MaxConditionDepth.ToString(CultureInfo.InvariantCulture)} levels.", at));
            return;
        }

        if (node is not JsonObject obj || obj.Count == 0)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "A condition is an object: a group (all, any, not), a field test or workingHours.", at));
            return;
        }

        if (obj.Count == 1 && obj.First() is { Key: "all" or "any" } group)
        {
            if (group.Value is not JsonArray members || members.Count == 0)
            {
                errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{group.Key}' takes a non-empty list of conditions.", [.. at, group.Key]));
                return;
            }

            for (var i = 0; i < members.Count && nodes <= RuleLimits.MaxConditionNodes; i++)
            {
                Node(services, type, members[i], [.. at, group.Key, i.ToString(CultureInfo.InvariantCulture)], depth + 1, ref nodes, errors);
            }

            return;
        }

        if (obj.Count == 1 && obj.First() is { Key: "not" } negated)
        {
            Node(services, type, negated.Value, [.. at, "not"], depth + 1, ref nodes, errors);
            return;
        }

        if (obj.Count == 1 && obj.First() is { Key: "script" } script)
        {
            Script(services, script.Value, [.. at, "script"], errors);
            return;
        }

        if (obj.Count == 1 && obj.First() is { Key: "workingHours" } hours)
        {
            WorkingHours(hours.Value, [.. at, "workingHours"], errors);
            return;
        }

        Test(services, type, obj, at, errors);
    }

    private static void Test(IServiceProvider services, ICrmEntityDefinition type, JsonObject test, List<string> at, List<UserError> errors)
    {
        foreach (var key in test.Select(p => p.Key).Where(k => k is not ("field" or "op" or "value")))
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{key}' is not part of a field test (field, op, value).", [.. at, key]));
        }

        if (Text(test["field"]) is not { Length: > 0 and <= 100 } field || !RecordFieldNames.Exists(services, type, field))
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, $"'field' names no field of {type.Name}.", [.. at, "field"]));
        }

        var op = Text(test["op"]);
        if (op is null || !Operators.Contains(op))
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, $"'op' is one of {string.Join(", ", Operators)}.", [.. at, "op"]));
            return;
        }

        var value = test["value"];
        var valueAt = at.Append("value").ToList();
        if (WithoutValue.Contains(op))
        {
            if (test.ContainsKey("value"))
            {
                errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{op}' takes no value.", valueAt));
            }
        }
        else if (WithList.Contains(op))
        {
            if (value is not JsonArray list || list.Count == 0 || list.Count > RuleLimits.MaxConditionValues)
            {
                errors.Add(new UserError(ErrorCodes.InvalidValue, $"'{op}' takes a list of 1 to {RuleLimits.MaxConditionValues.ToString(CultureInfo.InvariantCulture)} values.", valueAt));
            }
            else
            {
                for (var i = 0; i < list.Count; i++)
                {
                    Scalar(list[i], [.. valueAt, i.ToString(CultureInfo.InvariantCulture)], errors);
                }
            }
        }
        else if (op == "inRange")
        {
            if (value is not JsonObject range || range.Count is 0 or > 2 || range.Any(p => p.Key is not ("from" or "to")))
            {
                errors.Add(new UserError(ErrorCodes.InvalidFormat, "'inRange' takes { from, to } (either may be left out, not both).", valueAt));
            }
            else
            {
                foreach (var (key, bound) in range)
                {
                    Scalar(bound, [.. valueAt, key], errors, allowNull: false);
                }
            }
        }
        else
        {
            Scalar(value, valueAt, errors, allowNull: op is "eq" or "neq" or "changedTo" or "changedFrom" or "wasEqual");
        }
    }

    private static void Scalar(JsonNode? value, List<string> at, List<UserError> errors, bool allowNull = false)
    {
        switch (value?.GetValueKind())
        {
            case null when allowNull:
                return;
            case JsonValueKind.String when value.GetValue<string>().Length > RuleLimits.MaxConditionTextLength:
                errors.Add(new UserError(ErrorCodes.TooLong, $"A value is at most {RuleLimits.MaxConditionTextLength.ToString(CultureInfo.InvariantCulture)} characters.", at));
                return;
            case JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                return;
            default:
                errors.Add(new UserError(ErrorCodes.InvalidValue, "A value is a string, a number or a boolean.", at));
                return;
        }
    }

    /// <summary>A JavaScript predicate: checked by the sandbox now (size, syntax with line and column), run with the record and the event later.</summary>
    private static void Script(IServiceProvider services, JsonNode? node, List<string> at, List<UserError> errors)
    {
        if (Text(node) is not { Length: > 0 } source)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "'script' is the JavaScript of a predicate (its last expression true or false).", at));
            return;
        }

        if (services.GetRequiredService<ScriptSandbox>().Check(source).Error is { } error)
        {
            errors.Add(Scripts.ScriptInputs.Refusal(error, at));
        }
    }

    private static void WorkingHours(JsonNode? node, List<string> at, List<UserError> errors)
    {
        if (node is not JsonObject hours || hours.Any(p => p.Key is not ("days" or "from" or "to" or "timeZone")))
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "'workingHours' is { days, from, to, timeZone }.", at));
            return;
        }

        if (hours["days"] is not JsonArray days || days.Count is 0 or > 7 || days.Any(d => Text(d) is not { } day || !Days.Contains(day)))
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, $"'days' is a list of {string.Join(", ", Days)}.", [.. at, "days"]));
        }

        var from = TimeOfDay(hours["from"]);
        var to = TimeOfDay(hours["to"]);
        if (from is null)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "'from' is a time of day, HH:mm.", [.. at, "from"]));
        }

        if (to is null)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "'to' is a time of day, HH:mm.", [.. at, "to"]));
        }

        if (from is { } start && to is { } end && end <= start)
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, "'to' comes after 'from'.", [.. at, "to"]));
        }

        if (hours["timeZone"] is { } zone && (Text(zone) is not { Length: > 0 and <= 64 } zoneId || !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out _)))
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, "'timeZone' is an IANA time zone (Europe/Warsaw).", [.. at, "timeZone"]));
        }
    }

    /// <summary>A time of day <c>HH:mm</c>, or null when the node is not one.</summary>
    public static TimeOnly? TimeOfDay(JsonNode? node) => TimeOfDay(Text(node));

    /// <summary>A time of day <c>HH:mm</c>, or null when the text is not one.</summary>
    public static TimeOnly? TimeOfDay(string? text) =>
        text is { Length: 5 } && TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
}
