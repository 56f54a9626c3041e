using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities.Data;

/// <summary>
/// An uninstalled plugin's record types leave the activities: an activity bound only to their
/// records is deleted with its bindings and communications, as an activity goes with its last
/// bound record; one bound to other records too loses those bindings; a communication naming such
/// a record keeps its value and loses the record.
/// </summary>
/// <remarks>
/// Set-based, not through the activity type's record delete: that delete checks the rights of the
/// records an activity is bound to, whose type is gone by then, and was refused. Each deleted
/// activity's "deleted" event is written with the delete, so its history ends as a delete's does.
/// </remarks>
internal sealed class ActivityTypeData : IRecordTypeDataOwner
{
    /// <summary>Activities deleted per statement.</summary>
    private const int Batch = 500;

    public async Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<ActivitiesDbContext>();
        var session = services.GetRequiredService<CrmDatabaseSession>();
        var types = recordTypes.ToArray();
        var rows = 0;
        while (true)
        {
            var only = await db.Activities.AsNoTracking()
                .Where(a => a.Bindings.Any() && a.Bindings.All(b => types.Contains(b.EntityType)))
                .OrderBy(a => a.Id).Select(a => a.Id).Take(Batch).ToListAsync(cancellationToken);
            if (only.Count == 0)
            {
                break;
            }

            rows += await session.InTransactionAsync(async () =>
            {
                // Locked, then read again: of two hosts purging at once, the second finds what the first left.
                await db.LockAsync<Activity>(only, RowLock.Update, cancellationToken);
                var still = await db.Activities.Where(a => only.Contains(a.Id)).Select(a => a.Id).ToListAsync(cancellationToken);
                // Children first: the foreign keys cascade on PostgreSQL, and need not on SQLite.
                await db.Bindings.Where(b => still.Contains(b.RecordId)).ExecuteDeleteAsync(cancellationToken);
                await db.Communications.Where(c => still.Contains(c.ActivityId)).ExecuteDeleteAsync(cancellationToken);
                var deleted = await db.Activities.Where(a => still.Contains(a.Id)).ExecuteDeleteAsync(cancellationToken);
                // Each activity's "deleted" event, with the rows: its history ends as a delete's does, and what
                // follows deletions (the timeline's entry, automation) hears of it.
                foreach (var id in still)
                {
                    db.Publish(new RecordDeleted(ActivityEntity.Name, id));
                }

                await db.SaveChangesAsync(cancellationToken);
                return deleted;
            }, cancellationToken: cancellationToken);
        }

        rows += await db.Bindings.Where(b => types.Contains(b.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Communications.Where(c => c.EntityType != null && types.Contains(c.EntityType))
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.EntityType, (string?)null).SetProperty(x => x.EntityId, (long?)null), cancellationToken);
        return rows;
    }
}
