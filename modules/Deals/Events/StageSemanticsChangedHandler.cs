using Crm.Modules.Deals.Data;
using Crm.Modules.Deals.Domain;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Lists;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Deals.Events;

/// <summary>
/// When a stage's semantics change, the deals on it follow: their stored semantics and
/// <c>closed</c> are updated (each with its "updated" event), so that filters on them stay true.
/// </summary>
public sealed class StageSemanticsChangedHandler(DealsDbContext db) : IDomainEventHandler
{
    private const int BatchSize = 500;

    public bool Handles(DomainEvent domainEvent) =>
        domainEvent is { EntityType: ItemEvents.EntityType, Kind: ItemEvents.SemanticsChanged }
        && domainEvent.Data?["entityId"]?.GetValue<string>() is { } list
        && (list == "DEAL_STAGE" || list.StartsWith("DEAL_STAGE_", StringComparison.Ordinal));

    public async Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken)
    {
        var stage = domainEvent.Data!["itemId"]!.GetValue<string>();
        var semantics = Enum.TryParse<ListItemSemantics>(domainEvent.Data["semantics"]?.GetValue<string>(), out var parsed) ? parsed : ListItemSemantics.Process;
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
