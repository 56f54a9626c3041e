using Crm.PluginSdk.Entities;
using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>A record type's create and update inputs (<c>CreateDealInput</c>, <c>UpdateDealInput</c>): every writable field, custom fields included.</summary>
internal sealed class RecordInputFactory(SharedGraphTypes types, CustomFieldGraphTypes customTypes)
{
    public InputObjectGraphType Create(ICrmEntityDefinition definition, IReadOnlyDictionary<string, EntityField> fields, string name, bool forCreate)
    {
        var input = new InputObjectGraphType { Name = name, Description = forCreate ? $"A new {definition.Name}." : $"Changes to a {definition.Name}: only the fields given change." };
        foreach (var field in fields.Values.Where(f => f.Writable))
        {
            if (field.Custom is { } custom)
            {
                // Mandatory custom fields stay nullable here: a default may fill them, and the
                // binder names the field when one is missing.
                input.AddField(new FieldType { Name = field.Name, ResolvedType = customTypes.InputType(custom), Description = CustomFieldGraphTypes.Describe(custom) });
                continue;
            }

            IGraphType? resolved = field.Kind switch
            {
                FieldKind.ContactPoints => new ListGraphType(new NonNullGraphType(types.ContactPointInput(field.PointKind))),
                FieldKind.Address => types.AddressInput,
                _ => null,
            };
            var scalar = resolved is null ? RecordTypeFactory.ScalarType(field.Kind) : null;
            // A field that may also be given under its former name cannot be required by the type: the binder says it is missing.
            if (forCreate && field.Required && scalar is not null && field.FormerName is null)
            {
                scalar = typeof(NonNullGraphType<>).MakeGenericType(scalar);
            }

            FormerNameFields.AddFormerName(input, field, input.AddField(new FieldType { Name = field.Name, Type = scalar, ResolvedType = resolved, Description = field.Description }));
        }

        foreach (var extra in definition.InputOnlyFields)
        {
            input.AddField(extra.Type == InputOnlyFieldType.RecordReferenceList
                ? new FieldType { Name = extra.Name, ResolvedType = new ListGraphType(new NonNullGraphType(types.CrmRecordReferenceInput)), Description = extra.Description }
                : new FieldType { Name = extra.Name, Type = typeof(ListGraphType<NonNullGraphType<IdGraphType>>), Description = extra.Description });
        }

        return input;
    }
}
