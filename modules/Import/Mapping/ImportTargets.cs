using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Import.Mapping;

/// <summary>A target <c>previewImport</c> offers: the mapping's name for it, its field's label, and its value type when it has one.</summary>
public sealed record ImportTargetChoice(string Field, string Label, string? ValueType);

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
            if (field.Kind != FieldKind.ContactPoints || !InputBinder.ValueTypes(field.PointKind).Contains(valueType, StringComparer.Ordinal))
            {
                return (null, field.Kind == FieldKind.ContactPoints
                    ? $"'{valueType}' is not a value type of '{fieldName}': {string.Join(", ", InputBinder.ValueTypes(field.PointKind))}."
                    : $"'{fieldName}' takes no value type after ':'.");
            }
        }

        return (new ImportTarget(fieldName, field, valueType), null);
    }

    /// <summary>
    /// Every target a column may be mapped to, as the mapping names it, labelled in <paramref name="language"/>:
    /// the writable fields (custom fields included) but addresses and record links, each contact-point field
    /// also with each of its value types (the binder's, <see cref="InputBinder.ValueTypes"/>), and the input-only
    /// fields (a link list such as a contact's <c>companyIds</c> labelled by the type it links to).
    /// </summary>
    public static IReadOnlyList<ImportTargetChoice> Offered(ICrmEntityDefinition definition, IServiceProvider services, string language)
    {
        var (fields, inputOnly) = Writable(definition, services);
        var offered = new List<ImportTargetChoice>();
        foreach (var field in fields.Values.Where(f => f.Kind is not (FieldKind.Address or FieldKind.RecordReference)))
        {
            var label = field.Labels.In(language, field.Name);
            offered.Add(new ImportTargetChoice(field.Name, label, null));
            if (field.Kind == FieldKind.ContactPoints)
            {
                offered.AddRange(InputBinder.ValueTypes(field.PointKind).Select(type => new ImportTargetChoice(field.Name + ":" + type, label, type)));
            }
        }

        var registry = services.GetRequiredService<IEntityRegistry>();
        var relations = services.GetServices<ISchemaContributor>().OfType<CrmRelationDefinition>().ToList();
        foreach (var name in inputOnly)
        {
            var linked = relations.FirstOrDefault(r => r.FromType == definition.Name && r.FromInputName == name)?.ToType is { } type ? registry.Find(type) as ICrmEntityDefinition : null;
            offered.Add(new ImportTargetChoice(name, linked?.Labels.Plural.In(language, linked.PluralName) ?? PluginSdk.Metadata.Labels.Readable(name), null));
        }

        return offered;
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
