using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// Any JSON value, for the documents whose shape is data rather than schema (an automation rule's
/// condition tree, an action's parameters, which the catalog describes): written inline as a GraphQL
/// value (<c>{ field: "title", op: "eq", value: "x" }</c>) or sent in a variable as plain JSON;
/// resolvers get and return <see cref="JsonNode"/>. Enum literals read as strings. Size and depth
/// are bounded by the request's own limits (body size, document depth); what a field takes beyond
/// that it checks itself.
/// </summary>
internal sealed class JsonGraphType : ScalarGraphType
{
    public JsonGraphType()
    {
        Name = "JSON";
        Description = "Any JSON value: an object, a list, a string, a number, a boolean or null.";
    }

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        _ => Literal(value),
    };

    public override bool CanParseLiteral(GraphQLValue value)
    {
        try
        {
            _ = Literal(value);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public override object? ParseValue(object? value) => FromInput(value);

    public override bool CanParseValue(object? value)
    {
        try
        {
            _ = FromInput(value);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        JsonNode node => node,
        JsonElement element => JsonNode.Parse(element.GetRawText()),
        _ => FromInput(value),
    };

    private static JsonNode? Literal(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue text => JsonValue.Create(text.Value.ToString()),
        GraphQLBooleanValue boolean => JsonValue.Create(boolean.BoolValue),
        GraphQLIntValue integer => Number(integer.Value.ToString()),
        GraphQLFloatValue real => Number(real.Value.ToString()),
        GraphQLEnumValue name => JsonValue.Create(name.Name.StringValue),
        GraphQLListValue list => new JsonArray((list.Values ?? []).Select(Literal).ToArray()),
        GraphQLObjectValue obj => Object((obj.Fields ?? []).Select(f => (f.Name.StringValue, Literal(f.Value)))),
        GraphQLVariable => throw new FormatException("A variable inside a JSON literal is not supported: send the whole value in one variable."),
        _ => throw new FormatException($"{value.Kind} is not a JSON value."),
    };

    private static JsonNode Number(string text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : throw new FormatException($"{text} is not a number JSON can carry exactly.");

    private static JsonObject Object(IEnumerable<(string Name, JsonNode? Value)> fields)
    {
        var obj = new JsonObject();
        foreach (var (name, node) in fields)
        {
            if (!obj.TryAdd(name, node))
            {
                throw new FormatException($"The key '{name}' is given twice.");
            }
        }

        return obj;
    }

    /// <summary>A variable's value as the request's JSON reader left it (dictionaries, lists, numbers, strings).</summary>
    private static JsonNode? FromInput(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        JsonElement element => JsonNode.Parse(element.GetRawText()),
        string text => JsonValue.Create(text),
        bool boolean => JsonValue.Create(boolean),
        int or long or short or byte or sbyte or ushort or uint => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        ulong unsigned => JsonValue.Create(unsigned),
        decimal number => JsonValue.Create(number),
        double real when double.IsFinite(real) => JsonValue.Create(real),
        float real when float.IsFinite(real) => JsonValue.Create(real),
        BigInteger big => Number(big.ToString(CultureInfo.InvariantCulture)),
        IDictionary<string, object?> dictionary => Object(dictionary.Select(p => (p.Key, FromInput(p.Value)))),
        System.Collections.IEnumerable list => new JsonArray(list.Cast<object?>().Select(FromInput).ToArray()),
        _ => throw new FormatException($"A {value.GetType().Name} is not a JSON value."),
    };
}
