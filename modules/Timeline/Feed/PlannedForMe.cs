using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Timeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Timeline.Feed;

/// <summary>
/// The feed's "planned for me": every module's planned items for the caller (<see cref="IPlannedItems"/>),
/// merged overdue first, then by due time (none last). A module that fails loses its own items for
/// the request, logged, and the feed answers with the others; a disabled module's are not asked for.
/// </summary>
internal static class PlannedForMe
{
    public static async Task<IReadOnlyList<PlannedItem>> ReadAsync(IServiceProvider services, int max, CancellationToken cancellationToken)
    {
        if (max <= 0)
        {
            return [];
        }

        // A disabled module plans nothing, and an item of a type out of service is left out: the
        // schema has no CrmEntityType value to show it by.
        var availability = services.GetService<IModuleAvailability>();
        var outOfService = services.GetRequiredService<IEntityRegistry>().OutOfServiceNames(services);
        var items = new List<PlannedItem>();
        foreach (var source in services.GetServices<IPlannedItems>().Where(s => availability?.InService(s.GetType()) != false))
        {
            try
            {
                items.AddRange((await source.PlannedForMeAsync(services, max, cancellationToken)).Where(i => !outOfService.Contains(i.EntityType)).Take(max));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PlannedForMe))
                    .LogError(ex, "The planned items of {Source} are left out of the feed.", source.GetType().FullName);
            }
        }

        return items
            .OrderBy(i => i.Due is null).ThenBy(i => i.Due)
            .ThenBy(i => i.EntityType, StringComparer.Ordinal).ThenBy(i => i.Id)
            .Take(max).ToList();
    }
}
