using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Deals.Domain;

/// <summary>
/// The pipelines' bound: the most pipelines a deployment has (<c>Deals:MaxPipelines</c>, 100, from
/// 1 to 200), the default one included. <c>pipelines</c> answers every pipeline at once, each is a
/// stage list every host keeps in memory, and the console's per-pipeline choices (a stage for the
/// deals of each pipeline a list spans) read at most 200 of them. A create past it answers
/// <c>LIMIT_EXCEEDED</c>, counted while the create holds the pipelines, so parallel creates stop at it exactly.
/// </summary>
public sealed record PipelineOptions(int MaxPipelines)
{
    public const int DefaultMaxPipelines = 100;

    public const int Ceiling = 200;

    public static PipelineOptions From(IConfiguration configuration) =>
        new(BoundedSettings.WholeNumber(configuration, "Deals:MaxPipelines", DefaultMaxPipelines, 1, Ceiling));
}
