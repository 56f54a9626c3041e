using Crm.Modules.Deals.Data;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Deals.Domain;

/// <summary>
/// The pipelines the migration <c>DealsKeepTheirPipeline</c> gave back to deals orphaned by an
/// earlier race ("Restored pipeline n", under the pipeline's old id) had no stage list: their old
/// one went with the deleted pipeline, and no stage could be added to a list that is not there. Each
/// pipeline with no stages gets a new pipeline's default ones, under the same "Cn:" ids, so the deals
/// that were on a default stage are on it again, and the others can be moved.
/// </summary>
public sealed class RestoredPipelinesGetTheirStages : IModuleDataMigration
{
    public string Id => "0001-restored-pipelines-get-their-stages";

    public async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<DealsDbContext>();
        var lists = services.GetRequiredService<ISelectionLists>();
        var editor = services.GetRequiredService<ISelectionListEditor>();
        foreach (var id in await db.Pipelines.AsNoTracking().Where(p => p.Id != Pipeline.DefaultId).Select(p => p.Id).ToListAsync(cancellationToken))
        {
            // A pipeline's list always holds its system stages (won, lost), which cannot be removed: an empty one is gone.
            if ((await lists.GetItemsAsync(Deal.StageListOf(id), cancellationToken)).Count == 0)
            {
                await editor.CreateListAsync(Deal.StageListOf(id), DealLists.StagesOfNewPipeline(id), cancellationToken);
            }
        }
    }
}
