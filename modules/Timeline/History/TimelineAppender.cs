using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Crm.Modules.Timeline.Live;
using Crm.PluginSdk.Live;

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
    /// Writes the entries and moves not written before in one transaction (the caller's, or one of
    /// its own) and returns how many entries it wrote. An entry is written before when its (event,
    /// record, kind) is there (a move: its event), as after a redelivery or another host's delivery
    /// of the same events: the unique indexes skip it (<c>ON CONFLICT DO NOTHING</c>), so two hosts
    /// writing the same events at once write each entry once, with no error and no retry.
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

        // A transaction of its own: the writers' lock lasts until the entries are committed, and a
        // batch whose moves fail leaves no entry either.
        return await session.InTransactionAsync(() => WriteAsync(entries, moves, cancellationToken), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// In the transaction: takes the writers' lock (entries become visible in id order, which live
    /// readers rely on), inserts the entries, then the moves, each in one statement with no change
    /// tracking and no ids read back (no writer needs them), and tells the live readers when any
    /// entry was new.
    /// </summary>
    private async Task<int> WriteAsync(IReadOnlyList<TimelineEntry> entries, IReadOnlyList<StageMove> moves, CancellationToken cancellationToken)
    {
        await LiveSignal.LockWritersAsync(db, TimelineLiveSource.SignalName, cancellationToken);
        var written = await TimelineInserts.InsertEntriesAsync(db, entries, cancellationToken);
        if (moves.Count > 0)
        {
            await TimelineInserts.InsertMovesAsync(db, moves, cancellationToken);
        }

        if (written > 0)
        {
            await LiveSignal.RaiseAsync(db, TimelineLiveSource.SignalName, cancellationToken);
        }

        return written;
    }
}
