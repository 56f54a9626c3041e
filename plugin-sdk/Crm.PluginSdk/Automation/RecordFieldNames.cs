using Crm.PluginSdk.Entities;

namespace Crm.PluginSdk.Automation;

/// <summary>The fields a rule may name for a record type: its built-in fields and, as of the request, its custom fields.</summary>
public static class RecordFieldNames
{
    /// <summary>The public field <paramref name="name"/> of <paramref name="type"/> (a custom field by its code), or null.</summary>
    public static EntityField? Find(IServiceProvider services, ICrmEntityDefinition type, string name) =>
        type.Fields.TryGetValue(name, out var field) ? field : type.WritableFields(services).Fields.GetValueOrDefault(name);

    /// <summary>Whether <paramref name="name"/> is a public field of <paramref name="type"/>.</summary>
    public static bool Exists(IServiceProvider services, ICrmEntityDefinition type, string name) => Find(services, type, name) is not null;

    /// <summary>Whether the field holds a date or a time (what a timing relative to a field needs).</summary>
    public static bool IsDate(EntityField field) =>
        (Nullable.GetUnderlyingType(field.ValueType) ?? field.ValueType) is var type
        && (type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(DateOnly));
}
