using System.Collections.Concurrent;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Security;
using GraphQL.Types;

namespace Crm.PluginSdk.Metadata;

/// <summary>
/// The record types of one composed schema as front ends draw them, built once per language and
/// kept with the schema: a new custom field or plugin composes a new schema, and with it a new
/// catalog. Only the languages some label is declared in are built (any other is English), so
/// the cache holds a few entries whatever callers ask for.
/// </summary>
internal sealed class EntityMetadataCatalog
{
    private readonly IReadOnlyList<ICrmEntityDefinition> _definitions;
    private readonly CustomFieldSnapshot _customFields;
    private readonly IObjectGraphType _mutation;
    private readonly Func<string, bool> _isSchemaType;
    private readonly ConcurrentDictionary<string, IReadOnlyList<EntityTypeMetadata>> _byLanguage = new(StringComparer.Ordinal);

    public EntityMetadataCatalog(IReadOnlyList<ICrmEntityDefinition> definitions, CustomFieldSnapshot customFields, IObjectGraphType mutation, Func<string, bool> isSchemaType)
    {
        _definitions = definitions;
        _customFields = customFields;
        _mutation = mutation;
        _isSchemaType = isSchemaType;
        Languages = definitions
            .SelectMany(d => d.Labels.Singular.Texts.Keys
                .Concat(d.Labels.Plural.Texts.Keys)
                .Concat(d.Labels.Actions.Values.SelectMany(a => a.Texts.Keys))
                .Concat(d.FieldsFor(customFields).Values.SelectMany(f => f.Labels.Texts.Keys)))
            .Concat(FieldGroups.Languages)
            .Append(Labels.English)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The languages some label is declared in; English always.</summary>
    public IReadOnlySet<string> Languages { get; }

    /// <summary>
    /// The language labels are given in for <paramref name="asked"/>: itself when some label is in
    /// it, else its primary language (<c>pl</c> for <c>pl-PL</c>) when one is, else English.
    /// </summary>
    public string Resolve(string? asked)
    {
        if (string.IsNullOrWhiteSpace(asked))
        {
            return Labels.English;
        }

        var code = asked.Trim().ToLowerInvariant().Replace('_', '-');
        if (Languages.Contains(code))
        {
            return code;
        }

        var dash = code.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && Languages.Contains(code[..dash]) ? code[..dash] : Labels.English;
    }

    /// <summary>Every type in <paramref name="language"/> (one of <see cref="Languages"/>), in registration order.</summary>
    public IReadOnlyList<EntityTypeMetadata> In(string language) =>
        _byLanguage.GetOrAdd(Languages.Contains(language) ? language : Labels.English, Build);

    private IReadOnlyList<EntityTypeMetadata> Build(string language) =>
        _definitions.Select(d => Describe(d, language)).ToList();

    private EntityTypeMetadata Describe(ICrmEntityDefinition definition, string language)
    {
        var fields = definition.FieldsFor(_customFields).Values.ToList();
        var titleFields = definition.TitleFields;
        var anyListed = fields.Any(f => f.ShowInList);
        string? Mutation(string name) => _mutation.HasField(name) ? name : null;
        return new EntityTypeMetadata(
            definition,
            definition.Labels.Singular.In(language, definition.GraphTypeName),
            definition.Labels.Plural.In(language, definition.PluralName),
            definition.PluralName,
            definition.Name,
            Mutation("create" + definition.GraphTypeName),
            Mutation("update" + definition.GraphTypeName),
            Mutation("delete" + definition.GraphTypeName),
            titleFields.Count > 0 ? titleFields[0].Name : "id",
            fields.FirstOrDefault(f => f.IsStage)?.Name,
            fields.Select(f => Describe(f, language, anyListed ? f.ShowInList : titleFields.Contains(f))).ToList(),
            definition.PermissionActions.Select(a => new EntityActionMetadata(a.Action, definition.Labels.Actions.TryGetValue(a.Action, out var labels)
                ? labels.In(language, a.Action.Name)
                : Labels.Readable(a.Action.Name))).ToList());
    }

    private EntityFieldMetadata Describe(EntityField field, string language, bool showInList) => new(
        field.Name,
        field.Labels.In(language, field.Name),
        TypeOf(field),
        field.Kind == FieldKind.ContactPoints || field.Custom is { Multiple: true },
        field.ReferenceType is { } reference && _isSchemaType(reference) ? reference : null,
        field.ListFamily,
        field.ReferenceField ?? field.ListField ?? field.UserField,
        field.Filterable,
        field.Sortable,
        field.Filterable ? FilterCompiler.OperatorsFor(field.Kind) : [],
        field.Required,
        !field.Writable,
        field.Custom is not null,
        field.Group,
        FieldGroups.Label(field.Group, language),
        showInList,
        field.Description,
        field.MaxLength ?? field.Custom?.Settings.MaxLength,
        field.Custom?.Items ?? [],
        // Only the types this schema has: a plugin's type unloaded since the field was made cannot be linked to anyway.
        field.Custom is { Type: CustomFieldType.Crm, Settings.RecordTypes.Count: > 0 } link ? link.Settings.RecordTypes.Where(_isSchemaType).ToList() : null);

    private static EntityFieldType TypeOf(EntityField field)
    {
        if (field.Custom is { } custom)
        {
            return custom.Type switch
            {
                CustomFieldType.String => EntityFieldType.String,
                CustomFieldType.Text => EntityFieldType.Text,
                CustomFieldType.Integer => EntityFieldType.Int,
                CustomFieldType.Number => EntityFieldType.Decimal,
                CustomFieldType.Money => EntityFieldType.Money,
                CustomFieldType.Boolean => EntityFieldType.Boolean,
                CustomFieldType.Date => EntityFieldType.Date,
                CustomFieldType.DateTime => EntityFieldType.DateTime,
                CustomFieldType.Enumeration => EntityFieldType.Enumeration,
                CustomFieldType.Url => EntityFieldType.Url,
                CustomFieldType.Email => EntityFieldType.Email,
                CustomFieldType.Phone => EntityFieldType.Phone,
                CustomFieldType.Employee => EntityFieldType.User,
                CustomFieldType.Crm => EntityFieldType.RecordReference,
                CustomFieldType.Address => EntityFieldType.Address,
                _ => EntityFieldType.String,
            };
        }

        return field.Kind switch
        {
            FieldKind.String when field.ListFamily is not null => EntityFieldType.List,
            FieldKind.String when field.IsCurrency => EntityFieldType.Currency,
            // Longer than a line: a text area, not a text box.
            FieldKind.String => field.MaxLength is null or > 255 ? EntityFieldType.Text : EntityFieldType.String,
            FieldKind.Int or FieldKind.Long => EntityFieldType.Int,
            FieldKind.Decimal => EntityFieldType.Decimal,
            FieldKind.Boolean => EntityFieldType.Boolean,
            FieldKind.Date => EntityFieldType.Date,
            FieldKind.DateTime => EntityFieldType.DateTime,
            FieldKind.Id when field.ReferenceType is not null => EntityFieldType.Reference,
            FieldKind.Id when field.UserField is not null => EntityFieldType.User,
            FieldKind.Id => EntityFieldType.Id,
            FieldKind.ContactPoints => EntityFieldType.ContactPoints,
            FieldKind.Address => EntityFieldType.Address,
            FieldKind.RecordReference => EntityFieldType.RecordReference,
            _ => EntityFieldType.String,
        };
    }

    /// <summary>
    /// The types the actor may read, each with whether each of its actions is theirs: from the
    /// same rights <c>me.permissions</c> lists. A type whose rights follow its bound records
    /// (activities) is the signed-in caller's, each record deciding for itself.
    /// </summary>
    public static IReadOnlyList<EntityTypeView> Visible(IEnumerable<EntityTypeMetadata> types, ICurrentActor actor)
    {
        var rights = actor.Rights;
        var views = new List<EntityTypeView>();
        foreach (var type in types)
        {
            var definition = type.Definition;
            bool Allowed(PermissionAction action) => definition.BindsToOthers
                ? actor.IsAuthenticated
                : !AccessFilter.ReachesNone(rights, definition.Name, action);
            if (!Allowed(PermissionAction.Read))
            {
                continue;
            }

            views.Add(new EntityTypeView(type, type.Actions.Select(a => new EntityActionView(a.Action.Name, a.Label, Allowed(a.Action))).ToList()));
        }

        return views;
    }
}
