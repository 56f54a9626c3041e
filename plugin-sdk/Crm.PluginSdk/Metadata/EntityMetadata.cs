using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Security;

namespace Crm.PluginSdk.Metadata;

/// <summary>A record type as a front end draws it, in one language: what <c>entityTypes</c> shows, before the caller's rights.</summary>
internal sealed record EntityTypeMetadata(
    ICrmEntityDefinition Definition,
    string Label,
    string PluralLabel,
    string ListField,
    string RecordField,
    string? CreateMutation,
    string? UpdateMutation,
    string? DeleteMutation,
    string TitleField,
    string? StageField,
    IReadOnlyList<EntityFieldMetadata> Fields,
    IReadOnlyList<EntityActionMetadata> Actions);

/// <summary>One field of a record type as a front end draws, filters and edits it.</summary>
internal sealed record EntityFieldMetadata(
    string Name,
    string Label,
    EntityFieldType Type,
    bool List,
    string? Reference,
    string? SelectionList,
    string? ObjectField,
    bool Filterable,
    bool Sortable,
    IReadOnlyList<string> Operators,
    bool Required,
    bool ReadOnly,
    bool Custom,
    string Group,
    string GroupLabel,
    bool ShowInList,
    string? Description,
    int? MaxLength,
    IReadOnlyList<CustomFieldItem> Options,
    IReadOnlyList<string>? RecordTypes);

internal sealed record EntityActionMetadata(PermissionAction Action, string Label);

/// <summary>A record type as the caller sees it: its metadata and whether each action is theirs.</summary>
internal sealed record EntityTypeView(EntityTypeMetadata Metadata, IReadOnlyList<EntityActionView> Actions);

internal sealed record EntityActionView(string Name, string Label, bool Allowed);

/// <summary>What a field holds, as a front end picks its editor and its cell: finer than <see cref="FieldKind"/>.</summary>
public enum EntityFieldType
{
    String,
    Text,
    Int,
    Decimal,
    Money,
    Boolean,
    Date,
    DateTime,

    /// <summary>The record's own id, or an id of something that is not a record type.</summary>
    Id,

    /// <summary>A user's id; the user is shown by the field's <c>objectField</c>.</summary>
    User,

    /// <summary>The id of a record of the field's <c>reference</c> type.</summary>
    Reference,

    /// <summary>An item of a selection list (<c>selectionList</c>).</summary>
    List,

    /// <summary>A custom field's choice, from its <c>options</c>.</summary>
    Enumeration,

    /// <summary>Phones, e-mails, web sites or messengers: <c>[{ value valueType }]</c>.</summary>
    ContactPoints,
    Address,

    /// <summary>A link to a record of any type: <c>{ entityType id }</c>.</summary>
    RecordReference,
    Url,
    Email,
    Phone,

    /// <summary>An ISO 4217 currency code (a deal's <c>currencyId</c>), declared by <see cref="Entities.FieldBuilder.Currency"/>: offered from <c>currencies</c>.</summary>
    Currency,
}
