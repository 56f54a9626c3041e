using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.CustomFields.Domain;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.CustomFields.Schema;

/// <summary>
/// <c>customFields</c>, <c>customField</c> and the mutations admins manage definitions with. The
/// fields themselves appear on their record types through the SDK, not here.
/// </summary>
public sealed class CustomFieldsSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var types = composer.Types;
        var fieldType = new EnumerationGraphType { Name = "CustomFieldType", Description = "The kinds of value a custom field holds." };
        foreach (var value in Enum.GetValues<CustomFieldType>())
        {
            fieldType.Add(value.ToString().ToUpperInvariant(), value);
        }

        var label = new ObjectGraphType { Name = "CustomFieldLabel", Description = "A field's label in one language." };
        label.AddField(SharedGraphTypes.Field<CustomFieldLabel>("language", typeof(NonNullGraphType<StringGraphType>), l => l.Language));
        label.AddField(SharedGraphTypes.Field<CustomFieldLabel>("text", typeof(NonNullGraphType<StringGraphType>), l => l.Text));

        var settings = new ObjectGraphType { Name = "CustomFieldSettings", Description = "What the field's values are limited to." };
        settings.AddField(SharedGraphTypes.Field<CustomFieldSettings>("maxLength", typeof(IntGraphType), s => s.MaxLength, "Longest text (STRING, TEXT, URL, EMAIL, PHONE); 255 (TEXT: 65535) when not set."));
        settings.AddField(SharedGraphTypes.Field<CustomFieldSettings>("min", typeof(DecimalGraphType), s => s.Min, "Smallest value (INTEGER, NUMBER, MONEY)."));
        settings.AddField(SharedGraphTypes.Field<CustomFieldSettings>("max", typeof(DecimalGraphType), s => s.Max, "Largest value (INTEGER, NUMBER, MONEY)."));
        settings.AddField(SharedGraphTypes.Field<CustomFieldSettings>("precision", typeof(IntGraphType), s => s.Precision, "Decimal places (NUMBER: 4, MONEY: 2 when not set)."));
        settings.AddField(SharedGraphTypes.Field<CustomFieldSettings>("pattern", typeof(StringGraphType), s => s.Pattern, "A .NET regular expression every value must match (STRING, TEXT)."));
        settings.AddField(new FieldType
        {
            Name = "recordTypes",
            Description = "The record types a CRM field links to; any when empty.",
            ResolvedType = SchemaComposer.NonNullList(types.CrmEntityType),
            Resolver = new FuncFieldResolver<object?>(c => ((CustomFieldSettings)c.Source!).RecordTypes),
        });

        var field = new ObjectGraphType { Name = "CustomField", Description = "An admin-defined field of a record type." };
        field.AddField(SharedGraphTypes.Field<CustomFieldSpec>("id", typeof(NonNullGraphType<IdGraphType>), f => f.Id.ToString(CultureInfo.InvariantCulture)));
        field.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(types.CrmEntityType), Resolver = new FuncFieldResolver<object?>(c => ((CustomFieldSpec)c.Source!).EntityType) });
        field.AddField(SharedGraphTypes.Field<CustomFieldSpec>("code", typeof(NonNullGraphType<StringGraphType>), f => f.Code, "UF_CRM_...; never changes."));
        field.AddField(SharedGraphTypes.Field<CustomFieldSpec>("fieldName", typeof(NonNullGraphType<StringGraphType>), f => f.FieldName, "The field's name on its record type in GraphQL (UF_CRM_BUDGET: ufCrmBudget)."));
        field.AddField(new FieldType { Name = "type", ResolvedType = new NonNullGraphType(fieldType), Resolver = new FuncFieldResolver<object?>(c => ((CustomFieldSpec)c.Source!).Type) });
        field.AddField(SharedGraphTypes.Field<CustomFieldSpec>("label", typeof(NonNullGraphType<StringGraphType>), f => f.Label, "The default label."));
        field.AddField(new FieldType { Name = "labels", ResolvedType = SchemaComposer.NonNullList(label), Resolver = new FuncFieldResolver<object?>(c => ((CustomFieldSpec)c.Source!).Labels), Description = "Labels per language." });
        field.AddField(SharedGraphTypes.Field<CustomFieldSpec>("mandatory", typeof(NonNullGraphType<BooleanGraphType>), f => f.Mandatory, "A create must give a value (or the default does); an update cannot empty it."));
        field.AddField(SharedGraphTypes.Field<CustomFieldSpec>("multiple", typeof(NonNullGraphType<BooleanGraphType>), f => f.Multiple));
        field.AddField(SharedGraphTypes.Field<CustomFieldSpec>("filterable", typeof(NonNullGraphType<BooleanGraphType>), f => f.Filterable, "In the record type's 'where' and 'order' inputs, with an index."));
        field.AddField(SharedGraphTypes.Field<CustomFieldSpec>("showInList", typeof(NonNullGraphType<BooleanGraphType>), f => f.ShowInList, "A hint for front ends: show it as a list column."));
        field.AddField(SharedGraphTypes.Field<CustomFieldSpec>("sort", typeof(NonNullGraphType<IntGraphType>), f => f.Sort));
        field.AddField(SharedGraphTypes.Field<CustomFieldSpec>("defaultValue", typeof(StringGraphType), f => DefaultText(f.DefaultValue),
            "The value a new record gets when none is given, as text (JSON for lists); an ENUMERATION field's default is its items' isDefault."));
        field.AddField(new FieldType { Name = "settings", ResolvedType = new NonNullGraphType(settings), Resolver = new FuncFieldResolver<object?>(c => ((CustomFieldSpec)c.Source!).Settings) });
        field.AddField(new FieldType { Name = "items", ResolvedType = SchemaComposer.NonNullList(types.CustomFieldItem), Resolver = new FuncFieldResolver<object?>(c => ((CustomFieldSpec)c.Source!).Items), Description = "The choices of an ENUMERATION field." });

        var labelInput = new InputObjectGraphType { Name = "CustomFieldLabelInput", Description = "A label in one language." };
        labelInput.AddField(new FieldType { Name = "language", Type = typeof(NonNullGraphType<StringGraphType>), Description = "e.g. en, de, pt-br." });
        labelInput.AddField(new FieldType { Name = "text", Type = typeof(NonNullGraphType<StringGraphType>) });

        var settingsInput = new InputObjectGraphType { Name = "CustomFieldSettingsInput", Description = "Limits of the values; give only those that apply to the type." };
        settingsInput.AddField(new FieldType { Name = "maxLength", Type = typeof(IntGraphType) });
        settingsInput.AddField(new FieldType { Name = "min", Type = typeof(DecimalGraphType) });
        settingsInput.AddField(new FieldType { Name = "max", Type = typeof(DecimalGraphType) });
        settingsInput.AddField(new FieldType { Name = "precision", Type = typeof(IntGraphType) });
        settingsInput.AddField(new FieldType { Name = "pattern", Type = typeof(StringGraphType) });
        settingsInput.AddField(new FieldType { Name = "recordTypes", ResolvedType = new ListGraphType(new NonNullGraphType(types.CrmEntityType)) });

        var itemInput = new InputObjectGraphType { Name = "CustomFieldItemInput", Description = "An enumeration item; without an id it is a new one." };
        itemInput.AddField(new FieldType { Name = "id", Type = typeof(IdGraphType), Description = "An existing item's id, to keep it (and the records that hold it)." });
        itemInput.AddField(new FieldType { Name = "value", Type = typeof(NonNullGraphType<StringGraphType>) });
        itemInput.AddField(new FieldType { Name = "sort", Type = typeof(IntGraphType) });
        itemInput.AddField(new FieldType { Name = "isDefault", Type = typeof(BooleanGraphType) });

        var createInput = new InputObjectGraphType { Name = "CreateCustomFieldInput", Description = "A new custom field." };
        createInput.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(types.CrmEntityType) });
        createInput.AddField(new FieldType { Name = "code", Type = typeof(NonNullGraphType<StringGraphType>), Description = "UF_CRM_ and upper-case letters, digits, underscores; unique per record type." });
        createInput.AddField(new FieldType { Name = "type", ResolvedType = new NonNullGraphType(fieldType) });
        var updateInput = new InputObjectGraphType { Name = "UpdateCustomFieldInput", Description = "Changes to a custom field; left out, a setting keeps its value. The code, record type and 'multiple' never change." };
        updateInput.AddField(new FieldType { Name = "type", ResolvedType = fieldType, Description = "Only INTEGER to NUMBER and STRING to TEXT." });
        foreach (var input in new[] { createInput, updateInput })
        {
            input.AddField(new FieldType { Name = "label", Type = input == createInput ? typeof(NonNullGraphType<StringGraphType>) : typeof(StringGraphType) });
            input.AddField(new FieldType { Name = "labels", ResolvedType = new ListGraphType(new NonNullGraphType(labelInput)) });
            input.AddField(new FieldType { Name = "mandatory", Type = typeof(BooleanGraphType) });
            if (input == createInput)
            {
                input.AddField(new FieldType { Name = "multiple", Type = typeof(BooleanGraphType), Description = "Several values per record (not for BOOLEAN); cannot change later." });
            }

            input.AddField(new FieldType { Name = "filterable", Type = typeof(BooleanGraphType), Description = "true when left out on create." });
            input.AddField(new FieldType { Name = "showInList", Type = typeof(BooleanGraphType), Description = "true when left out on create." });
            input.AddField(new FieldType { Name = "sort", Type = typeof(IntGraphType) });
            input.AddField(new FieldType { Name = "defaultValue", Type = typeof(StringGraphType), Description = "As text: 12, 1.5, true, 2026-01-31, 2026-01-31T09:00:00Z or the text itself." });
            input.AddField(new FieldType { Name = "settings", ResolvedType = settingsInput });
            input.AddField(new FieldType { Name = "items", ResolvedType = new ListGraphType(new NonNullGraphType(itemInput)), Description = "ENUMERATION only; on update the whole new list." });
        }

        var errors = SchemaComposer.NonNullList(types.UserError);
        var payload = new ObjectGraphType { Name = "CustomFieldPayload", Description = "The field as saved, or why not." };
        payload.AddField(new FieldType { Name = "customField", ResolvedType = field, Resolver = new FuncFieldResolver<object?>(c => ((CustomFieldPayload)c.Source!).Field) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((CustomFieldPayload)c.Source!).Errors) });

        var deletePayload = new ObjectGraphType { Name = "DeleteCustomFieldPayload", Description = "The outcome of deleting a custom field." };
        deletePayload.AddField(SharedGraphTypes.Field<DeleteCustomFieldPayload>("deletedId", typeof(IdGraphType), p => p.DeletedId?.ToString(CultureInfo.InvariantCulture)));
        deletePayload.AddField(SharedGraphTypes.Field<DeleteCustomFieldPayload>("clearedRecords", typeof(NonNullGraphType<IntGraphType>), p => p.ClearedRecords,
            "How many records held a value: removed when deleted, or that would be when refused for want of confirmDataLoss."));
        deletePayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((DeleteCustomFieldPayload)c.Source!).Errors) });

        var reorderPayload = new ObjectGraphType { Name = "ReorderCustomFieldsPayload", Description = "The fields in their new order, or why not." };
        reorderPayload.AddField(new FieldType { Name = "customFields", ResolvedType = SchemaComposer.NonNullList(field), Resolver = new FuncFieldResolver<object?>(c => ((ReorderCustomFieldsPayload)c.Source!).Fields) });
        reorderPayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((ReorderCustomFieldsPayload)c.Source!).Errors) });

        composer.Query.AddField(new FieldType
        {
            Name = "customFields",
            Description = "The custom fields of a record type (of every type when left out), in their order.",
            ResolvedType = SchemaComposer.NonNullList(field),
            Arguments = new QueryArguments(new QueryArgument(types.CrmEntityType) { Name = "entityType" }),
            Resolver = new FuncFieldResolver<object?>(c =>
            {
                // The definitions this request's schema was composed with, so that both agree.
                var snapshot = CustomFieldScope.Of(c.RequestServices!);
                return c.GetArgument<string?>("entityType") is { } entityType
                    ? snapshot.For(entityType)
                    : snapshot.All.OrderBy(f => f.EntityType, StringComparer.Ordinal).ThenBy(f => f.Sort).ToList();
            }),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "customField",
            Description = "One custom field by id.",
            ResolvedType = field,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(c =>
            {
                var id = RecordIds.Parse(c.GetArgument<object>("id"), "id", "custom field");
                return CustomFieldScope.Of(c.RequestServices!).All.FirstOrDefault(f => f.Id == id)
                    ?? throw Refusals.NotFoundError("custom field", id);
            }),
        });

        composer.Mutation.AddField(new FieldType
        {
            Name = "createCustomField",
            Description = "Adds a field to a record type. The next request sees it in the record type, its inputs, 'where' and 'order'.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(createInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await Editor(c).CreateAsync(c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "updateCustomField",
            Description = "Changes a field's label, rules, items or (widening only) type.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(updateInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                RecordIds.TryParse(c.GetArgument<object>("id"), out var id)
                    ? await Editor(c).UpdateAsync(id, c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)
                    : new CustomFieldPayload(null, [RecordIds.Invalid(c.GetArgument<object>("id"), "custom field", "id")])),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "deleteCustomField",
            Description = "Deletes a field. When records hold values of it, they are deleted too, and only with confirmDataLoss: true.",
            ResolvedType = new NonNullGraphType(deletePayload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument<BooleanGraphType> { Name = "confirmDataLoss", DefaultValue = false }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                RecordIds.TryParse(c.GetArgument<object>("id"), out var id)
                    ? await Editor(c).DeleteAsync(id, c.GetArgument<bool>("confirmDataLoss"), c.CancellationToken)
                    : new DeleteCustomFieldPayload(null, 0, [RecordIds.Invalid(c.GetArgument<object>("id"), "custom field", "id")])),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "reorderCustomFields",
            Description = "Puts a record type's custom fields in the given order (every field id, once).",
            ResolvedType = new NonNullGraphType(reorderPayload),
            Arguments = new QueryArguments(
                new QueryArgument(new NonNullGraphType(types.CrmEntityType)) { Name = "entityType" },
                new QueryArgument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>> { Name = "ids" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var ids = new List<long>();
                foreach (var value in c.GetArgument<List<object>>("ids"))
                {
                    if (!RecordIds.TryParse(value, out var id))
                    {
                        return new ReorderCustomFieldsPayload([], [RecordIds.Invalid(value, "custom field", "ids")]);
                    }

                    ids.Add(id);
                }

                return await Editor(c).ReorderAsync(c.GetArgument<string>("entityType"), ids, c.CancellationToken);
            }),
        });
    }

    private static string? DefaultText(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString();

    private static CustomFieldEditor Editor(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<CustomFieldEditor>();
}
