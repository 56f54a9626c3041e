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

public sealed record CustomFieldPayload(CustomFieldSpec? Field, IReadOnlyList<UserError> Errors);

public sealed record DeleteCustomFieldPayload(long? DeletedId, int ClearedRecords, IReadOnlyList<UserError> Errors);

public sealed record ReorderCustomFieldsPayload(IReadOnlyList<CustomFieldSpec> Fields, IReadOnlyList<UserError> Errors);

/// <summary>
/// Creates, changes, reorders and deletes definitions, by the rules of their types. Each change
/// and the catalog version move together in one transaction; then the field's index is made
/// (or dropped) and the catalog reloaded, which swaps the GraphQL schema before the mutation
/// answers.
/// </summary>
public sealed class CustomFieldEditor(
    CustomFieldsDbContext db,
    CrmDatabaseSession session,
    CustomFieldCatalog catalog,
    IEntityRegistry registry,
    ICurrentActor actor,
    IServiceProvider services) : IScopedService
{
    public const string TypeChangeRefused = "TYPE_CHANGE_REFUSED";
    public const string ConfirmationRequired = "CONFIRMATION_REQUIRED";
    public const int MaxItems = 500;
    public const int MaxLabelLength = 255;

    public async Task<CustomFieldPayload> CreateAsync(IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Managing custom fields") is { } forbidden)
        {
            return new CustomFieldPayload(null, [forbidden]);
        }

        var errors = new List<UserError>();
        var entityType = (string)input["entityType"]!;
        var code = ((string)input["code"]!).Trim();
        var type = (CustomFieldType)input["type"]!;
        if (registry.Find(entityType) is not ICrmEntityDefinition { SupportsCustomFields: true })
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, $"Records of type {entityType} take no custom fields.", "input", "entityType"));
        }

        if (!CustomFieldSpec.IsValidCode(code))
        {
            errors.Add(UserError.At(ErrorCodes.InvalidFormat,
                $"'{code}' is not a valid code: use {CustomFieldSpec.CodePrefix} followed by upper-case letters, digits and underscores, at most {CustomFieldSpec.MaxCodeLength} characters in all.",
                "input", "code"));
        }
        else
        {
            var graphName = CustomFieldSpec.GraphName(code);
            var existing = await db.Definitions.AsNoTracking().Where(d => d.EntityType == entityType).Select(d => d.Code).ToListAsync(cancellationToken);
            if (existing.Any(c => c == code || CustomFieldSpec.GraphName(c) == graphName))
            {
                errors.Add(UserError.At(ErrorCodes.Conflict, $"The {entityType} type already has a field {code} (GraphQL name {graphName}).", "input", "code"));
            }
            else if (registry.Find(entityType) is ICrmEntityDefinition records && records.Fields.ContainsKey(graphName))
            {
                errors.Add(UserError.At(ErrorCodes.Conflict, $"'{graphName}' is a built-in field of {entityType}.", "input", "code"));
            }
        }

        var multiple = input.TryGetValue("multiple", out var m) && m is true;
        if (multiple && !CustomFieldSpec.AllowsMultiple(type))
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, $"A {type.ToString().ToUpperInvariant()} field cannot hold several values.", "input", "multiple"));
        }

        var definition = new CustomFieldDefinition
        {
            EntityType = entityType,
            Code = code,
            Type = type,
            Multiple = multiple,
            Filterable = !input.TryGetValue("filterable", out var f) || f is not false,
            ShowInList = !input.TryGetValue("showInList", out var s) || s is not false,
            Mandatory = input.TryGetValue("mandatory", out var mandatory) && mandatory is true,
            Sort = input.TryGetValue("sort", out var sort) && sort is int position ? position : await NextSortAsync(entityType, cancellationToken),
        };
        ApplyDescriptiveInput(definition, input, isCreate: true, errors);
        ApplyTypedInput(definition, input, errors);
        if (errors.Count > 0)
        {
            return new CustomFieldPayload(null, errors);
        }

        await session.InTransactionAsync(async () =>
        {
            db.Definitions.Add(definition);
            await BumpVersionAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }, cancellationToken: cancellationToken);
        await PublishAsync(entityType, cancellationToken);
        return new CustomFieldPayload(definition.ToSpec(), []);
    }

    public async Task<CustomFieldPayload> UpdateAsync(long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Managing custom fields") is { } forbidden)
        {
            return new CustomFieldPayload(null, [forbidden]);
        }

        var definition = await db.Definitions.FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (definition is null)
        {
            return new CustomFieldPayload(null, [NotFound(id)]);
        }

        var errors = new List<UserError>();
        if (input.TryGetValue("type", out var typeValue) && typeValue is CustomFieldType type && type != definition.Type)
        {
            if (CustomFieldSpec.IsSafeWidening(definition.Type, type))
            {
                definition.Type = type;
            }
            else
            {
                errors.Add(UserError.At(TypeChangeRefused,
                    $"{definition.Code} cannot change from {definition.Type.ToString().ToUpperInvariant()} to {type.ToString().ToUpperInvariant()}: stored values would no longer fit. Only INTEGER to NUMBER and STRING to TEXT are allowed.",
                    "input", "type"));
            }
        }

        if (input.TryGetValue("mandatory", out var mandatory) && mandatory is bool isMandatory)
        {
            definition.Mandatory = isMandatory;
        }

        if (input.TryGetValue("filterable", out var filterable) && filterable is bool isFilterable)
        {
            definition.Filterable = isFilterable;
        }

        if (input.TryGetValue("showInList", out var showInList) && showInList is bool shows)
        {
            definition.ShowInList = shows;
        }

        if (input.TryGetValue("sort", out var sort) && sort is int position)
        {
            definition.Sort = position;
        }

        ApplyDescriptiveInput(definition, input, isCreate: false, errors);
        ApplyTypedInput(definition, input, errors);
        if (errors.Count > 0)
        {
            db.ChangeTracker.Clear();
            return new CustomFieldPayload(null, errors);
        }

        await session.InTransactionAsync(async () =>
        {
            await BumpVersionAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }, cancellationToken: cancellationToken);
        await PublishAsync(definition.EntityType, cancellationToken);
        return new CustomFieldPayload(definition.ToSpec(), []);
    }

    public async Task<DeleteCustomFieldPayload> DeleteAsync(long id, bool confirmDataLoss, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Managing custom fields") is { } forbidden)
        {
            return new DeleteCustomFieldPayload(null, 0, [forbidden]);
        }

        var definition = await db.Definitions.FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (definition is null)
        {
            return new DeleteCustomFieldPayload(null, 0, [NotFound(id)]);
        }

        var records = registry.Find(definition.EntityType) as ICrmEntityDefinition;
        var holding = records is null ? 0 : await records.CountCustomValuesAsync(services, definition.Code, cancellationToken);
        if (holding > 0 && !confirmDataLoss)
        {
            return new DeleteCustomFieldPayload(null, holding, [UserError.At(ConfirmationRequired,
                $"{holding.ToString(CultureInfo.InvariantCulture)} {definition.EntityType} records hold a value of {definition.Code}; deleting the field deletes those values. Repeat with confirmDataLoss: true to go ahead.",
                "confirmDataLoss")]);
        }

        // The values and the definition go together: a field re-created with the same code starts empty.
        var cleared = await session.InTransactionAsync(async () =>
        {
            var count = records is null ? 0 : await records.ClearCustomValuesAsync(services, definition.Code, cancellationToken);
            db.Definitions.Remove(definition);
            await BumpVersionAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return count;
        }, cancellationToken: cancellationToken);
        await PublishAsync(definition.EntityType, cancellationToken);
        return new DeleteCustomFieldPayload(id, cleared, []);
    }

    public async Task<ReorderCustomFieldsPayload> ReorderAsync(string entityType, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Managing custom fields") is { } forbidden)
        {
            return new ReorderCustomFieldsPayload([], [forbidden]);
        }

        var definitions = await db.Definitions.Where(d => d.EntityType == entityType).ToListAsync(cancellationToken);
        var known = definitions.Select(d => d.Id).ToHashSet();
        if (ids.Count != known.Count || ids.Distinct().Count() != ids.Count || ids.Any(i => !known.Contains(i)))
        {
            return new ReorderCustomFieldsPayload([], [UserError.At(ErrorCodes.InvalidValue,
                $"Give every custom field id of {entityType} once ({string.Join(", ", known.Order())}).", "ids")]);
        }

        for (var i = 0; i < ids.Count; i++)
        {
            definitions.Single(d => d.Id == ids[i]).Sort = (i + 1) * 10;
        }

        await session.InTransactionAsync(async () =>
        {
            await BumpVersionAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }, cancellationToken: cancellationToken);
        await PublishAsync(entityType, cancellationToken);
        return new ReorderCustomFieldsPayload(definitions.OrderBy(d => d.Sort).Select(d => d.ToSpec()).ToList(), []);
    }

    /// <summary>Label, labels per language; on create the label is required.</summary>
    private static void ApplyDescriptiveInput(CustomFieldDefinition definition, IReadOnlyDictionary<string, object?> input, bool isCreate, List<UserError> errors)
    {
        if (InputBinder.Text(input, "label", MaxLabelLength, isCreate, errors) is { } label)
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
                else if (text.Length is 0 or > MaxLabelLength)
                {
                    errors.Add(UserError.At(ErrorCodes.InvalidValue, $"A label must have 1 to {MaxLabelLength} characters.", "input", "labels", index, "text"));
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
    private static void ApplyTypedInput(CustomFieldDefinition definition, IReadOnlyDictionary<string, object?> input, List<UserError> errors)
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
        if (given.Count == 0 || given.Count > MaxItems)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, $"An ENUMERATION field needs 1 to {MaxItems} items.", "input", "items"));
            return definition.Items;
        }

        var nextId = definition.Items.Count == 0 ? 1 : definition.Items.Max(i => i.Id) + 1;
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

            if (value.Length is 0 or > MaxLabelLength)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"An item's value must have 1 to {MaxLabelLength} characters.", "input", "items", index, "value"));
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

        return items;
    }

    private async Task<int> NextSortAsync(string entityType, CancellationToken cancellationToken) =>
        (await db.Definitions.Where(d => d.EntityType == entityType).MaxAsync(d => (int?)d.Sort, cancellationToken) ?? 0) + 10;

    private async Task BumpVersionAsync(CancellationToken cancellationToken) =>
        await db.Versions.Where(v => v.Id == 1).ExecuteUpdateAsync(v => v.SetProperty(x => x.Version, x => x.Version + 1), cancellationToken);

    /// <summary>
    /// After the commit: the type's indexes follow the definitions, then the catalog reloads,
    /// which swaps the schema; the next request sees the change.
    /// </summary>
    private async Task PublishAsync(string entityType, CancellationToken cancellationToken)
    {
        if (registry.Find(entityType) is ICrmEntityDefinition { SupportsCustomFields: true } records)
        {
            var fields = await db.Definitions.AsNoTracking().Where(d => d.EntityType == entityType).ToListAsync(cancellationToken);
            await records.SyncCustomFieldIndexesAsync(services, fields.Select(d => d.ToSpec()).ToList(), cancellationToken);
        }

        await catalog.RefreshAsync(cancellationToken);
    }

    private static UserError NotFound(long id) => Refusals.NotFound("custom field", id, "id");
}
