using System.Globalization;
using Crm.PluginSdk.Lists;

namespace Crm.Modules.Deals.Domain;

/// <summary>
/// Deal types, and the stages: DEAL_STAGE for the default pipeline and the family DEAL_STAGE_n,
/// one per pipeline (made with the pipeline), whose item ids start with "Cn:" as in Bitrix24.
/// </summary>
public sealed class DealLists : ISelectionListDeclarations
{
    /// <summary>The stages a pipeline starts with, the default one's and every new one's.</summary>
    public static IReadOnlyList<SelectionListItemDeclaration> DefaultStages { get; } =
    [
        new("NEW", "New", ListItemSemantics.Process, System: true, Color: "#39A8EF", Probability: 10),
        new("PREPARATION", "Document preparation", ListItemSemantics.Process, Color: "#2FC6F6", Probability: 20),
        new("PREPAYMENT_INVOICE", "Invoice", ListItemSemantics.Process, Color: "#55D0E0", Probability: 40),
        new("EXECUTING", "In progress", ListItemSemantics.Process, Color: "#47E4C2", Probability: 60),
        new("FINAL_INVOICE", "Final invoice", ListItemSemantics.Process, Color: "#FFA900", Probability: 80),
        new("WON", "Deal won", ListItemSemantics.Success, System: true, Color: "#7BD500", Probability: 100),
        new("LOSE", "Deal lost", ListItemSemantics.Failure, System: true, Color: "#FF5752", Probability: 0),
    ];

    /// <summary>A new pipeline's stage list: the default stages, their ids prefixed with "Cn:".</summary>
    public static IReadOnlyList<SelectionListItem> StagesOfNewPipeline(long pipelineId)
    {
        var list = Deal.StageListOf(pipelineId);
        var prefix = $"C{pipelineId.ToString(CultureInfo.InvariantCulture)}:";
        return DefaultStages.Select((s, i) => new SelectionListItem(list, prefix + s.Id, s.Name, (i + 1) * 10, s.Color, s.Semantics, s.System, s.Probability)).ToList();
    }

    public IEnumerable<SelectionListDeclaration> SelectionLists { get; } =
    [
        new("DEAL_TYPE", "Deal types",
        [
            new("SALE", "Sales"), new("COMPLEX", "Complex sale"), new("GOODS", "Merchandise sale"), new("SERVICES", "Service sale"), new("SERVICE", "After-sales service"),
        ]),
        new(Deal.StageListFamily, "Deal stages (default pipeline)", DefaultStages)
        {
            HasSemantics = true,
            HasProbability = true,
            IsFamily = true,
            MemberName = pipeline => $"Deal stages (pipeline {pipeline.ToString(CultureInfo.InvariantCulture)})",
            MemberItemPrefix = pipeline => $"C{pipeline.ToString(CultureInfo.InvariantCulture)}:",
        },
    ];
}
