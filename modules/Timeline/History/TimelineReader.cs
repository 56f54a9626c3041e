using System.Globalization;
using System.Text;
using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Timeline.History;

/// <summary>
/// Reads timelines newest first, a page at a time, from the index on (type, record, id): a page
/// after a cursor is the index range below that entry's id, whatever the record's length.
/// </summary>
public sealed class TimelineReader(TimelineDbContext db)
{
    /// <summary>The most records whose pages one statement reads (a UNION ALL of one index range each; SQLite takes at most 500 parts).</summary>
    public const int MaxRecordsPerStatement = 200;

    /// <summary>One record's page: <paramref name="first"/> entries older than <paramref name="beforeId"/> (null: the newest), and one more to tell whether there is a next page.</summary>
    public async Task<List<TimelineEntry>> PageAsync(string entityType, long entityId, int first, long? beforeId, CancellationToken cancellationToken) =>
        await Page(entityType, entityId, first + 1, beforeId).ToListAsync(cancellationToken);

    /// <summary>The first page of each record, in one statement per <see cref="MaxRecordsPerStatement"/> records (one per GraphQL level).</summary>
    public async Task<Dictionary<long, List<TimelineEntry>>> PagesAsync(string entityType, IReadOnlyCollection<long> entityIds, int first, long? beforeId, CancellationToken cancellationToken)
    {
        var pages = entityIds.Distinct().ToDictionary(id => id, _ => new List<TimelineEntry>());
        foreach (var chunk in pages.Keys.Chunk(MaxRecordsPerStatement))
        {
            // One ordered index range per record, merged: each stops after its page.
            IQueryable<TimelineEntry>? union = null;
            foreach (var id in chunk)
            {
                var part = Page(entityType, id, first + 1, beforeId);
                union = union is null ? part : union.Concat(part);
            }

            foreach (var entry in await union!.ToListAsync(cancellationToken))
            {
                pages[entry.EntityId].Add(entry);
            }
        }

        foreach (var page in pages.Values)
        {
            page.Sort((a, b) => b.Id.CompareTo(a.Id));
        }

        return pages;
    }

    private IQueryable<TimelineEntry> Page(string entityType, long entityId, int take, long? beforeId)
    {
        var query = db.Entries.AsNoTracking().Where(e => e.EntityType == entityType && e.EntityId == entityId);
        if (beforeId is { } before)
        {
            query = query.Where(e => e.Id < before);
        }

        return query.OrderByDescending(e => e.Id).Take(take);
    }

    /// <summary>An entry's cursor: its id, which only grows (what a subscription resumes from).</summary>
    public static string Cursor(long id) => Convert.ToBase64String(Encoding.UTF8.GetBytes("timeline:" + id.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The entry id a cursor names, or null when it is not one of ours.</summary>
    public static long? ParseCursor(string cursor)
    {
        if (cursor.Length > 64)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            return text.StartsWith("timeline:", StringComparison.Ordinal)
                && long.TryParse(text.AsSpan("timeline:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
                ? id
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
