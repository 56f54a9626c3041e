using Crm.PluginSdk.Lists;

namespace Crm.Modules.Leads.Domain;

/// <summary>The lead statuses, with Bitrix24's ids: CONVERTED is reached by conversion only, JUNK closes a lead.</summary>
public sealed class LeadLists : ISelectionListDeclarations
{
    public IEnumerable<SelectionListDeclaration> SelectionLists { get; } =
    [
        new(LeadEntity.StatusList, "Lead statuses",
        [
            new("NEW", "Unassigned", ListItemSemantics.Process, System: true, Color: "#39A8EF"),
            new("IN_PROCESS", "In progress", ListItemSemantics.Process, Color: "#2FC6F6"),
            new("PROCESSED", "Processed", ListItemSemantics.Process, Color: "#55D0E0"),
            new("CONVERTED", "Good lead", ListItemSemantics.Success, System: true, Color: "#7BD500"),
            new("JUNK", "Junk lead", ListItemSemantics.Failure, System: true, Color: "#FF5752"),
        ]) { HasSemantics = true },
    ];
}
