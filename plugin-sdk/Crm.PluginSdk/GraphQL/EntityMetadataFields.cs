using Crm.PluginSdk.Metadata;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// <c>entityTypes</c> and <c>entityTypeInfo</c>: every record type the caller may read, with its
/// fields (built-in and custom), actions and labels in the caller's language, so that a front
/// end draws lists, forms and boards for any type, a plugin's included, from the API alone.
/// </summary>
internal static class EntityMetadataFields
{
    public static void Add(SchemaComposer composer, EntityMetadataCatalog catalog)
    {
        var typeInfo = TypeInfo(composer);
        var language = new QueryArgument<StringGraphType>
        {
            Name = "language",
            Description = $"The labels' language (en, pl ...); by default the caller's (me.language). A language no label is in gives English. At most {Labels.MaxLanguageLength} characters.",
        };
        composer.Query.AddField(new FieldType
        {
            Name = "entityTypes",
            Description = "Every record type the caller may read, with its fields and actions, labelled in the caller's language (or 'language').",
            ResolvedType = SchemaComposer.NonNullList(typeInfo),
            Arguments = new QueryArguments(language),
            Resolver = new FuncFieldResolver<object?>(async c =>
                EntityMetadataCatalog.Visible(catalog.In(await LanguageAsync(c, catalog)), Actor(c))),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "entityTypeInfo",
            Description = "One record type as entityTypes shows it; null when the caller may not read it.",
            ResolvedType = typeInfo,
            Arguments = new QueryArguments(
                new QueryArgument(new NonNullGraphType(composer.Types.CrmEntityType)) { Name = "name" },
                new QueryArgument<StringGraphType> { Name = language.Name, Description = language.Description }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var name = c.GetArgument<string>("name");
                var types = catalog.In(await LanguageAsync(c, catalog)).Where(t => t.Definition.Name == name);
                return EntityMetadataCatalog.Visible(types, Actor(c)).FirstOrDefault();
            }),
        });
    }

    private static ICurrentActor Actor(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<ICurrentActor>();

    /// <summary>The argument, else the caller's language, else English; resolved to one the labels are in.</summary>
    private static async Task<string> LanguageAsync(IResolveFieldContext context, EntityMetadataCatalog catalog)
    {
        var asked = context.GetArgument<string?>("language");
        if (asked is not null)
        {
            return asked.Length <= Labels.MaxLanguageLength
                ? catalog.Resolve(asked)
                : throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'language' has at most {Labels.MaxLanguageLength} characters.");
        }

        var services = context.RequestServices!;
        return services.GetRequiredService<ICurrentActor>().UserId is { } userId && services.GetService<IUserDirectory>() is { } directory
            ? catalog.Resolve(await directory.LanguageOfAsync(userId, context.CancellationToken))
            : Labels.English;
    }

    private static ObjectGraphType TypeInfo(SchemaComposer composer)
    {
        var fieldType = new EnumerationGraphType { Name = "EntityFieldType", Description = "What a field holds, for choosing its editor and cell." };
        foreach (var value in Enum.GetValues<EntityFieldType>())
        {
            // DATETIME as the custom field types spell it; CONTACT_POINTS, RECORD_REFERENCE.
            var name = value == EntityFieldType.DateTime ? "DATETIME" : Data.ModelConventions.ToSnakeCase(value.ToString()).ToUpperInvariant();
            fieldType.Add(name, value);
        }

        var option = new ObjectGraphType { Name = "EntityFieldOption", Description = "A choice of an enumeration custom field." };
        option.AddField(SharedGraphTypes.Field<CustomFields.CustomFieldItem>("id", typeof(NonNullGraphType<IdGraphType>), i => i.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        option.AddField(SharedGraphTypes.Field<CustomFields.CustomFieldItem>("value", typeof(NonNullGraphType<StringGraphType>), i => i.Value));
        option.AddField(SharedGraphTypes.Field<CustomFields.CustomFieldItem>("isDefault", typeof(NonNullGraphType<BooleanGraphType>), i => i.IsDefault));

        var field = new ObjectGraphType { Name = "EntityFieldInfo", Description = "A field of a record type, built-in or custom, as a front end shows, filters and edits it." };
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("name", typeof(NonNullGraphType<StringGraphType>), f => f.Name, "The API name (ufCrmBudget for a custom field)."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("label", typeof(NonNullGraphType<StringGraphType>), f => f.Label));
        field.AddField(new FieldType { Name = "type", ResolvedType = new NonNullGraphType(fieldType), Resolver = new FuncFieldResolver<object?>(c => ((EntityFieldMetadata)c.Source!).Type) });
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("list", typeof(NonNullGraphType<BooleanGraphType>), f => f.List, "Several values per record."));
        field.AddField(new FieldType
        {
            Name = "reference",
            ResolvedType = composer.Types.CrmEntityType,
            Description = "For REFERENCE: the type of the record the id names.",
            Resolver = new FuncFieldResolver<object?>(c => ((EntityFieldMetadata)c.Source!).Reference),
        });
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("selectionList", typeof(StringGraphType), f => f.SelectionList,
            "For LIST: the selection list, or the family of lists (DEAL_STAGE: each pipeline's DEAL_STAGE_n), whose items the field takes."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("objectField", typeof(StringGraphType), f => f.ObjectField,
            "The field of the record type that shows what the id names: the record (company), the list item (stageItem) or the user (assignedBy)."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("filterable", typeof(NonNullGraphType<BooleanGraphType>), f => f.Filterable, "In the list's 'where'."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("sortable", typeof(NonNullGraphType<BooleanGraphType>), f => f.Sortable, "In the list's 'order'."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("operators", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>), f => f.Operators,
            "The operators 'where' takes on the field (eq, in, contains, gte ...; some and none for phones and e-mails); empty when it is not filterable."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("required", typeof(NonNullGraphType<BooleanGraphType>), f => f.Required, "A create must give a value."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("readOnly", typeof(NonNullGraphType<BooleanGraphType>), f => f.ReadOnly, "Not in the create and update inputs."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("custom", typeof(NonNullGraphType<BooleanGraphType>), f => f.Custom, "An admin's custom field."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("group", typeof(NonNullGraphType<StringGraphType>), f => f.Group, "Where a record page shows it: main, contact, custom, system or a module's own group."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("groupLabel", typeof(NonNullGraphType<StringGraphType>), f => f.GroupLabel, "The group's label."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("showInList", typeof(NonNullGraphType<BooleanGraphType>), f => f.ShowInList, "A default column of lists."));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("description", typeof(StringGraphType), f => f.Description));
        field.AddField(SharedGraphTypes.Field<EntityFieldMetadata>("maxLength", typeof(IntGraphType), f => f.MaxLength, "The longest text a write may give, when bounded."));
        field.AddField(new FieldType
        {
            Name = "options",
            ResolvedType = SchemaComposer.NonNullList(option),
            Description = "For ENUMERATION: the choices, in order.",
            Resolver = new FuncFieldResolver<object?>(c => ((EntityFieldMetadata)c.Source!).Options),
        });
        field.AddField(new FieldType
        {
            Name = "recordTypes",
            ResolvedType = new ListGraphType(new NonNullGraphType(composer.Types.CrmEntityType)),
            Description = "For RECORD_REFERENCE: the record types a link may name (the field's settings.recordTypes); null when it may name any type. "
                + "Empty when none of its types is loaded any more.",
            Resolver = new FuncFieldResolver<object?>(c => ((EntityFieldMetadata)c.Source!).RecordTypes),
        });

        var action = new ObjectGraphType { Name = "EntityActionInfo", Description = "A permission action of a record type, and whether the caller's roles give it to them at some level." };
        action.AddField(SharedGraphTypes.Field<EntityActionView>("name", typeof(NonNullGraphType<StringGraphType>), a => a.Name, "READ, ADD, UPDATE, DELETE, EXPORT, IMPORT or the type's own (ACCEPT)."));
        action.AddField(SharedGraphTypes.Field<EntityActionView>("label", typeof(NonNullGraphType<StringGraphType>), a => a.Label));
        action.AddField(SharedGraphTypes.Field<EntityActionView>("allowed", typeof(NonNullGraphType<BooleanGraphType>), a => a.Allowed,
            "The caller has the action on some records of the type (a level above NONE, in some partition); each record may still refuse it."));

        var type = new ObjectGraphType { Name = "EntityTypeInfo", Description = "A record type as a front end draws it: its names in the API, its fields and its actions, labelled." };
        type.AddField(new FieldType
        {
            Name = "name",
            ResolvedType = new NonNullGraphType(composer.Types.CrmEntityType),
            Resolver = new FuncFieldResolver<object?>(c => ((EntityTypeView)c.Source!).Metadata.Definition.Name),
        });
        type.AddField(Meta("graphQLType", typeof(NonNullGraphType<StringGraphType>), m => m.Definition.GraphTypeName, "The GraphQL type of its records (Deal)."));
        type.AddField(Meta("label", typeof(NonNullGraphType<StringGraphType>), m => m.Label, "One record (Deal, Kontakt)."));
        type.AddField(Meta("pluralLabel", typeof(NonNullGraphType<StringGraphType>), m => m.PluralLabel, "Many records (Deals, Kontakty)."));
        type.AddField(Meta("listField", typeof(NonNullGraphType<StringGraphType>), m => m.ListField, "The root field listing the records (where, order, first, after ...)."));
        type.AddField(Meta("recordField", typeof(NonNullGraphType<StringGraphType>), m => m.RecordField, "The root field reading one record by id."));
        type.AddField(Meta("searchable", typeof(NonNullGraphType<BooleanGraphType>), m => m.Definition.Searchable, "The list field takes 'search'."));
        type.AddField(Meta("createMutation", typeof(StringGraphType), m => m.CreateMutation));
        type.AddField(Meta("updateMutation", typeof(StringGraphType), m => m.UpdateMutation));
        type.AddField(Meta("deleteMutation", typeof(StringGraphType), m => m.DeleteMutation));
        type.AddField(Meta("titleField", typeof(NonNullGraphType<StringGraphType>), m => m.TitleField, "The field a link to a record shows (the first of its title's fields)."));
        type.AddField(Meta("stageField", typeof(StringGraphType), m => m.StageField, "The list field a board groups the records by (a deal's stageId); null when the type has no board."));
        type.AddField(Meta("permissionPartitions", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>), m => m.Definition.PermissionPartitionFields,
            "The fields roles may give this type's rights by, coarsest first (deals: pipelineId, stageId; a partition is their values joined by '/'); empty for most types."));
        type.AddField(Meta("customFields", typeof(NonNullGraphType<BooleanGraphType>), m => m.Definition.SupportsCustomFields, "Admins may add custom fields to the type."));
        type.AddField(new FieldType
        {
            Name = "fields",
            ResolvedType = SchemaComposer.NonNullList(field),
            Description = "Built-in fields in their declared order, then custom fields by their sort.",
            Resolver = new FuncFieldResolver<object?>(c => ((EntityTypeView)c.Source!).Metadata.Fields),
        });
        type.AddField(new FieldType
        {
            Name = "actions",
            ResolvedType = SchemaComposer.NonNullList(action),
            Description = "The standard actions, then the type's own, each with whether the caller has it.",
            Resolver = new FuncFieldResolver<object?>(c => ((EntityTypeView)c.Source!).Actions),
        });
        return type;
    }

    private static FieldType Meta(string name, Type type, Func<EntityTypeMetadata, object?> resolve, string? description = null) =>
        SharedGraphTypes.Field<EntityTypeView>(name, type, v => resolve(v.Metadata), description);
}
