using Crm.PluginSdk.Entities;
using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>Renamed fields keep their former names in the schema, deprecated (see <see cref="FieldBuilder.Formerly"/>).</summary>
internal static class FormerNameFields
{
    /// <summary>The field under its former name, deprecated: same type, same resolver.</summary>
    public static void AddFormerName(IComplexGraphType container, EntityField field, FieldType current)
    {
        if (field.FormerName is { } former)
        {
            container.AddField(Deprecated(current, former, field.Name));
        }
    }

    /// <summary>The list item (or record) field under its former name, deprecated.</summary>
    public static void AddFormerObjectField(IComplexGraphType container, EntityField field, FieldType current)
    {
        if (field.FormerObjectField is { } former)
        {
            container.AddField(Deprecated(current, former, current.Name));
        }
    }

    private static FieldType Deprecated(FieldType current, string former, string replacement) => new FieldType
    {
        Name = former,
        Type = current.Type,
        ResolvedType = current.ResolvedType,
        Resolver = current.Resolver,
        Arguments = current.Arguments,
        Description = current.Description,
        DeprecationReason = $"Use '{replacement}'.",
    }.ReadsAs(current);
}
