using System.Globalization;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;

namespace Crm.Modules.Import.Mapping;

/// <summary>
/// A cell's text as the create input takes a field's value (what GraphQL would have handed the
/// binder): numbers with a '.' or a ',' as decimal mark, booleans in English and Polish, dates in
/// ISO 8601 or as Polish spreadsheets write them (31.12.2026), several values split on ';'.
/// The binder then checks the values as it checks a create's.
/// </summary>
internal static class CellValues
{
    /// <summary>What separates values of a multi-value field in a cell (the export writes "; ").</summary>
    public static readonly char[] Separators = [';'];

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "dd.MM.yyyy", "d.M.yyyy", "yyyy/MM/dd", "dd/MM/yyyy"];

    private static readonly string[] TimeFormats =
        ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "dd.MM.yyyy HH:mm:ss", "dd.MM.yyyy HH:mm", "yyyy-MM-dd"];

    /// <summary>The value of <paramref name="text"/> (trimmed, not empty) for a built-in field; null with <paramref name="problem"/> when it is not one.</summary>
    public static object? BuiltIn(EntityField field, string text, Func<string, string?>? listItem, out string? problem)
    {
        problem = null;
        switch (field.Kind)
        {
            case FieldKind.String when listItem is not null:
                return listItem(text) ?? text;
            case FieldKind.String:
                return text;
            case FieldKind.Int or FieldKind.Long:
                if (long.TryParse(text.Replace(" ", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
                {
                    return field.Kind == FieldKind.Int && whole is < int.MinValue or > int.MaxValue ? Fail($"'{text}' is out of range.", out problem) : field.Kind == FieldKind.Int ? (int)whole : whole;
                }

                return Fail($"'{text}' is not a whole number.", out problem);
            case FieldKind.Decimal:
                return Number(text) is { } number ? number : Fail($"'{text}' is not a number.", out problem);
            case FieldKind.Boolean:
                return Boolean(text) is { } flag ? flag : Fail($"'{text}' is not yes or no (true/false, 1/0, tak/nie).", out problem);
            case FieldKind.Date:
                return DateOnly.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    ? date
                    : Fail($"'{text}' is not a date (2026-12-31 or 31.12.2026).", out problem);
            case FieldKind.DateTime:
                return Time(text) is { } time ? time : Fail($"'{text}' is not a date and time (2026-12-31T09:00:00Z).", out problem);
            case FieldKind.Id:
                return text;
            default:
                return Fail($"'{field.Name}' cannot be read from a cell.", out problem);
        }
    }

    /// <summary>A custom field's value (one of several when it is multiple): what its binder takes.</summary>
    public static object? Custom(CustomFieldSpec spec, string text, out string? problem)
    {
        problem = null;
        switch (spec.Type)
        {
            case CustomFieldType.Integer:
                return long.TryParse(text.Replace(" ", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole)
                    ? whole
                    : Fail($"'{text}' is not a whole number.", out problem);
            case CustomFieldType.Number:
                return Number(text) is { } number ? number : Fail($"'{text}' is not a number.", out problem);
            case CustomFieldType.Boolean:
                return Boolean(text) is { } flag ? flag : Fail($"'{text}' is not yes or no.", out problem);
            case CustomFieldType.Date:
                return DateOnly.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    ? date
                    : Fail($"'{text}' is not a date (2026-12-31 or 31.12.2026).", out problem);
            case CustomFieldType.DateTime:
                return Time(text) is { } time ? time : Fail($"'{text}' is not a date and time.", out problem);
            case CustomFieldType.Money:
                // "10.25 EUR", as the export writes it.
                var space = text.LastIndexOf(' ');
                return space > 0 && Number(text[..space]) is { } amount
                    ? new Dictionary<string, object?> { ["amount"] = amount, ["currency"] = text[(space + 1)..] }
                    : Fail($"'{text}' is not an amount and a currency (10.25 EUR).", out problem);
            case CustomFieldType.Enumeration:
                var item = spec.Items.FirstOrDefault(i => string.Equals(i.Value, text, StringComparison.OrdinalIgnoreCase));
                return item is not null ? item.Id.ToString(CultureInfo.InvariantCulture) : text;
            case CustomFieldType.Crm:
                return CrmRecordReference.Parse(text) is { } link
                    ? new Dictionary<string, object?> { ["entityType"] = link.EntityType, ["id"] = link.Id.ToString(CultureInfo.InvariantCulture) }
                    : Fail($"'{text}' is not a record link (deal:12).", out problem);
            case CustomFieldType.Address:
                return Fail("An address cannot be read from a cell.", out problem);
            default:
                return text;
        }
    }

    /// <summary>The values of a cell that holds several ("a@x.pl; b@x.pl"), without blanks.</summary>
    public static string[] Several(string text) =>
        text.Split(Separators, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static decimal? Number(string text)
    {
        var plain = text.Replace(" ", "", StringComparison.Ordinal).Replace("\u00A0", "", StringComparison.Ordinal);
        // One ',' and no '.': a decimal comma (1234,50), as Polish spreadsheets write numbers.
        if (plain.Count(c => c == ',') == 1 && !plain.Contains('.', StringComparison.Ordinal))
        {
            plain = plain.Replace(',', '.');
        }

        return decimal.TryParse(plain, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number)
            ? number
            : null;
    }

    private static bool? Boolean(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "y" or "1" or "tak" or "t" => true,
        "false" or "no" or "n" or "0" or "nie" => false,
        _ => null,
    };

    private static DateTime? Time(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var offset) && text.Length > 10
            ? offset.UtcDateTime
            : DateTime.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                ? DateTime.SpecifyKind(time, DateTimeKind.Utc)
                : null;

    private static object? Fail(string message, out string? problem)
    {
        problem = message;
        return null;
    }
}
