using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// What the recovery sweep (<see cref="AutomationRecovery"/>) does for business process instances a host
/// that stopped (or died) left: instances still RUNNING (a branch ready to take its next step: the host
/// stopped between a commit and the next step) are advanced from where they are, except those cut off
/// inside a step that leaves the database (a script, a webhook) more than a grace ago, which fail at it
/// rather than take it twice. At a start every RUNNING instance is looked at; at every later sweep the
/// cut-off outside steps are looked for in the instances no host changed for a grace (a host calling out
/// keeps its instance's change time fresh while the call lasts). Another host advancing the same
/// instance at once is refused by its revision, so no step is taken twice. At a start the timers of
/// waiting branches are scheduled again too (the same key replaces: one whose scheduling was lost
/// between its step's commit and the scheduler is back; the others are unchanged).
/// </summary>
public static class ProcessRecovery
{
    /// <summary>Instances taken on per sweep (the oldest first); more wait for their next resume or the next sweep.</summary>
    public const int MaxPerSweep = 1_000;

    /// <summary>
    /// At a start (<paramref name="changedBefore"/> null): advances, or fails at a cut-off outside step, every RUNNING instance.
    /// Later: fails the RUNNING instances not changed since <paramref name="changedBefore"/> at their cut-off outside steps.
    /// How many it looked at.
    /// </summary>
    public static async Task<int> AdvanceLeftAsync(IServiceScopeFactory scopes, AutomationDbContext db, DateTime? changedBefore, CancellationToken cancellationToken)
    {
        var query = db.ProcessInstances.AsNoTracking().Where(i => i.Status == InstanceStatus.Running);
        if (changedBefore is { } cutoff)
        {
            query = query.Where(i => i.UpdatedAt < cutoff && i.State.Contains("\"startedAt\":\""));
        }

        var running = await query.OrderBy(i => i.Id).Select(i => i.Id).Take(MaxPerSweep).ToListAsync(cancellationToken);
        foreach (var id in running)
        {
            await using var step = scopes.CreateAsyncScope();
            var engine = step.ServiceProvider.GetRequiredService<ProcessEngine>();
            // A step that leaves the database and was cut off is not taken again: the instance fails there.
            if (!await engine.FailInterruptedAsync(id, cancellationToken) && changedBefore is null)
            {
                await engine.AdvanceAsync(id, cancellationToken);
            }
        }

        return running.Count;
    }

    /// <summary>Schedules the timers of waiting branches again (at a start).</summary>
    public static async Task ScheduleTimersAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        var scheduler = services.GetRequiredService<IWorkScheduler>();
        var timed = await db.ProcessInstances.AsNoTracking()
            .Where(i => (i.Status == InstanceStatus.Waiting || i.Status == InstanceStatus.Running) && i.State.Contains("\"timer\":\""))
            .OrderBy(i => i.Id).Take(MaxPerSweep).Select(i => new { i.Id, i.State }).ToListAsync(cancellationToken);
        foreach (var instance in timed)
        {
            foreach (var wait in InstanceState.FromJson(instance.State).Tokens.Select(t => t.Wait).Where(w => w?.Timer is not null && w.DueAt is not null))
            {
                await ProcessTimers.ScheduleAsync(scheduler, instance.Id, wait!, cancellationToken);
            }
        }
    }
}
