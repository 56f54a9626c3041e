using System.Diagnostics;
using Crm.PluginSdk.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Crm.Host.Events;

/// <summary>
/// Delivers domain events: every round it fans out a batch of each module's outbox to the
/// handlers (<see cref="OutboxFanOut"/>) and tries the deliveries that are due again
/// (<see cref="DeliveryRetries"/>). Delivery is at least once, per (event, handler): a handler that
/// fails is retried and parked alone. A round starts when a write wakes the dispatcher
/// (<see cref="OutboxWakeUp"/>: then only the outboxes written to), at once again for an outbox
/// whose batch came back full (a backlog), and every <c>Events:PollInterval</c> for everything.
/// Rounds that writes woke start at most once per <c>Events:WakeUpInterval</c>: under a stream of
/// writes a round takes the events of that interval together, rather than a few each.
/// </summary>
public sealed class OutboxDispatcher(
    IEnumerable<ModuleDatabaseRegistration> databases,
    Modules.Runtime.RuntimePlugins plugins,
    OutboxFanOut fanOut,
    DeliveryRetries retries,
    OutboxWakeUp wakeUp,
    IOptions<OutboxOptions> options,
    DatabaseOptions databaseOptions,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _firstRound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _sqliteTurnFile = SqliteTurnFile(databaseOptions);
    private bool _toldNoTurnFile;

    /// <summary>
    /// Ends when the round at start (what earlier runs left) has ended, delivered or failed, or the
    /// host stopped first. Whoever delivers on their own (a test) waits for it, so that this round
    /// never meets what they write next.
    /// </summary>
    public Task FirstRound => _firstRound.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var due = OutboxWakeUp.Due.Everything;
        var lastRound = long.MinValue;
        var backlog = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            OutboxWakeUp.Due? again = null;
            try
            {
                if (!backlog && lastRound != long.MinValue && options.Value.WakeUpInterval - Stopwatch.GetElapsedTime(lastRound) is { Ticks: > 0 } early)
                {
                    // Woken again soon after a round: gather what more is written for the rest of the interval.
                    await Task.Delay(early, stoppingToken);
                    due = due.With(options.Value.WakeUp ? wakeUp.Take() : null);
                }

                lastRound = Stopwatch.GetTimestamp();
                again = (await RoundAsync(due, stoppingToken)).Again;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                _firstRound.TrySetResult();
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Delivering domain events failed; retrying in {Interval}.", options.Value.PollInterval);
            }

            _firstRound.TrySetResult();

            try
            {
                backlog = again is not null;
                if (again is not null)
                {
                    // A backlog: no pause until it is gone, joined by whatever was written meanwhile.
                    due = again.With(options.Value.WakeUp ? wakeUp.Take() : null);
                }
                else if (options.Value.WakeUp)
                {
                    due = await wakeUp.WaitAsync(options.Value.PollInterval, stoppingToken);
                }
                else
                {
                    await Task.Delay(options.Value.PollInterval, stoppingToken);
                    due = OutboxWakeUp.Due.Everything;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One round: a batch of each outbox, then a batch of due retries. Returns the events fanned out plus the retries that succeeded.</summary>
    public async Task<int> DispatchPendingAsync(CancellationToken cancellationToken) =>
        (await RoundAsync(OutboxWakeUp.Due.Everything, cancellationToken)).Handled;

    /// <summary>One round over what is due; <c>Again</c> is what came back full (null: nothing did).</summary>
    private async Task<(int Handled, OutboxWakeUp.Due? Again)> RoundAsync(OutboxWakeUp.Due due, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!TryTakeSqliteTurn(out var turn))
            {
                return (0, null); // another host on the same SQLite file is delivering; the next poll comes back
            }

            using var held = turn;
            var handled = 0;
            var full = new HashSet<string>(StringComparer.Ordinal);
            // The host's modules' outboxes, then those of the plugins loaded at run time (read each round: one loaded meanwhile is in it).
            foreach (var database in databases.Concat(plugins.Loaded.SelectMany(p => p.Databases)).Where(d => due.Includes(d.Schema)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var taken = await fanOut.RunAsync(database, cancellationToken);
                handled += taken;
                if (taken >= options.Value.BatchSize)
                {
                    full.Add(database.Schema);
                }
            }

            var retriesFull = false;
            if (due.Retries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (delivered, claimed) = await retries.RunAsync(cancellationToken);
                handled += delivered;
                retriesFull = claimed >= options.Value.BatchSize;
            }

            return (handled, full.Count > 0 || retriesFull ? new OutboxWakeUp.Due(full, retriesFull) : null);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The file whose lock makes hosts on one SQLite database deliver in turn (none for PostgreSQL or a database in memory).</summary>
    private static string? SqliteTurnFile(DatabaseOptions database)
    {
        if (database.Provider != DatabaseProvider.Sqlite)
        {
            return null;
        }

        var sqlite = new SqliteConnectionStringBuilder(database.ConnectionString);
        return sqlite.DataSource is { Length: > 0 } file && file != ":memory:" && sqlite.Mode != SqliteOpenMode.Memory
            ? Path.GetFullPath(file) + "-outbox.lock"
            : null;
    }

    /// <summary>
    /// On SQLite, which has no row locks to claim work with, hosts sharing the file take turns:
    /// an exclusive OS lock on a file beside the database, held while one host delivers (fans out
    /// and retries). The OS drops it when the process dies, so a killed host holds nothing up.
    /// False: another host's turn.
    /// </summary>
    private bool TryTakeSqliteTurn(out IDisposable? turn)
    {
        turn = null;
        if (_sqliteTurnFile is null)
        {
            return true;
        }

        try
        {
            turn = new FileStream(_sqliteTurnFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
            return true;
        }
        catch (IOException) when (File.Exists(_sqliteTurnFile))
        {
            return false; // held by another host
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No lock file can be made here (a read-only folder): deliver as a single host would, and say so once.
            if (!_toldNoTurnFile)
            {
                _toldNoTurnFile = true;
                logger.LogWarning("Cannot open {File} ({Reason}); hosts sharing this SQLite file may deliver an event twice.", _sqliteTurnFile, ex.Message);
            }

            return true;
        }
    }
}
