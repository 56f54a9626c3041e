using Crm.Modules.Timeline.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Timeline.Comments;

/// <summary>Comments as they are now, read in batches: by id (the entries of a timeline page) and the pinned ones of many records.</summary>
public sealed class CommentReader(TimelineDbContext db)
{
    /// <summary>The comments with these ids that exist, with their mentions: one statement.</summary>
    public async Task<IReadOnlyDictionary<long, Comment>> ByIdsAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        var wanted = ids.Distinct().ToList();
        var comments = await db.Comments.AsNoTracking().Include(c => c.Mentions).Where(c => wanted.Contains(c.Id)).ToListAsync(cancellationToken);
        return comments.ToDictionary(c => c.Id);
    }

    /// <summary>The pinned comments of each record, last pinned first (at most <see cref="CommentLimits.MaxPinnedPerRecord"/> each): one statement.</summary>
    public async Task<IReadOnlyDictionary<long, Comment[]>> PinnedAsync(string entityType, IReadOnlyCollection<long> entityIds, CancellationToken cancellationToken)
    {
        var wanted = entityIds.Distinct().ToList();
        var comments = await db.Comments.AsNoTracking().Include(c => c.Mentions)
            .Where(c => c.EntityType == entityType && wanted.Contains(c.EntityId) && c.Pinned)
            .ToListAsync(cancellationToken);
        return comments.GroupBy(c => c.EntityId).ToDictionary(
            g => g.Key,
            g => g.OrderByDescending(c => c.PinnedAt).ThenByDescending(c => c.Id).ToArray());
    }
}
