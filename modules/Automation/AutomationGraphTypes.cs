using System.Text.Json;
using System.Text.Json.Nodes;
using GraphQL.Types;

namespace Crm.Modules.Automation;

/// <summary>What the Automation module's schema parts and kinds share.</summary>
internal static class AutomationGraphTypes
{
    /// <summary>A GraphQL enum of <typeparamref name="TEnum"/>'s values, named in upper snake case (<c>AFTER_DELAY</c>).</summary>
    public static EnumerationGraphType Enum<TEnum>(string name, string description)
        where TEnum : struct, System.Enum
    {
        var type = new EnumerationGraphType { Name = name, Description = description };
        foreach (var value in System.Enum.GetValues<TEnum>())
        {
            type.Add(JsonNamingPolicy.SnakeCaseUpper.ConvertName(value.ToString()), value);
        }

        return type;
    }

    /// <summary>Whether <paramref name="text"/> is a JSON object (a parameter given as text).</summary>
    public static bool IsJsonObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
