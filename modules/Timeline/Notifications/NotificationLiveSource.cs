using Crm.Modules.Timeline.Data;
using Crm.PluginSdk.Live;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Notifications;

/// <summary>Notifications as a live source, in id order: each is visible to its recipient only.</summary>
public sealed class NotificationLiveSource : ILiveSource<Notification>
{
    public const string SignalName = TimelineModule.Id + ".notifications";

    public string Signal => SignalName;

    public long CursorOf(Notification item) => item.Id;

    public async Task<long> LastCursorAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        await services.GetRequiredService<TimelineDbContext>().Notifications.MaxAsync(n => (long?)n.Id, cancellationToken) ?? 0;

    public async Task<IReadOnlyList<Notification>> ReadAfterAsync(IServiceProvider services, long after, int limit, CancellationToken cancellationToken) =>
        await services.GetRequiredService<TimelineDbContext>().Notifications.AsNoTracking()
            .Where(n => n.Id > after).OrderBy(n => n.Id).Take(limit).ToListAsync(cancellationToken);

    public Task<IReadOnlyList<Notification>> VisibleAsync(IServiceProvider services, IReadOnlyList<Notification> items, CancellationToken cancellationToken)
    {
        var me = services.GetRequiredService<ICurrentActor>().UserId;
        return Task.FromResult<IReadOnlyList<Notification>>(items.Where(n => n.UserId == me).ToList());
    }
}
