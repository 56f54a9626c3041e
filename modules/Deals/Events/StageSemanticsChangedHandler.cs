using Crm.Modules.Deals.Data;
using Crm.Modules.Deals.Domain;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Lists;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Deals.Events;

/// <summary>
/// When a stage's semantics change, the deals on it follow: their stored semantics and
/// <c>closed</c> are updated (each with its "updated" event), so that filters on them stay true.
/// Idempotent: a second delivery finds nothing left to change.
/// </summary>
[EventHandler("stage-semantics")]
public sealed class StageSemanticsChangedHandler(DealsDbContext db) : IEventHandler<ListItemSemanticsChanged>
{
    private const int BatchSize = 500;

    public async Task HandleAsync(DomainEvent<ListItemSemanticsChanged> domainEvent, CancellationToken cancellationToken)
    {
        var change = domainEvent.Data;
        if (change.ListId != "DEAL_STAGE" && !change.ListId.StartsWith("DEAL_STAGE_", StringComparison.Ordinal))
        {
            return;
        }

        var stage = change.ItemId;
        var semantics = change.To ?? ListItemSemantics.Process;
        var closed = semantics != ListItemSemantics.Process;
        while (true)
        {
            var deals = await db.Deals
                .Where(d => d.StageId == stage && (d.StageSemantics != semantics || d.Closed != closed))
                .OrderBy(d => d.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (deals.Count == 0)
            {
                return;
            }

            foreach (var deal in deals)
            {
                deal.StageSemantics = semantics;
                deal.Closed = closed;
            }

            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
    }
}
