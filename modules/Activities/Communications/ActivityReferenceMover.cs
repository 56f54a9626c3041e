using System.Globalization;
using Crm.Modules.Activities.Data;
using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities.Communications;

/// <summary>
/// When records are merged, the activities bound to a removed record are bound to the kept one
/// (once: an activity bound to both keeps one binding), and communications naming it name the
/// kept one; each activity changed so gets the change in its history.
/// </summary>
internal sealed class ActivityReferenceMover : IRecordReferenceMover
{
    public async Task<int> CountReferencesAsync(IServiceProvider services, string entityType, long fromId, int max, CancellationToken cancellationToken) =>
        (await HoldersAsync(services.GetRequiredService<ActivitiesDbContext>(), entityType, fromId, max + 1, cancellationToken)).Count;

    public async Task MoveReferencesAsync(IServiceProvider services, string entityType, long fromId, long toId, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<ActivitiesDbContext>();
        var ids = await HoldersAsync(db, entityType, fromId, int.MaxValue, cancellationToken);
        if (ids.Count == 0)
        {
            return;
        }

        // Locked as an update locks them, then read: a concurrent change of their bindings went before, or waits.
        await db.LockAsync<Activity>(ids, RowLock.NoKeyUpdate, cancellationToken);
        var activities = await db.Activities.Where(a => ids.Contains(a.Id)).Include(a => a.Bindings).Include(a => a.Communications).ToListAsync(cancellationToken);
        foreach (var activity in activities)
        {
            var moved = activity.Bindings.Where(b => b.EntityType == entityType && b.EntityId == fromId).ToList();
            if (moved.Count > 0)
            {
                var before = activity.Bindings.Select(Key).ToList();
                foreach (var binding in moved)
                {
                    activity.Bindings.Remove(binding);
                }

                if (!activity.Bindings.Any(b => b.EntityType == entityType && b.EntityId == toId))
                {
                    activity.Bindings.Add(new ActivityBinding { RecordId = activity.Id, EntityType = entityType, EntityId = toId });
                }

                db.RecordChange(activity, "bindings", before, activity.Bindings.Select(Key).ToList());
            }

            var named = activity.Communications.Where(c => c.EntityType == entityType && c.EntityId == fromId).ToList();
            if (named.Count > 0)
            {
                var ordered = activity.Communications.OrderBy(c => c.Position).ToList();
                var before = ordered.Select(c => c.ToValue()).ToList();
                foreach (var communication in named)
                {
                    communication.EntityId = toId;
                }

                db.RecordChange(activity, CommunicationInput.Name, before, ordered.Select(c => c.ToValue()).ToList());
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static async Task<List<long>> HoldersAsync(ActivitiesDbContext db, string entityType, long id, int take, CancellationToken cancellationToken)
    {
        var bound = db.Bindings.AsNoTracking().Where(b => b.EntityType == entityType && b.EntityId == id).Select(b => b.RecordId);
        var named = db.Communications.AsNoTracking().Where(c => c.EntityType == entityType && c.EntityId == id).Select(c => c.ActivityId);
        return await bound.Union(named).OrderBy(a => a).Take(take).ToListAsync(cancellationToken);
    }

    private static string Key(ActivityBinding binding) => $"{binding.EntityType}:{binding.EntityId.ToString(CultureInfo.InvariantCulture)}";
}
