using Crm.PluginSdk.Lists;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>A stored selection list item; the SDK's <see cref="SelectionListItem"/> is its public face.</summary>
public sealed class ListItem
{
    public string EntityId { get; set; } = "";

    public string StatusId { get; set; } = "";

    public string Name { get; set; } = "";

    public int Sort { get; set; }

    public string? Color { get; set; }

    public ListItemSemantics? Semantics { get; set; }

    public bool System { get; set; }

    public int? Probability { get; set; }

    public SelectionListItem ToPublic() => new(EntityId, StatusId, Name, Sort, Color, Semantics, System, Probability);
}
