using Crm.PluginSdk.Lists;

namespace Crm.PluginSdk.Events;

/// <summary>
/// A deal moved to another stage (published by the Deals module, in the transaction of the
/// move, beside the deal's <see cref="RecordUpdated"/>). A deal lost is one whose new stage's
/// <see cref="Semantics"/> is <see cref="ListItemSemantics.Failure"/>, won <see cref="ListItemSemantics.Success"/>.
/// </summary>
/// <param name="DealId">The deal.</param>
/// <param name="PipelineId">The pipeline the deal is in now (0 is the default pipeline).</param>
/// <param name="From">The stage it left (a stage of its previous pipeline when it changed pipelines).</param>
/// <param name="To">The stage it is on now.</param>
/// <param name="Semantics">What the new stage means: <c>PROCESS</c>, <c>SUCCESS</c> (won) or <c>FAILURE</c> (lost).</param>
[EventContract(TypeName, 1)]
public sealed record DealStageChanged(long DealId, long PipelineId, string From, string To, ListItemSemantics Semantics) : CrmEvent
{
    public const string TypeName = "deal.stageChanged";

    public override EventSubject GetSubject() => new("deal", DealId);
}
