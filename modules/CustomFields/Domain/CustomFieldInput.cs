using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Modules.CustomFields.Data;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.CustomFields.Domain;

/// <summary>
/// Reads a custom field's GraphQL input (label, labels, type, settings, items) onto its
/// definition, refusing what the field's type does not take; <see cref="CustomFieldEditor"/>
/// keeps the rules about stored fields (type changes, data loss, order).
/// </summary>
internal static class CustomFieldInput
{
    /// <summary>Label, labels per language; on create the label is required.</summary>
    public static void ApplyDescriptive(CustomFieldDefinition definition, IReadOnlyDictionary<string, object?> input, bool isCreate, List<UserError> errors)
    {
        if (InputBinder.Text(input, "label", CustomFieldEditor.MaxLabelLength, isCreate, errors) is { } label)
        {
            definition.Label = label;
        }

        if (input.TryGetValue("labels", out var labelsValue))
        {
            var labels = new List<CustomFieldLabel>();
            var list = (labelsValue as IEnumerable<object?>)?.OfType<IDictionary<string, object?>>().ToList() ?? [];
            for (var i = 0; i < list.Count; i++)
            {
                var language = (list[i]["language"] as string)?.Trim().ToLowerInvariant() ?? "";
                var text = (list[i]["text"] as string)?.Trim() ?? "";
                var index = i.ToString(CultureInfo.InvariantCulture);
                if (!Regex.IsMatch(language, "^[a-z]{2,3}(-[a-z0-9]{2,8})?$", RegexOptions.CultureInvariant))
                {
                    errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{language}' is not a language code (e.g. en, de, pt-br).", "input", "labels", index, "language"));
                }
                else if (text.Length is 0 or > CustomFieldEditor.MaxLabelLength)
                {
                    errors.Add(UserError.At(ErrorCodes.InvalidValue, $"A label must have 1 to {CustomFieldEditor.MaxLabelLength} characters.", "input", "labels", index, "text"));
                }
                else if (labels.Any(l => l.Language == language))
                {
                    errors.Add(UserError.At(ErrorCodes.Conflict, $"The language {language} is given twice.", "input", "labels", index, "language"));
                }
                else
                {
                    labels.Add(new CustomFieldLabel(language, text));
                }
            }

            definition.Labels = labels;
        }
    }

    /// <summary>Settings, enumeration items and the default value: what depends on the type.</summary>
    public static void ApplyTyped(CustomFieldDefinition definition, IReadOnlyDictionary<string, object?> input, List<UserError> errors)
    {
        var type = definition.Type;
        if (input.TryGetValue("settings", out var settingsValue))
        {
            definition.Settings = settingsValue is IDictionary<string, object?> settings ? ReadSettings(type, settings, errors) : CustomFieldSettings.None;
        }

        if (input.TryGetValue("items", out var itemsValue) && itemsValue is not null)
        {
            if (type != CustomFieldType.Enumeration)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, "Only ENUMERATION fields have items.", "input", "items"));
            }
            else
            {
                definition.Items = ReadItems(definition, itemsValue as IEnumerable<object?> ?? [], errors);
            }
        }
        else if (type == CustomFieldType.Enumeration && definition.Items.Count == 0 && definition.Id == 0)
        {
            errors.Add(UserError.At(ErrorCodes.Required, "An ENUMERATION field needs at least one item.", "input", "items"));
        }

        var spec = definition.ToSpec() with { DefaultValue = null, Mandatory = false };
        if (type == CustomFieldType.Enumeration)
        {
            var defaults = definition.Items.Where(i => i.IsDefault).Select(i => JsonValue.Create(i.Id)).ToList();
            if (defaults.Count > 1 && !definition.Multiple)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, "A single-value field can have one default item only.", "input", "items"));
            }

            definition.DefaultValue = defaults.Count == 0 ? null
                : definition.Multiple ? new JsonArray([.. defaults]).ToJsonString() : defaults[0].ToJsonString();
            if (input.TryGetValue("defaultValue", out var ignored) && ignored is not null)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, "An ENUMERATION field's default is its items' isDefault.", "input", "defaultValue"));
            }

            return;
        }

        if (!input.TryGetValue("defaultValue", out var defaultValue))
        {
            return;
        }

        if (defaultValue is not string text)
        {
            definition.DefaultValue = null;
            return;
        }

        object? value = type switch
        {
            CustomFieldType.Integer => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : null,
            CustomFieldType.Number => decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? d : null,
            CustomFieldType.Boolean => bool.TryParse(text, out var b) ? b : null,
            CustomFieldType.Date or CustomFieldType.DateTime or CustomFieldType.String or CustomFieldType.Text
                or CustomFieldType.Url or CustomFieldType.Email or CustomFieldType.Phone => text,
            _ => null,
        };
        if (value is null)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue,
                type is CustomFieldType.Money or CustomFieldType.Employee or CustomFieldType.Crm or CustomFieldType.Address
                    ? $"{type.ToString().ToUpperInvariant()} fields have no default value."
                    : $"'{text}' is not a {type.ToString().ToUpperInvariant()} value.",
                "input", "defaultValue"));
            return;
        }

        var stored = CustomFieldBinder.Bind(spec with { Multiple = false }, value, errors, "input", "defaultValue");
        if (stored is not null)
        {
            definition.DefaultValue = (definition.Multiple ? new JsonArray(stored) : stored).ToJsonString();
        }
    }

    private static CustomFieldSettings ReadSettings(CustomFieldType type, IDictionary<string, object?> input, List<UserError> errors)
    {
        var isTextual = type is CustomFieldType.String or CustomFieldType.Text or CustomFieldType.Url or CustomFieldType.Email or CustomFieldType.Phone;
        var isNumeric = type is CustomFieldType.Integer or CustomFieldType.Number or CustomFieldType.Money;
        void NotFor(string setting) => errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{setting}' does not apply to {type.ToString().ToUpperInvariant()} fields.", "input", "settings", setting));

        var settings = new CustomFieldSettings();
        if (input.TryGetValue("maxLength", out var maxLength) && maxLength is int length)
        {
            if (!isTextual)
            {
                NotFor("maxLength");
            }
            else if (length is < 1 or > CustomFieldBinder.MaxTextLength)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'maxLength' must be between 1 and {CustomFieldBinder.MaxTextLength}.", "input", "settings", "maxLength"));
            }
            else
            {
                settings = settings with { MaxLength = length };
            }
        }

        if (input.TryGetValue("pattern", out var patternValue) && patternValue is string pattern)
        {
            if (type is not (CustomFieldType.String or CustomFieldType.Text))
            {
                NotFor("pattern");
            }
            else
            {
                if (CustomFieldBinder.PatternRegex(pattern, out var problem) is null)
                {
                    errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'pattern' cannot be used: {problem}", "input", "settings", "pattern"));
                }
                else
                {
                    settings = settings with { Pattern = pattern };
                }
            }
        }

        foreach (var bound in new[] { "min", "max" })
        {
            if (input.TryGetValue(bound, out var boundValue) && boundValue is not null)
            {
                if (!isNumeric)
                {
                    NotFor(bound);
                    continue;
                }

                var number = Convert.ToDecimal(boundValue, CultureInfo.InvariantCulture);
                settings = bound == "min" ? settings with { Min = number } : settings with { Max = number };
            }
        }

        if (settings is { Min: { } min, Max: { } max } && min > max)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, "'min' is greater than 'max'.", "input", "settings", "min"));
        }

        if (input.TryGetValue("precision", out var precisionValue) && precisionValue is int precision)
        {
            if (type is not (CustomFieldType.Number or CustomFieldType.Money))
            {
                NotFor("precision");
            }
            else if (precision is < 0 or > ModelConventions.DecimalScale)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'precision' must be between 0 and {ModelConventions.DecimalScale}.", "input", "settings", "precision"));
            }
            else
            {
                settings = settings with { Precision = precision };
            }
        }

        if (input.TryGetValue("recordTypes", out var typesValue) && typesValue is IEnumerable<object?> types)
        {
            if (type != CustomFieldType.Crm)
            {
                NotFor("recordTypes");
            }
            else
            {
                settings = settings with { RecordTypes = types.OfType<string>().Distinct().ToList() };
            }
        }

        return settings;
    }

    private static List<CustomFieldItem> ReadItems(CustomFieldDefinition definition, IEnumerable<object?> input, List<UserError> errors)
    {
        var given = input.OfType<IDictionary<string, object?>>().ToList();
        if (given.Count == 0 || given.Count > CustomFieldEditor.MaxItems)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, $"An ENUMERATION field needs 1 to {CustomFieldEditor.MaxItems} items.", "input", "items"));
            return definition.Items;
        }

        // Ids are never reused (see LastItemId); fields made before it was kept start from their items.
        var nextId = Math.Max(definition.LastItemId, definition.Items.Count == 0 ? 0 : definition.Items.Max(i => i.Id)) + 1;
        var items = new List<CustomFieldItem>();
        for (var i = 0; i < given.Count; i++)
        {
            var index = i.ToString(CultureInfo.InvariantCulture);
            var value = (given[i].TryGetValue("value", out var v) ? v as string : null)?.Trim() ?? "";
            long id;
            if (given[i].TryGetValue("id", out var idValue) && idValue is not null)
            {
                if (!RecordIds.TryParse(idValue, out id) || definition.Items.All(existing => existing.Id != id))
                {
                    errors.Add(UserError.At(ErrorCodes.NotFound, $"The field has no item {idValue}; leave 'id' out for a new item.", "input", "items", index, "id"));
                    continue;
                }
            }
            else
            {
                id = nextId++;
            }

            if (value.Length is 0 or > CustomFieldEditor.MaxLabelLength)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"An item's value must have 1 to {CustomFieldEditor.MaxLabelLength} characters.", "input", "items", index, "value"));
                continue;
            }

            if (items.Any(existing => existing.Id == id || string.Equals(existing.Value, value, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add(UserError.At(ErrorCodes.Conflict, $"The item '{value}' is given twice.", "input", "items", index));
                continue;
            }

            var sort = given[i].TryGetValue("sort", out var s) && s is int position ? position : (i + 1) * 10;
            items.Add(new CustomFieldItem(id, value, sort, given[i].TryGetValue("isDefault", out var d) && d is true));
        }

        definition.LastItemId = nextId - 1;
        return items;
    }
}
