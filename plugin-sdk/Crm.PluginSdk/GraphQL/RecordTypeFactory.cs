using System.Globalization;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Records;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// The fields of a record type's object type (<c>Deal</c>): its own and custom fields, the record
/// each reference names, the list item each list field holds, and the back-references to it.
/// </summary>
internal sealed class RecordTypeFactory(SharedGraphTypes types, IEntityRegistry registry, CustomFieldGraphTypes customTypes, RelatedRecordFields related)
{
    /// <summary>
    /// Adds the fields of <paramref name="definition"/> to its object type; <paramref name="entityType"/>
    /// gives the object type of another record type, or null when it is not part of the schema.
    /// </summary>
    public void AddFields(ICrmEntityDefinition definition, ObjectGraphType type, IReadOnlyDictionary<string, EntityField> fields, Func<string, ObjectGraphType?> entityType)
    {
        foreach (var field in fields.Values)
        {
            var output = type.AddField((field.Custom is { } custom ? customTypes.OutputField(field, custom) : OutputField(field)).Reads(field.Property.Name));
            FormerNameFields.AddFormerName(type, field, output);
            if (field.ReferenceField is not null && entityType(field.ReferenceType!) is { } referenced)
            {
                FormerNameFields.AddFormerObjectField(type, field, type.AddField(ReferenceField(field, referenced)));
                related.AddBackReference(definition, type, field, referenced);
            }

            if (field.ListField is not null)
            {
                var item = ListItemField(field);
                if (field.ListReads is { } reads)
                {
                    item.Reads([field.Property.Name, .. reads]);
                }

                FormerNameFields.AddFormerObjectField(type, field, type.AddField(item));
            }
        }
    }

    public static Type ScalarType(FieldKind kind) => kind switch
    {
        FieldKind.String => typeof(StringGraphType),
        FieldKind.Int => typeof(IntGraphType),
        FieldKind.Long => typeof(LongGraphType),
        FieldKind.Decimal => typeof(DecimalGraphType),
        FieldKind.Boolean => typeof(BooleanGraphType),
        FieldKind.Date => typeof(DateGraphType),
        FieldKind.DateTime => typeof(DateTimeGraphType),
        FieldKind.Id => typeof(IdGraphType),
        _ => throw new NotSupportedException($"No scalar for {kind}."),
    };

    /// <summary>
    /// The record an id names, or, when the caller may not read it, null with a FORBIDDEN error
    /// at this field (which tells nothing of the record beyond the id the caller already sees).
    /// </summary>
    public static object ReferencedRecord(IEntityRegistry registry, IResolveFieldContext context, string type, long id, RecordProjection? projection = null)
    {
        var services = context.RequestServices!;
        return new ChainedResult<object?>(registry.Load(services, type, id, projection), record =>
            record is not null || registry.Find(type) is not ICrmEntityDefinition definition || definition.ReachesAll(services, Security.PermissionAction.Read)
                ? record
                : throw Refusals.ForbiddenError("read", type, id));
    }

    /// <summary>The record an id field points to, loaded in batches through the registry.</summary>
    private FieldType ReferenceField(EntityField field, ObjectGraphType referenced) => new FieldType
    {
        Name = field.ReferenceField!,
        Description = $"The {field.ReferenceType} that '{field.Name}' names.",
        ResolvedType = referenced,
        Resolver = new FuncFieldResolver<object?>(context => field.Get(context.Source!) switch
        {
            long id => ReferencedRecord(registry, context, field.ReferenceType!, id, SelectedColumns.OfRecord(context)),
            int id => ReferencedRecord(registry, context, field.ReferenceType!, id, SelectedColumns.OfRecord(context)),
            _ => null,
        }),
    }.Reads(field.Property.Name).ShowsReference(field);

    /// <summary>The selection list item a list field holds.</summary>
    private FieldType ListItemField(EntityField field) => new()
    {
        Name = field.ListField!,
        Description = $"The list item that '{field.Name}' names.",
        ResolvedType = types.SelectionListItem,
        Resolver = new FuncFieldResolver<object?>(async context =>
        {
            if (field.Get(context.Source!) is not string value || context.RequestServices!.GetService<Lists.ISelectionLists>() is not { } lists)
            {
                return null;
            }

            var items = await lists.GetItemsAsync(field.ListOf!(context.Source!), context.CancellationToken);
            return items.FirstOrDefault(i => i.Id == value);
        }),
    };

    private FieldType OutputField(EntityField field)
    {
        var fieldType = new FieldType { Name = field.Name, Description = field.Description };
        switch (field.Kind)
        {
            case FieldKind.ContactPoints:
                fieldType.ResolvedType = SchemaComposer.NonNullList(types.ContactPoint(field.PointKind));
                fieldType.Resolver = new FuncFieldResolver<object?>(c => field.Get(c.Source!) ?? new List<ContactPoint>());
                break;
            case FieldKind.Address:
                fieldType.ResolvedType = types.Address;
                fieldType.Resolver = new FuncFieldResolver<object?>(c => field.Get(c.Source!));
                break;
            case FieldKind.Id:
                fieldType.Type = field.IsNullable ? typeof(IdGraphType) : typeof(NonNullGraphType<IdGraphType>);
                fieldType.Resolver = new FuncFieldResolver<object?>(c => field.Get(c.Source!) is IFormattable id ? id.ToString(null, CultureInfo.InvariantCulture) : null);
                break;
            default:
                var scalar = ScalarType(field.Kind);
                fieldType.Type = field.IsNullable ? scalar : typeof(NonNullGraphType<>).MakeGenericType(scalar);
                fieldType.Resolver = new FuncFieldResolver<object?>(c => field.Get(c.Source!));
                break;
        }

        return fieldType;
    }
}
