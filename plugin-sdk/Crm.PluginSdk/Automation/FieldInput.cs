using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Automation;

/// <summary>
/// Turns stored JSON field values into the input a record type's binder reads (what GraphQL would
/// have handed it), refusing a value of the wrong JSON type for a built-in field before the binder
/// sees it (the binder trusts GraphQL's typing). Custom fields are checked by their own binder.
/// </summary>
internal static class FieldInput
{
    public static bool Read(EntityField field, JsonNode? node, string[] at, List<UserError> errors, out object? value)
    {
        value = Plain(node);
        if (node is null || field.Custom is not null)
        {
            return true;
        }

        var kind = node.GetValueKind();
        var fits = field.Kind switch
        {
            FieldKind.String or FieldKind.Date or FieldKind.DateTime => kind == JsonValueKind.String,
            FieldKind.Int or FieldKind.Long or FieldKind.Decimal => kind == JsonValueKind.Number,
            FieldKind.Boolean => kind is JsonValueKind.True or JsonValueKind.False,
            FieldKind.Id => kind is JsonValueKind.String or JsonValueKind.Number,
            FieldKind.ContactPoints => node is JsonArray array && array.All(i => i is JsonObject),
            FieldKind.Address or FieldKind.RecordReference => kind == JsonValueKind.Object,
            _ => true,
        };
        if (!fits)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{field.Name}' has a value of the wrong type.", at));
            return false;
        }

        // Times as GraphQL's scalars give them: a date-time in UTC, a date without a time.
        switch (field.Kind)
        {
            case FieldKind.DateTime when DateTimeOffset.TryParse((string)value!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time):
                value = time.UtcDateTime;
                break;
            case FieldKind.Date when DateOnly.TryParseExact((string)value!, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date):
                value = date;
                break;
            case FieldKind.DateTime or FieldKind.Date:
                errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'{field.Name}' expects an ISO 8601 {(field.Kind == FieldKind.Date ? "date (2026-05-01)" : "date and time (2026-05-01T09:00:00Z)")}.", at));
                return false;
        }

        return true;
    }

    /// <summary>Plain CLR values: text, long or decimal, bool, dictionaries and lists.</summary>
    public static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => Plain(p.Value), StringComparer.Ordinal),
        JsonArray array => array.Select(Plain).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when JsonNumbers.TryGetWhole(value, out var whole) => whole,
            JsonValueKind.Number when JsonNumbers.TryGetDecimal(value, out var number) => number,
            JsonValueKind.Number => value.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };
}
