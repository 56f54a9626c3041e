using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Crm.PluginSdk.Data;

/// <summary>Stores a record's custom field values as one JSON document.</summary>
public sealed class CustomFieldValuesConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<CustomFields.CustomFieldValues, string>(
    values => values.ToJson(), json => CustomFields.CustomFieldValues.Parse(json));

/// <summary>Compares documents by content, so that changing a value in place is seen as a change.</summary>
public sealed class CustomFieldValuesComparer() : ValueComparer<CustomFields.CustomFieldValues>(
    (a, b) => (a == null ? null : a.ToJson()) == (b == null ? null : b.ToJson()),
    values => values.ToJson().GetHashCode(StringComparison.Ordinal),
    values => values.Clone());
