using Crm.Modules.Timeline.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Comments;

/// <summary>
/// The one query over the mentions table: a user's mentions newest first, on records they may
/// still read. Rights are applied before paging: mentions are read from the user's index range a
/// chunk at a time, each chunk's records checked in one statement per record type, and hidden
/// ones skipped, until the page is full; at most <see cref="MaxScanned"/> mentions are looked at
/// for one page, and a page cut short there says so with <c>hasNextPage</c> and a cursor to go on from.
/// </summary>
public sealed class MentionReader(IServiceProvider services, TimelineDbContext db)
{
    /// <summary>The most mentions one page looks at (README, Limits): a user mentioned mostly on records they no longer read gets short pages, not a long scan.</summary>
    public const int MaxScanned = 1_000;

    /// <summary>A page of mentions: the comment ids in order, whether more follow, and the comment id to go on before.</summary>
    public sealed record MentionPage(IReadOnlyList<long> CommentIds, bool HasNextPage, long? ContinueBefore);

    public async Task<MentionPage> PageAsync(long userId, int first, long? beforeCommentId, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<IEntityRegistry>();
        var found = new List<long>();
        var before = beforeCommentId;
        var scanned = 0;
        var chunk = Math.Clamp((first + 1) * 2, 10, 200);
        while (found.Count <= first && scanned < MaxScanned)
        {
            var query = db.Mentions.AsNoTracking().Where(m => m.UserId == userId);
            if (before is { } b)
            {
                query = query.Where(m => m.CommentId < b);
            }

            var take = Math.Min(chunk, MaxScanned - scanned);
            var mentions = await query.OrderByDescending(m => m.CommentId).Take(take).ToListAsync(cancellationToken);
            scanned += mentions.Count;
            var readable = new Dictionary<string, IReadOnlySet<long>>(StringComparer.Ordinal);
            foreach (var group in mentions.GroupBy(m => m.EntityType))
            {
                // A disabled module's type: its comments stay stored, but are not listed (no CrmEntityType value in the schema).
                readable[group.Key] = registry.FindInService(services, group.Key) is ICrmEntityDefinition definition
                    ? await definition.ReachableAmongAsync(services, group.Select(m => m.EntityId).ToList(), PermissionAction.Read, cancellationToken)
                    : new HashSet<long>();
            }

            foreach (var mention in mentions)
            {
                if (found.Count > first)
                {
                    break;
                }

                before = mention.CommentId;
                if (readable[mention.EntityType].Contains(mention.EntityId))
                {
                    found.Add(mention.CommentId);
                }
            }

            if (mentions.Count < take)
            {
                // The user's range is read to its end.
                return new MentionPage(found.Take(first).ToList(), found.Count > first, null);
            }
        }

        // Full with more to come: go on after the last one shown; cut short by the scan: after the last one looked at.
        return found.Count > first
            ? new MentionPage(found.Take(first).ToList(), true, first > 0 ? found[first - 1] : beforeCommentId)
            : new MentionPage(found, true, before);
    }
}
