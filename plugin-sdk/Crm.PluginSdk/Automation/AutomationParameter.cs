using System.Text.Json.Nodes;

namespace Crm.PluginSdk.Automation;

/// <summary>The type of a trigger's or action's parameter: what an editor shows for it and what <see cref="ParameterValidator"/> accepts.</summary>
public enum ParameterType
{
    /// <summary>One line of text (at most <see cref="AutomationParameter.MaxLength"/>, 255 by default).</summary>
    String,

    /// <summary>Text of several lines (at most <see cref="AutomationParameter.MaxLength"/>, 10,000 by default).</summary>
    Text,

    /// <summary>A whole number (within <see cref="AutomationParameter.Minimum"/> and <see cref="AutomationParameter.Maximum"/> when given).</summary>
    Integer,

    /// <summary>A number.</summary>
    Decimal,

    Boolean,

    /// <summary>An ISO 8601 date and time with its offset (<c>2026-05-01T09:00:00Z</c>).</summary>
    DateTime,

    /// <summary>An ISO 8601 duration (<c>PT30M</c>, <c>P3D</c>), positive, at most <see cref="ParameterValidator.MaxDuration"/>.</summary>
    Duration,

    /// <summary>A registered record type by its registry name (<c>deal</c>) or its <c>CrmEntityType</c> name (<c>DEAL</c>).</summary>
    EntityType,

    /// <summary>The public name of a field of the rule's record type (custom fields included).</summary>
    Field,

    /// <summary>
    /// A JSON object of field values (<c>{ "title": "x", "ufCrmBudget": 5 }</c>) for the rule's record
    /// type, or for the type another parameter names (<see cref="AutomationParameter.RecordTypeFrom"/>),
    /// checked by the record type's own binder: types, lengths, ranges, list items, references.
    /// </summary>
    FieldValues,

    /// <summary>An active user's id.</summary>
    User,

    /// <summary>An item of the stage or status list of the rule's record type (its <c>stageId</c> or <c>statusId</c> field).</summary>
    Stage,

    /// <summary>A record of any registered type: <c>{ "entityType": "deal", "id": 5 }</c>; the record need not exist yet.</summary>
    RecordReference,

    /// <summary>An absolute <c>http</c> or <c>https</c> address (at most 2,000 characters).</summary>
    Url,

    /// <summary>A JSON array of strings (at most <see cref="AutomationParameter.MaxItems"/>, 100 by default, each as <see cref="String"/>).</summary>
    StringList,

    /// <summary>
    /// A JSON array of users' ids, each once (at most <see cref="AutomationParameter.MaxItems"/>, 100 by
    /// default), every one an existing user; a disabled one is taken (the kind decides what to do with it).
    /// </summary>
    UserList,

    /// <summary>
    /// An existing department's id. A saved rule or process naming one keeps it: <c>deleteDepartment</c>
    /// is refused (<c>IN_USE</c>, naming them) while a draft or active version names it.
    /// </summary>
    Department,

    /// <summary>An existing role's id, kept as <see cref="Department"/> keeps its department (<c>deleteRole</c> refused while named).</summary>
    Role,
}

/// <summary>
/// One parameter of a trigger or action kind, as the catalog lists it and the validator checks it.
/// Every parameter is bounded: text by <see cref="MaxLength"/>, lists and field values by
/// <see cref="MaxItems"/>, numbers by their range when given.
/// </summary>
/// <param name="Name">The parameter's key in the rule's JSON (camelCase).</param>
/// <param name="Type">What it holds.</param>
/// <param name="Description">What it does, for the editor.</param>
public sealed record AutomationParameter(string Name, ParameterType Type, string Description)
{
    /// <summary>Whether a rule must give it (a parameter with a <see cref="Default"/> need not).</summary>
    public bool Required { get; init; }

    /// <summary>The value taken when a rule leaves it out; null when none.</summary>
    public JsonNode? Default { get; init; }

    /// <summary>For <see cref="ParameterType.String"/> and <see cref="ParameterType.StringList"/>: the only values taken; null when any.</summary>
    public IReadOnlyList<string>? AllowedValues { get; init; }

    /// <summary>The longest text (each item's, for a list); null for the type's default.</summary>
    public int? MaxLength { get; init; }

    /// <summary>The most items of a list or fields of <see cref="ParameterType.FieldValues"/>; null for the type's default.</summary>
    public int? MaxItems { get; init; }

    /// <summary>For numbers: the smallest value taken.</summary>
    public decimal? Minimum { get; init; }

    /// <summary>For numbers: the largest value taken.</summary>
    public decimal? Maximum { get; init; }

    /// <summary>For <see cref="ParameterType.FieldValues"/>: the name of an <see cref="ParameterType.EntityType"/> parameter naming the type the values are for (null: the rule's record type).</summary>
    public string? RecordTypeFrom { get; init; }

    /// <summary>The longest text of this parameter (the default for its type when <see cref="MaxLength"/> is not given).</summary>
    public int TextLimit => MaxLength ?? Type switch
    {
        ParameterType.Text => ParameterValidator.DefaultMaxTextLength,
        ParameterType.Url => ParameterValidator.MaxUrlLength,
        _ => ParameterValidator.DefaultMaxStringLength,
    };

    /// <summary>The most items of this parameter (the default for its type when <see cref="MaxItems"/> is not given).</summary>
    public int ItemLimit => MaxItems ?? (Type == ParameterType.FieldValues ? ParameterValidator.DefaultMaxFieldValues : ParameterValidator.DefaultMaxListItems);
}
