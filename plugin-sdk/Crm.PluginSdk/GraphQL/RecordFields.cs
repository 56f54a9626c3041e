using Crm.PluginSdk.Entities;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>What a record field answers for a record that exists but that the reader may not read.</summary>
public enum UnreadableRecord
{
    /// <summary>Null, with no error: the link (its type and id) shows, the record does not.</summary>
    Null,

    /// <summary>Null with a <c>FORBIDDEN</c> error at the field.</summary>
    Forbidden,
}

/// <summary>
/// A field whose value is the record a (record type, id) pair names, typed as the union
/// <c>CrmRecord</c>. Whatever points at records of any type (an activity's bindings and
/// communications, timeline entries, planned items, a custom field's CRM links, a plugin's own
/// links) shows them through this one field: loaded in batches (one statement per record type and
/// level, whatever the page size), reading only the columns that the selection's fragments on each
/// type ask for, within the reader's rights. Null when the pair names no record (deleted since) or a
/// type no module registers any more.
/// </summary>
public static class RecordFields
{
    /// <summary>
    /// The field <paramref name="name"/> of <typeparamref name="TSource"/> values, showing the record
    /// <paramref name="target"/> names (null: none). Null when no record type is registered at all
    /// (the union does not exist): add the field only when there is one.
    /// </summary>
    public static FieldType? RecordField<TSource>(this SchemaComposer composer, string name, string description,
        Func<TSource, (string EntityType, long Id)?> target, UnreadableRecord unreadable = UnreadableRecord.Null) =>
        Create(composer.Types, composer.Registry, name, description, target, unreadable);

    internal static FieldType? Create<TSource>(SharedGraphTypes types, IEntityRegistry registry, string name, string description,
        Func<TSource, (string EntityType, long Id)?> target, UnreadableRecord unreadable)
    {
        if (types.CrmRecord is not { } union)
        {
            return null;
        }

        return new FieldType
        {
            Name = name,
            Description = description,
            ResolvedType = union,
            Resolver = new FuncFieldResolver<object?>(context =>
            {
                if (target((TSource)context.Source!) is not { } link || registry.Find(link.EntityType) is not { } recordType)
                {
                    return null;
                }

                var projection = SelectedColumns.OfUnionMember(context, recordType.GraphTypeName);
                return unreadable == UnreadableRecord.Forbidden
                    ? RecordTypeFactory.ReferencedRecord(registry, context, link.EntityType, link.Id, projection)
                    : registry.Load(context.RequestServices!, link.EntityType, link.Id, projection);
            }),
        };
    }
}
