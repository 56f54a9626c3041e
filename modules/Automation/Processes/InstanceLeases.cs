using System.Linq.Expressions;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.Modules.Automation.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// A host's hold on a process instance while it advances it, as a rule's run has (<see cref="RunLease"/>):
/// a token (<see cref="ProcessInstance.Lease"/>) taken by one conditional UPDATE, and a heartbeat renewed
/// every third of <see cref="RunOptions.StalledRunGrace"/> in a scope of its own however long a step
/// takes. One host at a time advances an instance; the recovery sweep takes only an instance no host
/// holds or whose holder's heartbeat is a grace old (its host is gone), never a live host's. Each advance
/// still checks the instance's revision, so a holder frozen past the grace, whose instance the sweep took,
/// commits no step twice.
/// </summary>
internal static class InstanceLeases
{
    /// <summary>Takes the lease of a RUNNING instance no live host holds; false when another holds it (or it does not run).</summary>
    public static async Task<bool> TakeAsync(AutomationDbContext db, long instanceId, Guid lease, DateTime now, DateTime staleBefore, CancellationToken cancellationToken) =>
        await db.ProcessInstances.Where(i => i.Id == instanceId && i.Status == InstanceStatus.Running && (i.Lease == null || i.Heartbeat < staleBefore))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Lease, lease).SetProperty(i => i.Heartbeat, now), cancellationToken) == 1;

    /// <summary>
    /// Lets go of the lease, if the instance is still at <paramref name="revision"/> (null: whatever it is at):
    /// false when another write moved it meanwhile (a resume whose own advance found the lease held), so
    /// that the holder looks again rather than leave a ready branch to no one.
    /// </summary>
    public static async Task<bool> ReleaseAsync(AutomationDbContext db, long instanceId, Guid lease, int? revision, DateTime now, CancellationToken cancellationToken) =>
        await db.ProcessInstances.Where(i => i.Id == instanceId && i.Lease == lease && (revision == null || i.Revision == revision))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Lease, (Guid?)null).SetProperty(i => i.Heartbeat, now), cancellationToken) == 1;

    /// <summary>Renews the lease's heartbeat in the background until disposed (<see cref="Heartbeat.Lost"/> once another took it).</summary>
    public static Heartbeat Renew(long instanceId, Guid lease, IServiceScopeFactory scopes, RunOptions options, TimeProvider clock) =>
        Heartbeat.Every(options.StalledRunGrace / 3, clock, async stop =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var now = clock.GetUtcNow().UtcDateTime;
            return await scope.ServiceProvider.GetRequiredService<AutomationDbContext>().ProcessInstances.Where(i => i.Id == instanceId && i.Lease == lease)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Heartbeat, now), stop) == 1;
        });

    /// <summary>
    /// The RUNNING instances the recovery sweep takes on: those whose holder's heartbeat is older than
    /// <paramref name="staleBefore"/>, and those no host holds; at a host's start any of the latter, later
    /// only those unchanged since <paramref name="staleBefore"/> (a live host takes a lease on an instance
    /// it has just started or resumed within moments).
    /// </summary>
    public static Expression<Func<ProcessInstance, bool>> Abandoned(DateTime staleBefore, bool atStart) => atStart
        ? i => i.Status == InstanceStatus.Running && (i.Lease == null || i.Heartbeat < staleBefore)
        : i => i.Status == InstanceStatus.Running && (i.Lease == null ? i.UpdatedAt < staleBefore : i.Heartbeat < staleBefore);
}
