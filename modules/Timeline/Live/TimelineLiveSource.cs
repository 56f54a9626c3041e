using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Crm.Modules.Timeline.Feed;
using Crm.PluginSdk.Live;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Live;

/// <summary>
/// Timeline entries as a live source, in id order (written under the writers' lock by
/// <see cref="History.TimelineAppender"/>, so ids become visible in order): what <c>timelineEvents</c>
/// and <c>feedEvents</c> deliver. An entry is visible to whoever may read its record now, by the
/// feed's rule (<see cref="FeedReader.Readable"/>): one statement per batch, whatever its types.
/// </summary>
public sealed class TimelineLiveSource : ILiveSource<TimelineEntry>
{
    public const string SignalName = TimelineModule.Id + ".entries";

    public string Signal => SignalName;

    public long CursorOf(TimelineEntry item) => item.Id;

    public async Task<long> LastCursorAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        await services.GetRequiredService<TimelineDbContext>().Entries.MaxAsync(e => (long?)e.Id, cancellationToken) ?? 0;

    public async Task<IReadOnlyList<TimelineEntry>> ReadAfterAsync(IServiceProvider services, long after, int limit, CancellationToken cancellationToken) =>
        await services.GetRequiredService<TimelineDbContext>().Entries.AsNoTracking()
            .Where(e => e.Id > after).OrderBy(e => e.Id).Take(limit).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<TimelineEntry>> VisibleAsync(IServiceProvider services, IReadOnlyList<TimelineEntry> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0 || services.GetRequiredService<ICurrentActor>().IsAdministrator)
        {
            return items;
        }

        var types = items.Select(e => e.EntityType).Distinct().ToList();
        if (new FeedReader(services.GetRequiredService<TimelineDbContext>()).Readable(services, types) is not { } readable)
        {
            return [];
        }

        var ids = items.Select(e => e.Id).ToList();
        var visible = (await readable.Where(e => ids.Contains(e.Id)).Select(e => e.Id).ToListAsync(cancellationToken)).ToHashSet();
        return items.Where(e => visible.Contains(e.Id)).ToList();
    }
}
