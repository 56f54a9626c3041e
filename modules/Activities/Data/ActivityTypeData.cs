using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities.Data;

/// <summary>
/// An uninstalled plugin's record types leave the activities: an activity bound only to their
/// records is deleted, as an activity goes with its last bound record (through the activity type's
/// own delete: its timeline, references and events follow); one bound to other records too loses
/// those bindings; a communication naming such a record keeps its value and loses the record.
/// </summary>
internal sealed class ActivityTypeData : IRecordTypeDataOwner
{
    /// <summary>Activities deleted one by one per batch read: each is a record delete of its own.</summary>
    private const int Batch = 200;

    public async Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<ActivitiesDbContext>();
        var types = recordTypes.ToArray();
        var rows = 0;
        var done = new HashSet<long>();
        var definition = services.GetRequiredService<IEntityRegistry>().Find(ActivityEntity.Name) as ICrmEntityDefinition;
        while (definition is not null)
        {
            var only = await db.Activities.AsNoTracking()
                .Where(a => a.Bindings.Any() && a.Bindings.All(b => types.Contains(b.EntityType)))
                .OrderBy(a => a.Id).Select(a => a.Id).Take(Batch).ToListAsync(cancellationToken);
            if (only.Count == 0)
            {
                break;
            }

            foreach (var id in only)
            {
                // A delete that reported success and left the activity would read it again for ever.
                if (!done.Add(id))
                {
                    throw new InvalidOperationException($"Activity {id} is still there after its delete.");
                }

                var deleted = await definition.DeleteAsync(services, id, cancellationToken);
                if (deleted.Errors.Count > 0)
                {
                    throw new InvalidOperationException($"Activity {id} could not be deleted: {string.Join("; ", deleted.Errors.Select(e => e.Message))}");
                }

                db.ChangeTracker.Clear();
                rows++;
            }
        }

        rows += await db.Bindings.Where(b => types.Contains(b.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Communications.Where(c => c.EntityType != null && types.Contains(c.EntityType))
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.EntityType, (string?)null).SetProperty(x => x.EntityId, (long?)null), cancellationToken);
        return rows;
    }
}
