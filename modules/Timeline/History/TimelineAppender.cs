using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Timeline.History;

/// <summary>
/// The one place timeline entries and stage moves are inserted, whoever makes them (the history
/// handler from events, comments from their mutations): so that what every writer must do (skip
/// what was written before, keep entries of one event together, wake the live readers) is done
/// once. Entries of one event are written whole or not at all, keyed by the event id.
/// </summary>
public sealed class TimelineAppender(TimelineDbContext db)
{
    /// <summary>
    /// Writes the entries and moves of events not written before (by event id) in one save; returns
    /// how many entries it wrote. When another host wrote some of the same events at the same moment,
    /// the save is refused by the unique index and the events are written one by one, each skipped
    /// when it is there.
    /// </summary>
    public async Task<int> AppendAsync(IReadOnlyList<TimelineEntry> entries, IReadOnlyList<StageMove> moves, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return 0;
        }

        // Every event that makes a stage move makes an entry in the same save, so entries alone tell.
        var eventIds = entries.Select(e => e.EventId).Distinct().ToList();
        var written = (await db.Entries.AsNoTracking().Where(e => eventIds.Contains(e.EventId)).Select(e => e.EventId).Distinct().ToListAsync(cancellationToken)).ToHashSet();
        var newEntries = entries.Where(e => !written.Contains(e.EventId)).ToList();
        var newMoves = moves.Where(m => !written.Contains(m.EventId)).ToList();
        if (newEntries.Count == 0)
        {
            return 0;
        }

        try
        {
            return await SaveAsync(newEntries, newMoves, cancellationToken);
        }
        catch (DbUpdateException) when (eventIds.Count > 1 && db.Database.CurrentTransaction is null)
        {
            db.ChangeTracker.Clear();
            var count = 0;
            foreach (var group in newEntries.GroupBy(e => e.EventId))
            {
                count += await AppendAsync(group.ToList(), newMoves.Where(m => m.EventId == group.Key).ToList(), cancellationToken);
            }

            return count;
        }
        catch (DbUpdateException) when (db.Database.CurrentTransaction is null)
        {
            // Another delivery of the same event (another host) wrote it first: the unique index kept one.
            db.ChangeTracker.Clear();
            var id = eventIds[0];
            if (!await db.Entries.AnyAsync(e => e.EventId == id, cancellationToken))
            {
                throw;
            }

            return 0;
        }
    }

    private async Task<int> SaveAsync(List<TimelineEntry> entries, List<StageMove> moves, CancellationToken cancellationToken)
    {
        try
        {
            db.Entries.AddRange(entries);
            db.StageMoves.AddRange(moves);
            await db.SaveChangesAsync(cancellationToken);
            return entries.Count;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }
}
