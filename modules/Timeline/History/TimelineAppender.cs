using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Crm.Modules.Timeline.Live;
using Crm.PluginSdk.Live;
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

        var session = db.Session ?? throw new InvalidOperationException("The timeline appender needs a scope's context.");
        if (session.Transaction is not null || db.Database.CurrentTransaction is not null)
        {
            // The caller's transaction (a comment's mutation): what fails rolls back with it.
            return await WriteAsync(entries, moves, cancellationToken);
        }

        var eventIds = entries.Select(e => e.EventId).Distinct().ToList();
        try
        {
            // A transaction of its own: the writers' lock lasts until the entries are committed.
            return await session.InTransactionAsync(() => WriteAsync(entries, moves, cancellationToken), cancellationToken: cancellationToken);
        }
        catch (DbUpdateException) when (eventIds.Count > 1)
        {
            db.ChangeTracker.Clear();
            var count = 0;
            foreach (var group in entries.GroupBy(e => e.EventId))
            {
                count += await AppendAsync(group.ToList(), moves.Where(m => m.EventId == group.Key).ToList(), cancellationToken);
            }

            return count;
        }
        catch (DbUpdateException)
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

    /// <summary>
    /// In the transaction: takes the writers' lock (entries become visible in id order, which live
    /// readers rely on), skips the events written before (checked under the lock, so after any
    /// other writer of them committed), saves the rest in one save and tells the live readers.
    /// </summary>
    private async Task<int> WriteAsync(IReadOnlyList<TimelineEntry> entries, IReadOnlyList<StageMove> moves, CancellationToken cancellationToken)
    {
        await LiveSignal.LockWritersAsync(db, TimelineLiveSource.SignalName, cancellationToken);
        // Every event that makes a stage move makes an entry in the same save, so entries alone tell.
        var eventIds = entries.Select(e => e.EventId).Distinct().ToList();
        var written = (await db.Entries.AsNoTracking().Where(e => eventIds.Contains(e.EventId)).Select(e => e.EventId).Distinct().ToListAsync(cancellationToken)).ToHashSet();
        var newEntries = entries.Where(e => !written.Contains(e.EventId)).ToList();
        if (newEntries.Count == 0)
        {
            return 0;
        }

        try
        {
            db.Entries.AddRange(newEntries);
            db.StageMoves.AddRange(moves.Where(m => !written.Contains(m.EventId)));
            await db.SaveChangesAsync(cancellationToken);
            await LiveSignal.RaiseAsync(db, TimelineLiveSource.SignalName, cancellationToken);
            return newEntries.Count;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }
}
