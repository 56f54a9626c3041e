using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Timeline.Domain;
using Crm.PluginSdk.Timeline;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.Modules.Timeline.Schema;

/// <summary>The GraphQL field of a declared kind's typed data field (see <see cref="TimelineDataField"/>): its value read from the entry's data as its type says.</summary>
internal static class DeclaredFields
{
    public static FieldType Field(TimelineDataField field, Func<TimelineEntry, JsonObject> data)
    {
        IGraphType type = field.Type switch
        {
            TimelineFieldType.Id => new IdGraphType(),
            TimelineFieldType.Int => new IntGraphType(),
            TimelineFieldType.Float => new FloatGraphType(),
            TimelineFieldType.Boolean => new BooleanGraphType(),
            TimelineFieldType.DateTime => new DateTimeGraphType(),
            _ => new StringGraphType(),
        };
        var name = field.Name;
        var kind = field.Type;
        return new FieldType
        {
            Name = name,
            Description = field.Type == TimelineFieldType.Json ? $"{field.Description} (as JSON text)" : field.Description,
            ResolvedType = field.Nullable ? type : new NonNullGraphType(type),
            Resolver = new FuncFieldResolver<object?>(c => Read(data((TimelineEntry)c.Source!)[name], kind)),
        };
    }

    /// <summary>The value as the field's type shows it; null when the data has none or not of that type.</summary>
    private static object? Read(JsonNode? node, TimelineFieldType type)
    {
        if (node is null)
        {
            return null;
        }

        var value = node as JsonValue;
        return type switch
        {
            TimelineFieldType.String => value is not null && value.TryGetValue<string>(out var text) ? text : node.ToJsonString(),
            TimelineFieldType.Id => value is not null && value.TryGetValue<long>(out var id) ? id.ToString(CultureInfo.InvariantCulture)
                : value is not null && value.TryGetValue<string>(out var idText) ? idText : null,
            TimelineFieldType.Int => value is not null && value.TryGetValue<int>(out var number) ? number : null,
            TimelineFieldType.Float => value is not null && value.TryGetValue<double>(out var real) ? real : null,
            TimelineFieldType.Boolean => value is not null && value.TryGetValue<bool>(out var flag) ? flag : null,
            TimelineFieldType.DateTime => value is not null && value.TryGetValue<string>(out var when)
                && DateTime.TryParse(when, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var instant) ? DateTime.SpecifyKind(instant, DateTimeKind.Utc) : null,
            _ => node.ToJsonString(),
        };
    }
}
