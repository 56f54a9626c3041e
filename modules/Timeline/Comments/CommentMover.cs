using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Comments;

/// <summary>
/// When records are merged, a removed record's comments (and their timeline entries) go to the
/// kept record. Its history stays where it was written: under its own id, findable as a deleted
/// record's history, and named by the merge's entry on the kept record.
/// </summary>
internal sealed class CommentMover : IRecordReferenceMover
{
    public Task<int> CountReferencesAsync(IServiceProvider services, string entityType, long fromId, int max, CancellationToken cancellationToken) =>
        services.GetRequiredService<TimelineDbContext>().Comments.AsNoTracking()
            .Where(c => c.EntityType == entityType && c.EntityId == fromId).Take(max + 1).CountAsync(cancellationToken);

    public async Task MoveReferencesAsync(IServiceProvider services, string entityType, long fromId, long toId, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TimelineDbContext>();
        await db.Comments.Where(c => c.EntityType == entityType && c.EntityId == fromId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.EntityId, toId), cancellationToken);
        await db.Entries.Where(e => e.EntityType == entityType && e.EntityId == fromId && e.Kind == TimelineKinds.Comment)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.EntityId, toId), cancellationToken);
    }
}
