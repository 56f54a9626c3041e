using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using GraphQL;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Checks a create/update input against the fields' rules and copies it onto the record.
/// Every problem becomes a <see cref="UserError"/> with the path of the offending value; a
/// caller that gets any error saves nothing.
/// </summary>
public static partial class InputBinder
{
    public const int MaxContactPoints = 50;
    public const int MaxContactPointLength = 250;
    public const int MaxAddressPartLength = 255;

    public static IReadOnlyList<string> ValueTypes(ContactPointKind kind) => kind switch
    {
        ContactPointKind.Phone => ["WORK", "MOBILE", "FAX", "HOME", "PAGER", "MAILING", "OTHER"],
        ContactPointKind.Email => ["WORK", "HOME", "MAILING", "OTHER"],
        ContactPointKind.Im => ["TELEGRAM", "WHATSAPP", "VIBER", "SKYPE", "FACEBOOK", "INSTAGRAM", "VK", "IMOL", "OTHER"],
        _ => ["WORK", "HOME", "FACEBOOK", "VK", "LIVEJOURNAL", "TWITTER", "OTHER"],
    };

    /// <summary>
    /// Checks and copies <paramref name="input"/> onto <paramref name="record"/>. Read-only fields
    /// are left alone unless <paramref name="includeReadOnly"/>: for the platform's own writes on
    /// a user's behalf (clearing a reference to a deleted record), never for what a caller sent.
    /// </summary>
    public static void Apply(object record, IEnumerable<EntityField> fields, IReadOnlyDictionary<string, object?> input, bool isCreate, List<UserError> errors, bool includeReadOnly = false)
    {
        foreach (var (name, value) in input)
        {
            RefuseNul(value, ["input", name], errors);
        }

        foreach (var field in fields)
        {
            if (field.Custom is { } spec)
            {
                ApplyCustom((ICustomizableRecord)record, field, spec, input, isCreate, errors);
                continue;
            }

            if ((!field.Writable && !includeReadOnly) || field.Set is null)
            {
                continue;
            }

            var present = input.TryGetValue(field.Name, out var value);
            if (!present)
            {
                if (isCreate && field.Required)
                {
                    errors.Add(UserError.At(ErrorCodes.Required, $"'{field.Name}' is required.", "input", field.Name));
                }

                continue;
            }

            if (value is null)
            {
                if (field.Required || !field.IsNullable)
                {
                    errors.Add(UserError.At(ErrorCodes.Required, $"'{field.Name}' cannot be null.", "input", field.Name));
                }
                else
                {
                    field.Set(record, null);
                }

                continue;
            }

            var converted = Convert(field, value, errors);
            if (converted is not null && InRange(field, converted, errors))
            {
                field.Set(record, converted);
            }
        }
    }

    /// <summary>
    /// A trimmed text of a module's own input (a name, a label), by the rules of text fields: when
    /// given, or always when <paramref name="required"/>, it must not be empty nor longer than
    /// <paramref name="maxLength"/>. Null when left out or refused (the reason is in <paramref name="errors"/>).
    /// </summary>
    public static string? Text(IReadOnlyDictionary<string, object?> input, string name, int maxLength, bool required, List<UserError> errors)
    {
        if (!input.TryGetValue(name, out var value) && !required)
        {
            return null;
        }

        var text = (value as string)?.Trim() ?? "";
        if (text.Length == 0)
        {
            errors.Add(UserError.At(ErrorCodes.Required, $"'{name}' cannot be empty.", "input", name));
            return null;
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(UserError.At(ErrorCodes.Validation, NulFreeStringGraphType.Problem, "input", name));
            return null;
        }

        if (text.Length > maxLength)
        {
            errors.Add(UserError.At(ErrorCodes.TooLong, $"'{name}' is {text.Length} characters long; the limit is {maxLength}.", "input", name));
            return null;
        }

        return text;
    }

    /// <summary>
    /// U+0000 anywhere in an input, at any depth, is refused at its path. Requests through
    /// GraphQL never get here with one (its String refuses it); other writers (imports,
    /// automation) do.
    /// </summary>
    private static void RefuseNul(object? value, List<string> path, List<UserError> errors)
    {
        switch (value)
        {
            case string text when text.Contains('\0', StringComparison.Ordinal):
                errors.Add(new UserError(ErrorCodes.Validation, $"'{string.Join('.', path.Skip(1))}': {NulFreeStringGraphType.Problem}", path.ToList()));
                break;
            case IEnumerable<KeyValuePair<string, object?>> entries:
                foreach (var (name, item) in entries)
                {
                    RefuseNul(item, [.. path, name], errors);
                }

                break;
            case IEnumerable items and not string:
                var i = 0;
                foreach (var item in items)
                {
                    RefuseNul(item, [.. path, i++.ToString(CultureInfo.InvariantCulture)], errors);
                }

                break;
        }
    }

    /// <summary>
    /// A custom field: validated by its definition and kept in the record's document. A create
    /// without a value takes the default; a mandatory field must hold a value after a create and
    /// cannot be emptied by an update, but an update may leave it out.
    /// </summary>
    private static void ApplyCustom(ICustomizableRecord record, EntityField field, CustomFieldSpec spec, IReadOnlyDictionary<string, object?> input, bool isCreate, List<UserError> errors)
    {
        if (!input.TryGetValue(field.Name, out var value))
        {
            if (!isCreate)
            {
                return;
            }

            if (spec.DefaultValue is { } defaultValue)
            {
                record.CustomFields.Set(spec.Code, defaultValue);
            }
            else if (spec.Mandatory)
            {
                errors.Add(UserError.At(ErrorCodes.Required, $"'{field.Name}' ({spec.Label}) is required.", "input", field.Name));
            }

            return;
        }

        var before = errors.Count;
        var stored = CustomFieldBinder.Bind(spec, value, errors, "input", field.Name);
        if (errors.Count > before)
        {
            return;
        }

        if (spec.Mandatory && CustomFieldBinder.IsEmpty(stored))
        {
            errors.Add(UserError.At(ErrorCodes.Required, $"'{field.Name}' ({spec.Label}) is required and cannot be empty.", "input", field.Name));
            return;
        }

        record.CustomFields.Set(spec.Code, stored);
    }

    /// <summary>Numbers a definition bounds (a probability in percent, an amount that cannot be negative).</summary>
    private static bool InRange(EntityField field, object value, List<UserError> errors)
    {
        if ((field.Minimum ?? field.Maximum) is null || value is not (int or long or decimal))
        {
            return true;
        }

        var number = System.Convert.ToDecimal(value, CultureInfo.InvariantCulture);
        if ((field.Minimum is { } min && number < min) || (field.Maximum is { } max && number > max))
        {
            var bounds = (field.Minimum, field.Maximum) switch
            {
                ({ } low, { } high) => $"between {low.ToString(CultureInfo.InvariantCulture)} and {high.ToString(CultureInfo.InvariantCulture)}",
                ({ } low, null) => $"at least {low.ToString(CultureInfo.InvariantCulture)}",
                (null, var high) => $"at most {high!.Value.ToString(CultureInfo.InvariantCulture)}",
            };
            errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{field.Name}' is {number.ToString(CultureInfo.InvariantCulture)}; it must be {bounds}.", "input", field.Name));
            return false;
        }

        return true;
    }

    private static object? Convert(EntityField field, object value, List<UserError> errors)
    {
        switch (field.Kind)
        {
            case FieldKind.String:
                var text = (string)value;
                if (field.Required && string.IsNullOrWhiteSpace(text))
                {
                    errors.Add(UserError.At(ErrorCodes.Required, $"'{field.Name}' cannot be empty.", "input", field.Name));
                    return null;
                }

                if (field.IsCurrency && text.Length > 0)
                {
                    // As a money value's currency: any three letters (the list front ends offer is not a limit on writes).
                    var code = text.Trim().ToUpperInvariant();
                    if (code.Length != 3 || !code.All(char.IsAsciiLetterUpper))
                    {
                        errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{field.Name}': '{text}' is not a three-letter currency code.", "input", field.Name));
                        return null;
                    }

                    return code;
                }

                if (field.MaxLength is { } max && text.Length > max)
                {
                    errors.Add(UserError.At(ErrorCodes.TooLong, $"'{field.Name}' is {text.Length} characters long; the limit is {max}.", "input", field.Name));
                    return null;
                }

                return text;
            case FieldKind.Decimal:
                var number = System.Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                if (decimal.Round(number, Data.ModelConventions.DecimalScale) != number)
                {
                    errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{field.Name}' has more than {Data.ModelConventions.DecimalScale} decimal places.", "input", field.Name));
                    return null;
                }

                if (Math.Abs(number) >= Data.ModelConventions.MaxDecimal)
                {
                    errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{field.Name}' is out of range; its magnitude must stay below {Data.ModelConventions.MaxDecimal:0}.", "input", field.Name));
                    return null;
                }

                return number;
            case FieldKind.ContactPoints:
                return ContactPoints(field, value, errors);
            case FieldKind.Address:
                return Address(field, value, errors);
            default:
                try
                {
                    return FilterCompiler.ConvertValue(field, value, $"input.{field.Name}");
                }
                catch (ExecutionError error)
                {
                    errors.Add(UserError.At(error.Code ?? ErrorCodes.Validation, error.Message, "input", field.Name));
                    return null;
                }
                catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
                {
                    errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{field.Name}' has a value of the wrong type.", "input", field.Name));
                    return null;
                }
        }
    }

    private static List<ContactPoint>? ContactPoints(EntityField field, object value, List<UserError> errors)
    {
        var items = ((IEnumerable)value).Cast<object?>().ToList();
        if (items.Count > MaxContactPoints)
        {
            errors.Add(UserError.At(ErrorCodes.LimitExceeded, $"'{field.Name}' holds {items.Count} values; the limit is {MaxContactPoints}.", "input", field.Name));
            return null;
        }

        var allowed = ValueTypes(field.PointKind);
        var result = new List<ContactPoint>(items.Count);
        var before = errors.Count;
        for (var i = 0; i < items.Count; i++)
        {
            var index = i.ToString(CultureInfo.InvariantCulture);
            if (items[i] is not IDictionary<string, object?> item)
            {
                continue;
            }

            var text = (item.TryGetValue("value", out var v) ? v as string : null)?.Trim() ?? "";
            var valueType = (item.TryGetValue("valueType", out var t) ? t as string : null) ?? allowed[0];
            if (text.Length == 0)
            {
                errors.Add(UserError.At(ErrorCodes.Required, $"'{field.Name}[{index}].value' cannot be empty.", "input", field.Name, index, "value"));
            }
            else if (text.Length > MaxContactPointLength)
            {
                errors.Add(UserError.At(ErrorCodes.TooLong, $"'{field.Name}[{index}].value' is {text.Length} characters long; the limit is {MaxContactPointLength}.", "input", field.Name, index, "value"));
            }
            else if (!IsWellFormed(field.PointKind, text))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{text}' is not a valid {Describe(field.PointKind)}.", "input", field.Name, index, "value"));
            }

            if (!allowed.Contains(valueType))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{valueType}' is not a kind of {Describe(field.PointKind)}; use one of {string.Join(", ", allowed)}.", "input", field.Name, index, "valueType"));
            }

            result.Add(new ContactPoint(text, valueType));
        }

        return errors.Count == before ? result : null;
    }

    private static PostalAddress? Address(EntityField field, object value, List<UserError> errors)
    {
        if (value is not IDictionary<string, object?> parts)
        {
            return null;
        }

        var before = errors.Count;
        string? Part(string name)
        {
            var text = parts.TryGetValue(name, out var v) ? v as string : null;
            if (text is { Length: > MaxAddressPartLength })
            {
                errors.Add(UserError.At(ErrorCodes.TooLong, $"'{field.Name}.{name}' is {text.Length} characters long; the limit is {MaxAddressPartLength}.", "input", field.Name, name));
            }

            return text;
        }

        var address = new PostalAddress(Part("address1"), Part("address2"), Part("city"), Part("postalCode"), Part("region"), Part("province"), Part("country"), Part("countryCode"));
        return errors.Count == before ? address : null;
    }

    private static string Describe(ContactPointKind kind) => kind switch
    {
        ContactPointKind.Phone => "phone number",
        ContactPointKind.Email => "e-mail address",
        ContactPointKind.Im => "messenger handle",
        _ => "web address",
    };

    public static bool IsWellFormed(ContactPointKind kind, string value) => kind switch
    {
        ContactPointKind.Email => EmailPattern().IsMatch(value),
        ContactPointKind.Phone => PhonePattern().IsMatch(value) && value.Count(char.IsAsciiDigit) >= 3,
        ContactPointKind.Im => !value.Any(char.IsControl),
        _ => Uri.TryCreate(value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value, UriKind.Absolute, out var uri)
             && uri.Scheme is "http" or "https" && uri.Host.Contains('.', StringComparison.Ordinal)
             // "mailto:x@y.com" would otherwise pass as a user name before a host.
             && uri.UserInfo.Length == 0,
    };

    // Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is mail's business.
    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s.]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^\+?[0-9()\-\s./]+(\s*(ext\.?|x|#)\s*[0-9]+)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex PhonePattern();
}
