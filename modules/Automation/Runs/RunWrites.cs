using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Runs;

/// <summary>The run's lease was taken from its holder: its action's transaction rolls back and the run goes no further on this host.</summary>
public sealed class RunLeaseLostException(long runId) : Exception($"The automation run {runId} was taken from this host (ended by the recovery sweep, or taken over).");

/// <summary>
/// A run's row as its holder writes it. It is recorded once per rule, start and record (the unique
/// index) with <c>INSERT ... ON CONFLICT DO NOTHING</c>: a start that already has its run (a
/// redelivered event) adds nothing and logs nothing. Every later write is conditional on the holder's
/// lease token (<see cref="AutomationRun.Lease"/>), so a run the sweep ended or another host took
/// over is never written by the host that lost it.
/// </summary>
public static class RunWrites
{
    private static readonly string[] Start = [nameof(AutomationRun.RuleId), nameof(AutomationRun.EventId), nameof(AutomationRun.EntityId)];

    /// <summary>Records a run that ended before its actions (skipped, refused): one statement; false when this start already has its run.</summary>
    public static Task<bool> RecordAsync(AutomationDbContext db, AutomationRun run, CancellationToken cancellationToken) =>
        db.InsertUnlessTakenAsync(run, Start, cancellationToken);

    /// <summary>
    /// Records <paramref name="run"/> PENDING under <paramref name="lease"/> (one statement), or, when
    /// this start already has a PENDING run whose heartbeat is older than the grace (a host stopped
    /// before its first action: nothing of it was done), takes that one over: <paramref name="run"/>
    /// becomes it (its id, run id, start). False when the start's run ran, runs, or is held by a live host.
    /// </summary>
    public static async Task<bool> RecordPendingAsync(AutomationDbContext db, AutomationRun run, Guid lease, DateTime now, RunOptions options, CancellationToken cancellationToken)
    {
        run.Status = RunStatus.Pending;
        run.Lease = lease;
        run.Heartbeat = now;
        if (await db.InsertUnlessTakenAsync(run, Start, cancellationToken))
        {
            return true;
        }

        var (ruleId, eventId, entityId) = (run.RuleId, run.EventId, run.EntityId);
        var cutoff = now - options.StalledRunGrace;
        var left = db.Runs.Where(r => r.RuleId == ruleId && r.EventId == eventId && r.EntityId == entityId && r.Status == RunStatus.Pending && r.Heartbeat < cutoff);
        if (await left.ExecuteUpdateAsync(s => s.SetProperty(r => r.Lease, lease).SetProperty(r => r.Heartbeat, now), cancellationToken) == 0)
        {
            return false;
        }

        var taken = await db.Runs.AsNoTracking().FirstAsync(r => r.RuleId == ruleId && r.EventId == eventId && r.EntityId == entityId, cancellationToken);
        (run.Id, run.RunId, run.StartedAt, run.Deadline) = (taken.Id, taken.RunId, taken.StartedAt, now + options.MaxRunDuration);
        return true;
    }

    /// <summary>Takes over a PENDING run whose heartbeat is older than <paramref name="cutoff"/> (the recovery sweep); false when another host took it or it started.</summary>
    public static async Task<bool> TakeOverAsync(AutomationDbContext db, long runId, Guid lease, DateTime now, DateTime cutoff, CancellationToken cancellationToken) =>
        await db.Runs.Where(r => r.Id == runId && r.Status == RunStatus.Pending && r.Heartbeat < cutoff)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Lease, lease).SetProperty(r => r.Heartbeat, now), cancellationToken) == 1;

    /// <summary>
    /// Moves the run RUNNING, writes its steps so far and renews its heartbeat, if <paramref name="lease"/>
    /// still holds it; else throws <see cref="RunLeaseLostException"/>. Run in an action's transaction, so
    /// that the action commits only for the run's holder and the run is RUNNING once its first action commits.
    /// </summary>
    public static async Task HeldAsync(IServiceProvider services, long runId, Guid lease, string steps, DateTime now, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        if (await db.Runs.Where(r => r.Id == runId && r.Lease == lease)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.Steps, steps).SetProperty(r => r.Heartbeat, now), cancellationToken) == 0)
        {
            throw new RunLeaseLostException(runId);
        }
    }

    /// <summary>Moves a PENDING run RUNNING before an action with external effects (whose call no transaction can take back); false when the lease is gone.</summary>
    public static async Task<bool> StartAsync(AutomationDbContext db, long runId, Guid lease, DateTime now, CancellationToken cancellationToken) =>
        await db.Runs.Where(r => r.Id == runId && r.Lease == lease)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.Heartbeat, now), cancellationToken) == 1;

    /// <summary>Ends the run as <paramref name="run"/> says (status, error, steps, finish), releasing its lease, if <paramref name="lease"/> still holds it: one statement.</summary>
    public static async Task<bool> FinishAsync(AutomationDbContext db, AutomationRun run, Guid lease, CancellationToken cancellationToken)
    {
        var (status, error, steps, finishedAt) = (run.Status, run.Error, run.Steps, run.FinishedAt);
        return await db.Runs.Where(r => r.Id == run.Id && r.Lease == lease)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Status, status).SetProperty(r => r.Error, error).SetProperty(r => r.Steps, steps).SetProperty(r => r.FinishedAt, finishedAt)
                    .SetProperty(r => r.Deadline, (DateTime?)null).SetProperty(r => r.Lease, (Guid?)null).SetProperty(r => r.Heartbeat, (DateTime?)null),
                cancellationToken) == 1;
    }
}
