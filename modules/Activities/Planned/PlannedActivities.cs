using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Timeline;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities.Planned;

/// <summary>The caller's activities to do, for the feed's "planned for me" (see <see cref="IPlannedItems"/>).</summary>
public sealed class PlannedActivities : IPlannedItems
{
    public async Task<IReadOnlyList<PlannedItem>> PlannedForMeAsync(IServiceProvider requestServices, int max, CancellationToken cancellationToken)
    {
        // Not registered when the activity type is disabled: nothing planned then.
        if (requestServices.GetRequiredService<IEntityRegistry>().Find(ActivityEntity.Name) is not ActivityEntity activities)
        {
            return [];
        }

        var planned = await activities.PlannedForMeAsync(requestServices, max, cancellationToken);
        return planned.Select(a => new PlannedItem(a.TypeId, ActivityEntity.Name, a.Id, a.Subject, a.Deadline)).ToList();
    }
}
