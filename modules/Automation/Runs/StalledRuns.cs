using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Runs;

/// <summary>
/// What the recovery sweep does for rules' runs a stopped host left, judged by their heartbeat, which
/// a live host renews every third of <see cref="RunOptions.StalledRunGrace"/> however long its action
/// takes (<see cref="RunLease"/>): a RUNNING run whose heartbeat is older than the grace ends
/// <c>TIMED_OUT</c>, its lease released (one conditional statement: two hosts sweeping at once end each
/// run once; its former holder's writes find the lease gone), retryable from the action that had not
/// finished (<c>retryRun</c>); a PENDING one (no action of it ran) is taken over and run here.
/// </summary>
public static class StalledRuns
{
    public const string Reason = "TIMED_OUT: the host stopped during the run (its heartbeat stopped); retryRun runs it again from the action under way.";

    /// <summary>Pending runs taken over per sweep (the oldest first); more wait for the next sweep.</summary>
    public const int MaxTakenOverPerSweep = 100;

    /// <summary>Ends the stalled running runs; how many it ended.</summary>
    public static async Task<int> EndAsync(AutomationDbContext db, RunOptions options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now - options.StalledRunGrace;
        // A run recorded before runs had heartbeats is judged by its deadline, as it was then.
        var stalled = db.Runs.Where(r => r.Status == RunStatus.Running && (r.Heartbeat < cutoff || (r.Heartbeat == null && r.Deadline < cutoff)));
        // Looked for first: a read takes no write lock (SQLite has one writer), and there is rarely anything to end.
        if (!await stalled.AnyAsync(cancellationToken))
        {
            return 0;
        }

        return await stalled.ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Status, RunStatus.TimedOut).SetProperty(r => r.Error, Reason).SetProperty(r => r.FinishedAt, now)
                    .SetProperty(r => r.Deadline, (DateTime?)null).SetProperty(r => r.Lease, (Guid?)null).SetProperty(r => r.Heartbeat, (DateTime?)null),
                cancellationToken);
    }

    /// <summary>Takes over the PENDING runs whose heartbeat is older than the grace and runs each (in a scope of its own, as the system); how many it took.</summary>
    public static async Task<int> TakeOverPendingAsync(IServiceScopeFactory scopes, AutomationDbContext db, RunOptions options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.StalledRunGrace;
        var left = await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Pending && r.Heartbeat < cutoff)
            .OrderBy(r => r.Id).Select(r => r.Id).Take(MaxTakenOverPerSweep).ToListAsync(cancellationToken);
        var taken = 0;
        foreach (var id in left)
        {
            var token = Guid.NewGuid();
            if (!await RunWrites.TakeOverAsync(db, id, token, clock.GetUtcNow().UtcDateTime, cutoff, cancellationToken))
            {
                continue; // another host's sweep, or the event's redelivery, took it first
            }

            taken++;
            using var scope = scopes.CreateSystemScope();
            var runner = scope.ServiceProvider.GetRequiredService<RuleRunner>();
            var run = await scope.ServiceProvider.GetRequiredService<AutomationDbContext>().Runs.AsNoTracking().FirstAsync(r => r.Id == id, cancellationToken);
            await runner.TakeOverAsync(run, token, cancellationToken);
        }

        return taken;
    }
}
