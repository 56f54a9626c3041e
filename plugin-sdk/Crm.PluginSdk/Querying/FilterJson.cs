using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crm.PluginSdk.Querying;

/// <summary>
/// A list's <c>where</c> given as JSON (a script's <c>crm.find</c>, a rule's stored filter) as the list's
/// GraphQL input would arrive, so that <see cref="FilterCompiler"/> reads it the same way: objects as
/// dictionaries, lists as lists, numbers as decimals, strings and booleans as they are.
/// </summary>
public static class FilterJson
{
    /// <summary>The filter <paramref name="where"/> as list arguments' <c>where</c>; null for none.</summary>
    public static IReadOnlyDictionary<string, object?>? ToWhere(JsonObject? where) => where is null ? null : (IReadOnlyDictionary<string, object?>)Value(where)!;

    private static object? Value(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => Value(p.Value)),
        JsonArray array => array.Select(Value).ToList(),
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => decimal.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture),
        },
    };
}
