using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Rules;

/// <summary>
/// The selection list items a condition compares a list field with (<c>{ "field": "stageId", "op": "eq", "value": "WON" }</c>,
/// each value of an <c>in</c>): checked to exist when the condition is saved, and recorded with the version
/// (<see cref="Definitions.DirectoryReferences"/>), so that an item a condition names is not removed from
/// under it, where the condition would silently stop matching.
/// </summary>
public static class ConditionItems
{
    /// <summary>The operators whose values are the field's own values (not <c>contains</c>, a text search, nor <c>inRange</c>).</summary>
    private static readonly FrozenSet<string> Comparing = new[] { "eq", "neq", "in", "nin", "changedTo", "changedFrom", "wasEqual" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Each item named, by its list family and id, with where it is in the condition. A tree <see cref="ConditionValidator"/> bounded.</summary>
    public static IEnumerable<(string Family, string Item, string[] Path)> Of(ICrmEntityDefinition type, JsonNode? node, string[] path)
    {
        if (node is not JsonObject obj)
        {
            yield break;
        }

        if (obj.Count == 1 && obj.First() is { Key: "all" or "any" } group && group.Value is JsonArray members)
        {
            for (var i = 0; i < members.Count; i++)
            {
                foreach (var found in Of(type, members[i], [.. path, group.Key, i.ToString(CultureInfo.InvariantCulture)]))
                {
                    yield return found;
                }
            }

            yield break;
        }

        if (obj.Count == 1 && obj["not"] is { } inner)
        {
            foreach (var found in Of(type, inner, [.. path, "not"]))
            {
                yield return found;
            }

            yield break;
        }

        if (obj["field"] is JsonValue field && field.TryGetValue<string>(out var name) && type.Fields.GetValueOrDefault(name)?.ListFamily is { } family
            && obj["op"] is JsonValue op && op.TryGetValue<string>(out var opName) && Comparing.Contains(opName))
        {
            var value = obj["value"];
            var values = value is JsonArray list ? list.Select((v, i) => (v, (string[])[.. path, "value", i.ToString(CultureInfo.InvariantCulture)])) : [(value, [.. path, "value"])];
            foreach (var (item, at) in values)
            {
                if (item is JsonValue text && text.TryGetValue<string>(out var id) && id.Length > 0)
                {
                    yield return (family, id, at);
                }
            }
        }
    }

    /// <summary>Every item the condition names is one of its list family's: else an <see cref="ErrorCodes.InvalidValue"/> at the value.</summary>
    public static async Task CheckAsync(IServiceProvider services, ICrmEntityDefinition type, JsonObject condition, IReadOnlyList<string> path, List<UserError> errors, CancellationToken cancellationToken)
    {
        var named = Of(type, condition, [.. path]).ToList();
        if (named.Count == 0 || services.GetService<ISelectionLists>() is not { } lists)
        {
            return;
        }

        var all = await lists.AllAsync(cancellationToken);
        foreach (var (family, item, at) in named)
        {
            if (!all.Any(l => (l.Key == family || l.Key.StartsWith(family + "_", StringComparison.Ordinal)) && l.Value.Any(i => i.Id == item)))
            {
                errors.Add(new UserError(ErrorCodes.InvalidValue, $"'{item}' is not an item of {family}: a condition compares a list field with the list's items.", at));
            }
        }
    }
}
