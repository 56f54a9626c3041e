using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Runs;

/// <summary>
/// Ends the runs a stopped host left <c>RUNNING</c>: those still running a grace (<see cref="RunOptions.StalledRunGrace"/>)
/// past their deadline, which a live run never is (it checks its budget before each action, and no
/// action outlasts a budget). One conditional statement: two hosts sweeping at once end each run once.
/// They end <c>TIMED_OUT</c>, retryable from the action that had not finished (<c>retryRun</c>).
/// </summary>
public static class StalledRuns
{
    public const string Reason = "TIMED_OUT: the host stopped during the run (it was still running past its deadline); retryRun runs it again from the action under way.";

    /// <summary>Ends the stalled runs; how many it ended.</summary>
    public static async Task<int> EndAsync(AutomationDbContext db, RunOptions options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now - options.StalledRunGrace;
        var stalled = db.Runs.Where(r => r.Status == RunStatus.Running && r.Deadline != null && r.Deadline < cutoff);
        // Looked for first: a read takes no write lock (SQLite has one writer), and there is rarely anything to end.
        if (!await stalled.AnyAsync(cancellationToken))
        {
            return 0;
        }

        return await stalled.ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Status, RunStatus.TimedOut).SetProperty(r => r.Error, Reason).SetProperty(r => r.FinishedAt, now).SetProperty(r => r.Deadline, (DateTime?)null),
                cancellationToken);
    }
}
