using System.Globalization;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>The GraphQL types of custom field values, as records show them and as inputs take them.</summary>
internal sealed class CustomFieldGraphTypes(SharedGraphTypes types, IEntityRegistry registry)
{
    public static string Describe(CustomFieldSpec spec) =>
        $"{spec.Label} (custom field {spec.Code}, {spec.Type.ToString().ToUpperInvariant()}{(spec.Multiple ? ", multiple" : "")}{(spec.Mandatory ? ", mandatory" : "")}).";

    /// <summary>The GraphQL type of one value of a custom field, as shown or (<paramref name="input"/>) as written.</summary>
    public IGraphType ValueType(CustomFieldSpec spec, bool input) => spec.Type switch
    {
        CustomFieldType.Integer => new LongGraphType(),
        CustomFieldType.Number => new DecimalGraphType(),
        CustomFieldType.Boolean => new BooleanGraphType(),
        CustomFieldType.Date => new DateGraphType(),
        CustomFieldType.DateTime => new DateTimeGraphType(),
        CustomFieldType.Money => input ? types.MoneyInput : types.Money,
        CustomFieldType.Enumeration => input ? new IdGraphType() : types.CustomFieldItem,
        CustomFieldType.Employee => new IdGraphType(),
        CustomFieldType.Crm => input ? types.CrmRecordReferenceInput : CrmRecordReferenceType(),
        CustomFieldType.Address => input ? types.AddressInput : types.Address,
        _ => new StringGraphType(),
    };

    public IGraphType InputType(CustomFieldSpec spec)
    {
        var one = ValueType(spec, input: true);
        return spec.Multiple ? new ListGraphType(new NonNullGraphType(one)) : one;
    }

    public FieldType OutputField(EntityField field, CustomFieldSpec spec)
    {
        var one = ValueType(spec, input: false);
        return new FieldType
        {
            Name = field.Name,
            Description = Describe(spec),
            ResolvedType = spec.Multiple ? SchemaComposer.NonNullList(one) : one,
            Resolver = new FuncFieldResolver<object?>(c => (field.Get(c.Source!), spec.Type) switch
            {
                (long id, CustomFieldType.Employee) => id.ToString(CultureInfo.InvariantCulture),
                (List<object?> ids, CustomFieldType.Employee) => ids.Select(i => ((long)i!).ToString(CultureInfo.InvariantCulture)).ToList(),
                (var value, _) => value,
            }),
        };
    }

    /// <summary><c>CrmRecordReference { entityType id record }</c>: a CRM link's value; <c>record</c> is loaded in batches.</summary>
    private IGraphType CrmRecordReferenceType() => types.GetOrAdd("CrmRecordReference", () =>
    {
        var type = new ObjectGraphType { Name = "CrmRecordReference", Description = "A link to a record of some CRM type." };
        type.AddField(new FieldType
        {
            Name = "entityType",
            ResolvedType = new NonNullGraphType(types.CrmEntityType),
            Resolver = new FuncFieldResolver<object?>(c => ((CrmRecordReference)c.Source!).EntityType),
        });
        type.AddField(SharedGraphTypes.Field<CrmRecordReference>("id", typeof(NonNullGraphType<IdGraphType>), r => r.Id.ToString(CultureInfo.InvariantCulture)));
        if (RecordFields.Create<CrmRecordReference>(types, registry, "record",
                "The linked record; null when it no longer exists, and null with a FORBIDDEN error when the caller may not read it.",
                reference => (reference.EntityType, reference.Id), UnreadableRecord.Forbidden) is { } record)
        {
            type.AddField(record);
        }

        return type;
    });
}
