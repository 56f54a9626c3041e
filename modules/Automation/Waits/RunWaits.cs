using System.Globalization;
using System.Text.Json;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.Modules.Automation.Runs;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Automation.Waits;

/// <summary>
/// Makes a run wait at an action and wakes it: the wait row is saved with the run's WAITING state in
/// one transaction (the run's write conditional on its holder's lease), then the scheduler's work for it
/// is keyed by the wait's id. Taking a due wait moves its run RUNNING under a new lease in one transaction too:
/// no host stopping in between leaves a run WAITING with its wait taken. Scheduling
/// is not part of that transaction: a wait whose work was lost (the host stopped in between) is
/// scheduled again at the next start (<see cref="WaitRecovery"/>), which is idempotent.
/// </summary>
public sealed class RunWaits(AutomationDbContext db, CrmDatabaseSession session, IWorkScheduler scheduler, TimeProvider clock, RunOptions options, ILogger<RunWaits> logger)
{
    /// <summary>The scheduled work handler of waits (<see cref="WaitHandler"/>).</summary>
    public const string Handler = AutomationModule.Id + "/" + WaitHandler.Name;

    /// <summary>
    /// Saves the run as WAITING at <paramref name="actionIndex"/> until <paramref name="dueAt"/> (its steps as <paramref name="run"/> has them, its lease
    /// released), with its wait, and schedules the wait; false (nothing written) when <paramref name="lease"/> no longer holds the run.
    /// </summary>
    public async Task<bool> WaitAsync(AutomationRun run, Guid lease, int actionIndex, int failedAttempts, DateTimeOffset dueAt, string? stageId, IReadOnlyDictionary<string, FieldChange>? changes, CancellationToken cancellationToken)
    {
        var wait = new AutomationWait
        {
            RunId = run.Id,
            ActionIndex = actionIndex,
            FailedAttempts = failedAttempts,
            DueAt = dueAt.UtcDateTime,
            State = WaitState.Waiting,
            StageId = stageId,
            Changes = changes is null ? null : JsonSerializer.Serialize(changes),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        var steps = run.Steps;
        var written = await session.InTransactionAsync(async () =>
        {
            if (await db.Runs.Where(r => r.Id == run.Id && r.Lease == lease).ExecuteUpdateAsync(
                    s => s.SetProperty(r => r.Status, RunStatus.Waiting).SetProperty(r => r.Steps, steps).SetProperty(r => r.Deadline, (DateTime?)null)
                        .SetProperty(r => r.Lease, (Guid?)null).SetProperty(r => r.Heartbeat, (DateTime?)null),
                    cancellationToken) == 0)
            {
                return false;
            }

            db.Waits.Add(wait);
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }, written => written, cancellationToken);
        db.Entry(wait).State = EntityState.Detached;
        if (!written)
        {
            return false;
        }

        run.Status = RunStatus.Waiting;
        await ScheduleAsync(wait.Id, dueAt, cancellationToken);
        return true;
    }

    /// <summary>Schedules the work of a wait; a failure is logged (the next start schedules it again).</summary>
    public async Task ScheduleAsync(long waitId, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        try
        {
            await scheduler.ScheduleAsync(Handler, waitId.ToString(CultureInfo.InvariantCulture), dueAt, "", cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            logger.LogError(ex, "The wait {Wait} could not be scheduled; the next start of a host schedules it.", waitId);
        }
    }

    /// <summary>
    /// Takes the wait, once, and moves its run RUNNING under <paramref name="lease"/> with its budget again, in one transaction:
    /// the taken wait; null when it was taken (its work ran on another host, or twice) or cancelled.
    /// </summary>
    public async Task<AutomationWait?> TakeAsync(long waitId, Guid lease, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var deadline = now + options.MaxRunDuration;
        return await session.InTransactionAsync(async () =>
        {
            if (await db.Waits.Where(w => w.Id == waitId && w.State == WaitState.Waiting).ExecuteUpdateAsync(s => s.SetProperty(w => w.State, WaitState.Done), cancellationToken) == 0)
            {
                return null;
            }

            var wait = await db.Waits.AsNoTracking().FirstAsync(w => w.Id == waitId, cancellationToken);
            var moved = await db.Runs.Where(r => r.Id == wait.RunId && r.Status == RunStatus.Waiting).ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.Lease, lease).SetProperty(r => r.Heartbeat, now).SetProperty(r => r.Deadline, deadline),
                cancellationToken);
            // A run no longer waiting (cancelled by hand): its wait is taken all the same, with nothing to resume.
            return moved == 1 ? wait : null;
        }, cancellationToken: cancellationToken);
    }

    /// <summary>Cancels the run's waits and their scheduled work; false when none was waiting (its work took it already).</summary>
    public async Task<bool> CancelAsync(long runId, CancellationToken cancellationToken)
    {
        var waiting = await db.Waits.AsNoTracking().Where(w => w.RunId == runId && w.State == WaitState.Waiting).Select(w => w.Id).ToListAsync(cancellationToken);
        var cancelled = 0;
        foreach (var id in waiting)
        {
            if (await db.Waits.Where(w => w.Id == id && w.State == WaitState.Waiting).ExecuteUpdateAsync(s => s.SetProperty(w => w.State, WaitState.Cancelled), cancellationToken) == 1)
            {
                cancelled++;
                await scheduler.CancelAsync(Handler, id.ToString(CultureInfo.InvariantCulture), cancellationToken);
            }
        }

        return cancelled > 0;
    }

    /// <summary>The changes a wait kept of the run's starting event.</summary>
    public static IReadOnlyDictionary<string, FieldChange>? ChangesOf(AutomationWait wait) =>
        wait.Changes is null ? null : JsonSerializer.Deserialize<Dictionary<string, FieldChange>>(wait.Changes);
}
