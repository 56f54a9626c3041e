using Crm.PluginSdk.Events;
using Crm.PluginSdk.Lists;
using Crm.Tests.SamplePlugin.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>
/// When a deal is lost, its open quotes are withdrawn: a handler of another module's typed event,
/// which knows nothing of the Deals module but the SDK's <see cref="DealStageChanged"/>.
/// Idempotent (delivery is at least once): a second delivery finds nothing open.
/// </summary>
[EventHandler("withdraw-quotes-of-lost-deals")]
public sealed class WithdrawQuotesOfLostDeals(SamplePluginDbContext db, ISelectionLists lists, TimeProvider clock) : IEventHandler<DealStageChanged>
{
    public async Task HandleAsync(DomainEvent<DealStageChanged> domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.Data.Semantics != ListItemSemantics.Failure)
        {
            return;
        }

        var open = (await lists.GetItemsAsync(QuoteLists.Statuses, cancellationToken))
            .Where(s => s.Semantics is null or ListItemSemantics.Process).Select(s => s.Id).ToList();
        var quotes = await db.Quotes.Where(q => q.DealId == domainEvent.Data.DealId && open.Contains(q.StatusId)).ToListAsync(cancellationToken);
        foreach (var quote in quotes)
        {
            // Tracked changes: each withdrawn quote gets its own record.updated event.
            quote.StatusId = QuoteLists.Withdrawn;
            quote.ClosedAt = clock.GetUtcNow().UtcDateTime;
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
