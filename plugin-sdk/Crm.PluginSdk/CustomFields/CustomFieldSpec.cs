using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Crm.PluginSdk.CustomFields;

/// <summary>The kinds of value an admin-defined field holds (Bitrix24's user field types).</summary>
public enum CustomFieldType
{
    String,
    Text,
    Integer,
    Number,
    Boolean,
    Date,
    DateTime,
    Money,
    Enumeration,
    Url,
    Email,
    Phone,

    /// <summary>A user id.</summary>
    Employee,

    /// <summary>Links to CRM records of chosen types (Bitrix24's <c>crm</c> field).</summary>
    Crm,
    Address,
}

/// <summary>One choice of an enumeration field; its id is what a record stores.</summary>
public sealed record CustomFieldItem(long Id, string Value, int Sort, bool IsDefault);

/// <summary>A field's label in one language.</summary>
public sealed record CustomFieldLabel(string Language, string Text);

/// <summary>What a type's values are limited to; each setting applies to the types it names.</summary>
public sealed record CustomFieldSettings
{
    /// <summary>Longest text (string, text, url, e-mail, phone).</summary>
    public int? MaxLength { get; init; }

    /// <summary>Smallest value (integer, number, money amount).</summary>
    public decimal? Min { get; init; }

    /// <summary>Largest value (integer, number, money amount).</summary>
    public decimal? Max { get; init; }

    /// <summary>Decimal places a number or money amount may have.</summary>
    public int? Precision { get; init; }

    /// <summary>A regular expression every string value must match (string, text).</summary>
    public string? Pattern { get; init; }

    /// <summary>The entity types a CRM link may point to (entity names, e.g. "deal"); all when empty.</summary>
    public IReadOnlyList<string> RecordTypes { get; init; } = [];

    public static CustomFieldSettings None { get; } = new();
}

/// <summary>
/// An admin-defined field of an entity type, as the SDK validates, stores, filters and shows it.
/// The CustomFields module keeps the definitions; every other part of the platform reads them
/// through <see cref="ICustomFieldCatalog"/>.
/// </summary>
public sealed partial record CustomFieldSpec
{
    public const string CodePrefix = "UF_CRM_";
    public const int MaxCodeLength = 50;

    public required long Id { get; init; }

    /// <summary>The entity name (e.g. "deal").</summary>
    public required string EntityType { get; init; }

    /// <summary><c>UF_CRM_...</c>: the key in the record's JSON document; immutable.</summary>
    public required string Code { get; init; }

    public required CustomFieldType Type { get; init; }

    public required string Label { get; init; }

    public IReadOnlyList<CustomFieldLabel> Labels { get; init; } = [];

    public bool Mandatory { get; init; }

    public bool Multiple { get; init; }

    /// <summary>In the <c>where</c> and <c>order</c> inputs, with an index on PostgreSQL.</summary>
    public bool Filterable { get; init; } = true;

    public bool ShowInList { get; init; } = true;

    public int Sort { get; init; } = 100;

    /// <summary>The value a create without one gets, as stored (JSON); null for none.</summary>
    public JsonNode? DefaultValue { get; init; }

    public CustomFieldSettings Settings { get; init; } = CustomFieldSettings.None;

    public IReadOnlyList<CustomFieldItem> Items { get; init; } = [];

    /// <summary>The GraphQL name: <c>UF_CRM_BUDGET</c> is <c>ufCrmBudget</c>.</summary>
    public string FieldName => GraphName(Code);

    public static bool IsValidCode(string code) =>
        code.Length <= MaxCodeLength && CodePattern().IsMatch(code);

    public static string GraphName(string code)
    {
        var parts = code.ToLowerInvariant().Split('_', StringSplitOptions.RemoveEmptyEntries);
        return parts[0] + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }

    /// <summary>Types whose values may be several per record (all but boolean).</summary>
    public static bool AllowsMultiple(CustomFieldType type) => type != CustomFieldType.Boolean;

    /// <summary>The type changes that keep every stored value valid.</summary>
    public static bool IsSafeWidening(CustomFieldType from, CustomFieldType to) =>
        from == to || (from, to) is (CustomFieldType.Integer, CustomFieldType.Number) or (CustomFieldType.String, CustomFieldType.Text);

    [GeneratedRegex("^UF_CRM_[A-Z0-9_]*[A-Z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();
}
