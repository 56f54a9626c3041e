using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Data;

/// <summary>An uninstalled plugin's record types leave the timeline: their entries, stage moves, comments, mentions and notifications.</summary>
internal sealed class TimelineTypeData : IRecordTypeDataOwner
{
    public async Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TimelineDbContext>();
        var types = recordTypes.ToArray();
        // Mentions before their comments: a mention names the comment's record, and the comment's own.
        var rows = await db.Mentions.Where(m => types.Contains(m.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Comments.Where(c => types.Contains(c.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.StageMoves.Where(m => types.Contains(m.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Entries.Where(e => types.Contains(e.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Notifications.Where(n => n.EntityType != null && types.Contains(n.EntityType)).ExecuteDeleteAsync(cancellationToken);
        return rows;
    }
}
