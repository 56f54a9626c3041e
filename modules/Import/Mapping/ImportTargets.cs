using System.Collections.Frozen;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;

namespace Crm.Modules.Import.Mapping;

/// <summary>
/// What a column may be mapped to: a field of the type's create input (custom fields included), an
/// input-only field (a contact's <c>companyIds</c>), or a contact-point field with a value type
/// (<c>phones:MOBILE</c>).
/// </summary>
internal sealed record ImportTarget(string Name, EntityField? Field, string? ValueType)
{
    public string Key => ValueType is null ? Name : Name + ":" + ValueType;
}

internal static class ImportTargets
{
    /// <summary>Value types of contact points (Bitrix24's), by kind.</summary>
    private static readonly FrozenDictionary<ContactPointKind, string[]> PointTypes = new Dictionary<ContactPointKind, string[]>
    {
        [ContactPointKind.Phone] = ["WORK", "MOBILE", "FAX", "HOME", "PAGER", "MAILING", "OTHER"],
        [ContactPointKind.Email] = ["WORK", "HOME", "MAILING", "OTHER"],
        [ContactPointKind.Web] = ["WORK", "HOME", "FACEBOOK", "VK", "LIVEJOURNAL", "TWITTER", "OTHER"],
        [ContactPointKind.Im] = ["FACEBOOK", "TELEGRAM", "VK", "SKYPE", "VIBER", "INSTAGRAM", "WHATSAPP", "OTHER"],
    }.ToFrozenDictionary();

    /// <summary>The writable fields and input-only names of the type, as the scope's actor sees them (custom fields of now).</summary>
    public static (IReadOnlyDictionary<string, EntityField> Fields, IReadOnlyCollection<string> InputOnly) Writable(ICrmEntityDefinition definition, IServiceProvider services) =>
        definition.WritableFields(services);

    /// <summary>The target <paramref name="name"/> stands for, or why it cannot be one.</summary>
    public static (ImportTarget? Target, string? Problem) Resolve(ICrmEntityDefinition definition, IReadOnlyDictionary<string, EntityField> fields, IReadOnlyCollection<string> inputOnly, string name)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        var fieldName = colon < 0 ? name : name[..colon];
        var valueType = colon < 0 ? null : name[(colon + 1)..].ToUpperInvariant();
        if (inputOnly.Contains(fieldName) && valueType is null)
        {
            return (new ImportTarget(fieldName, null, null), null);
        }

        if (!fields.TryGetValue(fieldName, out var field))
        {
            return (null, $"'{fieldName}' is not a field of {definition.PluralName} that an import can write.");
        }

        if (field.Kind is FieldKind.Address or FieldKind.RecordReference)
        {
            return (null, $"'{fieldName}' is an address or a record link, which one cell cannot give.");
        }

        if (valueType is not null)
        {
            if (field.Kind != FieldKind.ContactPoints || !PointTypes[field.PointKind].Contains(valueType, StringComparer.Ordinal))
            {
                return (null, field.Kind == FieldKind.ContactPoints
                    ? $"'{valueType}' is not a value type of '{fieldName}': {string.Join(", ", PointTypes[field.PointKind])}."
                    : $"'{fieldName}' takes no value type after ':'.");
            }
        }

        return (new ImportTarget(fieldName, field, valueType), null);
    }

    /// <summary>The labels of a field in every language it has (a custom field's own labels included).</summary>
    public static IEnumerable<string> LabelsOf(EntityField field)
    {
        if (field.Custom is { } spec)
        {
            yield return spec.Label;
            foreach (var label in spec.Labels)
            {
                yield return label.Text;
            }
        }

        foreach (var language in new[] { PluginSdk.Metadata.Labels.English, "pl" })
        {
            if (field.Labels.In(language) is { Length: > 0 } text)
            {
                yield return text;
            }
        }
    }

    public static CustomFieldSpec? Custom(ImportTarget target) => target.Field?.Custom;
}
