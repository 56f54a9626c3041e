using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crm.PluginSdk.Automation;

/// <summary>
/// A JSON number read whatever holds it: a <see cref="JsonValue"/> made from a request's variable
/// holds a double, one from a literal a decimal, one parsed from text a JSON element, and
/// <c>TryGetValue&lt;T&gt;</c> answers only for the type it holds (a variable's <c>10.5</c> was no
/// decimal, a literal's <c>5</c> no whole number). The number's JSON text is what every holder agrees on.
/// </summary>
internal static class JsonNumbers
{
    public static bool TryGetDecimal(JsonNode? node, out decimal number)
    {
        number = 0;
        return node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            && decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>A whole number: <c>5</c> and <c>5.0</c> are, <c>5.5</c> is not.</summary>
    public static bool TryGetWhole(JsonNode? node, out long whole)
    {
        whole = 0;
        if (!TryGetDecimal(node, out var number) || number != decimal.Truncate(number) || number < long.MinValue || number > long.MaxValue)
        {
            return false;
        }

        whole = (long)number;
        return true;
    }
}
