using Crm.Modules.Activities.Data;
using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities.Communications;

/// <summary>
/// When a record named by communications is deleted, they keep their value and lose the record,
/// in the delete's transaction, each as a change of its activity (in the activity's history).
/// </summary>
internal sealed class CommunicationReferences : IRecordReferenceHolder
{
    public Task<int> CountHoldersAsync(IServiceProvider services, string targetType, long targetId, int max, CancellationToken cancellationToken) =>
        services.GetRequiredService<ActivitiesDbContext>().Communications.AsNoTracking()
            .Where(c => c.EntityType == targetType && c.EntityId == targetId)
            .Select(c => c.ActivityId).Distinct().Take(max + 1).CountAsync(cancellationToken);

    public async Task ClearReferencesAsync(IServiceProvider services, string targetType, long targetId, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<ActivitiesDbContext>();
        // No new communication can name the record meanwhile: naming it holds it, and its delete holds it first.
        var ids = await db.Communications.AsNoTracking()
            .Where(c => c.EntityType == targetType && c.EntityId == targetId)
            .Select(c => c.ActivityId).Distinct().OrderBy(id => id).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return;
        }

        // Locked as an update locks them, then read (new statements, after the locks): a concurrent
        // replacement of the list is either committed and seen here, or waits and replaces ours.
        await db.LockAsync<Activity>(ids, RowLock.NoKeyUpdate, cancellationToken);
        var activities = await db.Activities.Where(a => ids.Contains(a.Id)).ToListAsync(cancellationToken);
        var rows = (await db.Communications.Where(c => ids.Contains(c.ActivityId)).ToListAsync(cancellationToken)).ToLookup(c => c.ActivityId);
        foreach (var activity in activities)
        {
            var own = rows[activity.Id].OrderBy(c => c.Position).ToList();
            var before = own.Select(c => c.ToValue()).ToList();
            foreach (var row in own.Where(c => c.EntityType == targetType && c.EntityId == targetId))
            {
                row.EntityType = null;
                row.EntityId = null;
            }

            db.RecordChange(activity, CommunicationInput.Name, before, own.Select(c => c.ToValue()).ToList());
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
