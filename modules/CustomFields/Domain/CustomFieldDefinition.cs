using System.Text.Json.Nodes;
using Crm.PluginSdk.CustomFields;

namespace Crm.Modules.CustomFields.Domain;

/// <summary>A stored custom field definition; <see cref="CustomFieldSpec"/> is what the rest of the platform sees.</summary>
public sealed class CustomFieldDefinition
{
    public long Id { get; set; }

    public string EntityType { get; set; } = "";

    public string Code { get; set; } = "";

    public CustomFieldType Type { get; set; }

    public string Label { get; set; } = "";

    public List<CustomFieldLabel> Labels { get; set; } = [];

    public bool Mandatory { get; set; }

    public bool Multiple { get; set; }

    public bool Filterable { get; set; }

    public bool ShowInList { get; set; }

    public int Sort { get; set; }

    /// <summary>The stored form (JSON) of the default value, if any.</summary>
    public string? DefaultValue { get; set; }

    public CustomFieldSettings Settings { get; set; } = CustomFieldSettings.None;

    public List<CustomFieldItem> Items { get; set; } = [];

    /// <summary>
    /// The highest item id ever given, removed items' included: records may still hold a removed
    /// item's id, so a new item never takes it over.
    /// </summary>
    public long LastItemId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public CustomFieldSpec ToSpec() => new()
    {
        Id = Id,
        EntityType = EntityType,
        Code = Code,
        Type = Type,
        Label = Label,
        Labels = Labels,
        Mandatory = Mandatory,
        Multiple = Multiple,
        Filterable = Filterable,
        ShowInList = ShowInList,
        Sort = Sort,
        DefaultValue = DefaultValue is null ? null : JsonNode.Parse(DefaultValue),
        Settings = Settings,
        Items = Items.OrderBy(i => i.Sort).ThenBy(i => i.Id).ToList(),
    };
}

/// <summary>
/// One row whose number grows with every change of any definition, in the change's transaction:
/// what every host compares with the snapshot it runs on.
/// </summary>
public sealed class CatalogVersion
{
    public int Id { get; set; } = 1;

    public long Version { get; set; }
}
