using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;

namespace Crm.PluginSdk.CustomFields;

/// <summary>A CRM link value: the record's entity name and id.</summary>
public sealed record CrmRecordReference(string EntityType, long Id)
{
    /// <summary>How the value is stored: <c>deal:12</c>.</summary>
    public string Key => EntityType + ":" + Id.ToString(CultureInfo.InvariantCulture);

    public static CrmRecordReference? Parse(string? key)
    {
        var colon = key?.LastIndexOf(':') ?? -1;
        return colon > 0 && RecordIds.TryParse(key![(colon + 1)..], out var id)
            ? new CrmRecordReference(key[..colon], id)
            : null;
    }
}

/// <summary>A money value: an amount and its currency.</summary>
public sealed record Money(decimal Amount, string Currency);

/// <summary>
/// Checks a custom field's input value against its definition and turns it into what is
/// stored (JSON), and stored JSON back into typed values: one place for every type's rules, used
/// by writes, by definitions' default values and by lead conversion.
/// </summary>
public static class CustomFieldBinder
{
    public const int MaxValues = 100;
    public const int DefaultMaxLength = 255;
    public const int MaxTextLength = 65_535;
    public const int MaxPatternLength = 500;
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The stored form of an input value, or null with the reasons in <paramref name="errors"/>.
    /// <paramref name="path"/> names the input field, e.g. ["input", "ufCrmBudget"].
    /// </summary>
    public static JsonNode? Bind(CustomFieldSpec spec, object? value, List<UserError> errors, params string[] path)
    {
        if (value is null)
        {
            return null;
        }

        if (!spec.Multiple)
        {
            return BindOne(spec, value, errors, path);
        }

        if (value is not IEnumerable list || value is string || value is IDictionary)
        {
            list = new[] { value };
        }

        var items = list.Cast<object?>().ToList();
        if (items.Count > MaxValues)
        {
            errors.Add(UserError.At(ErrorCodes.LimitExceeded, $"'{spec.FieldName}' holds {items.Count} values; the limit is {MaxValues}.", path));
            return null;
        }

        var array = new JsonArray();
        var before = errors.Count;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is null)
            {
                continue;
            }

            var one = BindOne(spec, items[i]!, errors, [.. path, i.ToString(CultureInfo.InvariantCulture)]);
            if (one is not null)
            {
                array.Add(one);
            }
        }

        return errors.Count == before ? array : null;
    }

    /// <summary>Whether a stored value counts as given for a mandatory field.</summary>
    public static bool IsEmpty(JsonNode? value) =>
        value is null || value is JsonArray { Count: 0 } || (value is JsonValue v && v.TryGetValue<string>(out var s) && string.IsNullOrWhiteSpace(s));

    private static JsonNode? BindOne(CustomFieldSpec spec, object value, List<UserError> errors, string[] path)
    {
        var name = spec.FieldName;
        var settings = spec.Settings;
        UserError Fail(string code, string message) => UserError.At(code, $"'{name}': {message}", path);
        try
        {
            switch (spec.Type)
            {
                case CustomFieldType.String:
                case CustomFieldType.Text:
                case CustomFieldType.Url:
                case CustomFieldType.Email:
                case CustomFieldType.Phone:
                    if (value is not string text)
                    {
                        errors.Add(Fail(ErrorCodes.InvalidFormat, "expects text."));
                        return null;
                    }

                    text = text.Trim();
                    var max = settings.MaxLength ?? (spec.Type == CustomFieldType.Text ? MaxTextLength : DefaultMaxLength);
                    if (text.Length > max)
                    {
                        errors.Add(Fail(ErrorCodes.TooLong, $"is {text.Length} characters long; the limit is {max}."));
                        return null;
                    }

                    var malformed = spec.Type switch
                    {
                        CustomFieldType.Url when text.Length > 0 && !InputBinder.IsWellFormed(ContactPointKind.Web, text) => "web address",
                        CustomFieldType.Email when text.Length > 0 && !InputBinder.IsWellFormed(ContactPointKind.Email, text) => "e-mail address",
                        CustomFieldType.Phone when text.Length > 0 && !InputBinder.IsWellFormed(ContactPointKind.Phone, text) => "phone number",
                        _ => null,
                    };
                    if (malformed is not null)
                    {
                        errors.Add(Fail(ErrorCodes.InvalidFormat, $"'{text}' is not a valid {malformed}."));
                        return null;
                    }

                    if (settings.Pattern is { } unsafePattern && text.Length > 0 && PatternRegex(unsafePattern, out var problem) is null)
                    {
                        // Saved before patterns had to run without backtracking.
                        errors.Add(Fail(ErrorCodes.InvalidFormat, $"its pattern cannot be checked ({problem}); an administrator must change it."));
                        return null;
                    }

                    if (settings.Pattern is { } pattern && text.Length > 0 && !Matches(pattern, text))
                    {
                        errors.Add(Fail(ErrorCodes.InvalidFormat, $"'{text}' does not match the pattern {pattern}."));
                        return null;
                    }

                    return text.Length == 0 ? null : JsonValue.Create(text);
                case CustomFieldType.Integer:
                    var integer = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                    return InRange(spec, integer, errors, path) ? JsonValue.Create(integer) : null;
                case CustomFieldType.Number:
                    var number = Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                    return InRange(spec, number, errors, path) && Precise(spec, number, errors, path) ? JsonValue.Create(number) : null;
                case CustomFieldType.Boolean:
                    return value is bool flag ? JsonValue.Create(flag) : throw new FormatException();
                case CustomFieldType.Date:
                    return JsonValue.Create(DateKey(value switch
                    {
                        DateOnly d => d,
                        DateTime t => DateOnly.FromDateTime(t),
                        string s => DateOnly.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                        _ => throw new FormatException(),
                    }));
                case CustomFieldType.DateTime:
                    return JsonValue.Create(DateTimeKey(value switch
                    {
                        DateTime t => t,
                        DateTimeOffset o => o.UtcDateTime,
                        string s => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture).UtcDateTime,
                        _ => throw new FormatException(),
                    }));
                case CustomFieldType.Money:
                    if (value is not IDictionary<string, object?> money || money.Value("amount") is not { } amountValue)
                    {
                        errors.Add(Fail(ErrorCodes.InvalidFormat, "expects { amount currency }."));
                        return null;
                    }

                    var amount = Convert.ToDecimal(amountValue, CultureInfo.InvariantCulture);
                    var currency = (money.Value("currency") as string)?.Trim().ToUpperInvariant();
                    if (currency is null || currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
                    {
                        errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{name}.currency': '{currency}' is not a three-letter currency code.", [.. path, "currency"]));
                        return null;
                    }

                    return InRange(spec, amount, errors, path) && Precise(spec, amount, errors, path)
                        ? new JsonObject { ["amount"] = amount, ["currency"] = currency }
                        : null;
                case CustomFieldType.Enumeration:
                    var itemText = Convert.ToString(value, CultureInfo.InvariantCulture);
                    if (!RecordIds.TryParse(itemText, out var itemId) || spec.Items.All(i => i.Id != itemId))
                    {
                        errors.Add(Fail(ErrorCodes.InvalidValue, $"'{itemText}' is not an item of this field; use one of {string.Join(", ", spec.Items.Select(i => i.Id))}."));
                        return null;
                    }

                    return JsonValue.Create(itemId);
                case CustomFieldType.Employee:
                    var userText = Convert.ToString(value, CultureInfo.InvariantCulture);
                    if (!RecordIds.TryParse(userText, out var userId))
                    {
                        errors.Add(Fail(ErrorCodes.InvalidId, RecordIds.Problem(userText, "user")));
                        return null;
                    }

                    return JsonValue.Create(userId);
                case CustomFieldType.Crm:
                    if (value is not IDictionary<string, object?> link || link.Value("entityType") is not string entityType)
                    {
                        errors.Add(Fail(ErrorCodes.InvalidFormat, "expects { entityType id }."));
                        return null;
                    }

                    var idText = Convert.ToString(link.Value("id"), CultureInfo.InvariantCulture);
                    if (!RecordIds.TryParse(idText, out var recordId))
                    {
                        errors.Add(UserError.At(ErrorCodes.InvalidId, $"'{name}.id': {RecordIds.Problem(idText, null)}", [.. path, "id"]));
                        return null;
                    }

                    if (settings.RecordTypes.Count > 0 && !settings.RecordTypes.Contains(entityType))
                    {
                        errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{name}' links only to {string.Join(", ", settings.RecordTypes)} records, not to a {entityType}.", [.. path, "entityType"]));
                        return null;
                    }

                    return JsonValue.Create(new CrmRecordReference(entityType, recordId).Key);
                case CustomFieldType.Address:
                    if (value is not IDictionary<string, object?> parts)
                    {
                        errors.Add(Fail(ErrorCodes.InvalidFormat, "expects an address."));
                        return null;
                    }

                    var node = new JsonObject();
                    foreach (var part in AddressParts)
                    {
                        var partText = (parts.Value(part) as string)?.Trim();
                        if (partText is { Length: > InputBinder.MaxAddressPartLength })
                        {
                            errors.Add(UserError.At(ErrorCodes.TooLong, $"'{name}.{part}' is {partText.Length} characters long; the limit is {InputBinder.MaxAddressPartLength}.", [.. path, part]));
                            return null;
                        }

                        if (!string.IsNullOrEmpty(partText))
                        {
                            node[part] = partText;
                        }
                    }

                    return node.Count == 0 ? null : node;
                default:
                    throw new NotSupportedException($"Type {spec.Type} is not known.");
            }
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
        {
            errors.Add(Fail(ErrorCodes.InvalidFormat, $"expects a value of type {spec.Type.ToString().ToUpperInvariant()}."));
            return null;
        }
    }

    public static readonly string[] AddressParts = ["address1", "address2", "city", "postalCode", "region", "province", "country", "countryCode"];

    /// <summary>
    /// A field's pattern as it is run: without backtracking, so that checking a value costs time
    /// linear in its length whatever the pattern (a pattern like <c>^(\w+\s?)*$</c> would otherwise
    /// take seconds per value). Null when the pattern cannot run that way (backreferences,
    /// lookarounds, atomic groups, or too large an automaton) or is longer than <see cref="MaxPatternLength"/>.
    /// </summary>
    public static Regex? PatternRegex(string pattern, out string? problem)
    {
        problem = null;
        if (pattern.Length > MaxPatternLength)
        {
            problem = $"it is {pattern.Length} characters long; the limit is {MaxPatternLength}.";
            return null;
        }

        if (Patterns.TryGetValue(pattern, out var cached))
        {
            problem = cached.Problem;
            return cached.Regex;
        }

        (Regex? Regex, string? Problem) compiled;
        try
        {
            compiled = (new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, PatternTimeout), null);
        }
        catch (NotSupportedException ex)
        {
            compiled = (null, $"it cannot be run without backtracking: {ex.Message}");
        }
        catch (ArgumentException ex)
        {
            compiled = (null, $"it is not a regular expression: {ex.Message}");
        }

        // Patterns come from field definitions only: a few; the bound is against churn, not attack.
        if (Patterns.Count >= 1_000)
        {
            Patterns.Clear();
        }

        Patterns[pattern] = compiled;
        problem = compiled.Problem;
        return compiled.Regex;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Regex? Regex, string? Problem)> Patterns = new(StringComparer.Ordinal);

    private static bool Matches(string pattern, string text)
    {
        try
        {
            return PatternRegex(pattern, out _)?.IsMatch(text) ?? false;
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static bool InRange(CustomFieldSpec spec, decimal value, List<UserError> errors, string[] path)
    {
        if (spec.Settings.Min is { } min && value < min)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{spec.FieldName}': {value.ToString(CultureInfo.InvariantCulture)} is below the minimum of {min.ToString(CultureInfo.InvariantCulture)}.", path));
            return false;
        }

        if (spec.Settings.Max is { } max && value > max)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{spec.FieldName}': {value.ToString(CultureInfo.InvariantCulture)} is above the maximum of {max.ToString(CultureInfo.InvariantCulture)}.", path));
            return false;
        }

        if (Math.Abs(value) >= Data.ModelConventions.MaxDecimal)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{spec.FieldName}' is out of range.", path));
            return false;
        }

        return true;
    }

    private static bool Precise(CustomFieldSpec spec, decimal value, List<UserError> errors, string[] path)
    {
        var places = spec.Settings.Precision ?? (spec.Type == CustomFieldType.Money ? 2 : Data.ModelConventions.DecimalScale);
        if (decimal.Round(value, places) == value)
        {
            return true;
        }

        errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{spec.FieldName}' has more than {places} decimal places.", path));
        return false;
    }

    public static string DateKey(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Fixed width and UTC, so that text order is time order on both engines.</summary>
    public static string DateTimeKey(DateTime time)
    {
        var utc = time.Kind switch
        {
            DateTimeKind.Local => time.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
            _ => time,
        };
        // Whole microseconds, as PostgreSQL keeps built-in times.
        utc = utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerMicrosecond));
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>A stored value as GraphQL shows it (a list for multiple fields).</summary>
    public static object? Read(CustomFieldSpec spec, JsonNode? stored)
    {
        if (stored is null)
        {
            return spec.Multiple ? Array.Empty<object>() : null;
        }

        if (spec.Multiple)
        {
            var values = stored is JsonArray array ? array.Select(n => ReadOne(spec, n)) : [ReadOne(spec, stored)];
            return values.Where(v => v is not null).ToList();
        }

        return ReadOne(spec, stored is JsonArray { Count: > 0 } first ? first[0] : stored);
    }

    private static object? ReadOne(CustomFieldSpec spec, JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        try
        {
            return spec.Type switch
            {
                CustomFieldType.Integer => node.GetValue<long>(),
                CustomFieldType.Number => node.GetValue<decimal>(),
                CustomFieldType.Boolean => node.GetValue<bool>(),
                CustomFieldType.Date => DateOnly.ParseExact(node.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                CustomFieldType.DateTime => DateTime.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                CustomFieldType.Money => new Money(node["amount"]!.GetValue<decimal>(), node["currency"]!.GetValue<string>()),
                CustomFieldType.Enumeration => spec.Items.FirstOrDefault(i => i.Id == node.GetValue<long>()),
                CustomFieldType.Employee => node.GetValue<long>(),
                CustomFieldType.Crm => CrmRecordReference.Parse(node.GetValue<string>()),
                CustomFieldType.Address => node.Deserialize<PostalAddress>(CustomFieldValues.JsonOptions),
                _ => node.GetValue<string>(),
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or JsonException)
        {
            // A value that no longer fits its definition (written before a change) reads as empty.
            return null;
        }
    }

    /// <summary>The key a stored single value sorts and filters by (what the SQL functions return).</summary>
    public static object? Key(CustomFieldSpec spec, JsonNode? stored)
    {
        if (stored is null || spec.Multiple)
        {
            return null;
        }

        try
        {
            return spec.Type switch
            {
                CustomFieldType.Integer or CustomFieldType.Enumeration or CustomFieldType.Employee => stored.GetValue<long>(),
                CustomFieldType.Number => (double)stored.GetValue<decimal>(),
                CustomFieldType.Money => (double)stored["amount"]!.GetValue<decimal>(),
                CustomFieldType.Boolean => stored.GetValue<bool>(),
                CustomFieldType.Address => AddressText(stored),
                _ => stored.GetValue<string>(),
            };
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>An address as one line: what address filters and sorting compare (the SQL functions build the same).</summary>
    public static string? AddressText(JsonNode? address)
    {
        if (address is not JsonObject parts)
        {
            return null;
        }

        var text = string.Join(", ", AddressParts.Select(p => parts[p]?.GetValue<string>()).Where(p => !string.IsNullOrEmpty(p)));
        return text.Length == 0 ? null : text;
    }

    /// <summary>A stored value in the shape of a GraphQL input, to write it to another record (lead conversion).</summary>
    public static object? ToInput(CustomFieldSpec spec, JsonNode? stored)
    {
        if (stored is null)
        {
            return null;
        }

        object? One(JsonNode node) => spec.Type switch
        {
            CustomFieldType.Money => new Dictionary<string, object?> { ["amount"] = node["amount"]!.GetValue<decimal>(), ["currency"] = node["currency"]!.GetValue<string>() },
            CustomFieldType.Crm => CrmRecordReference.Parse(node.GetValue<string>()) is { } r
                ? new Dictionary<string, object?> { ["entityType"] = r.EntityType, ["id"] = r.Id.ToString(CultureInfo.InvariantCulture) }
                : null,
            CustomFieldType.Address => ((JsonObject)node).ToDictionary(p => p.Key, p => (object?)p.Value?.GetValue<string>()),
            CustomFieldType.Integer or CustomFieldType.Employee or CustomFieldType.Enumeration => node.GetValue<long>(),
            CustomFieldType.Number => node.GetValue<decimal>(),
            CustomFieldType.Boolean => node.GetValue<bool>(),
            _ => node.GetValue<string>(),
        };

        return stored is JsonArray array ? array.Where(n => n is not null).Select(n => One(n!)).ToList() : One(stored);
    }
}

internal static class InputValues
{
    /// <summary>A value of a GraphQL input object, or null when it was left out.</summary>
    public static object? Value(this IDictionary<string, object?> input, string name) =>
        input.TryGetValue(name, out var value) ? value : null;
}
