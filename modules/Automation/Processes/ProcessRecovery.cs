using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// What the recovery sweep (<see cref="AutomationRecovery"/>) does for business process instances a host
/// that stopped (or died) left RUNNING: a branch ready to take its next step, or cut off inside a step.
/// It takes only instances no live host holds (<see cref="InstanceLeases"/>): those whose holder's heartbeat
/// is a grace old, and those no host holds (at a start any, later those unchanged for a grace). It takes
/// each one's lease by a conditional UPDATE (two hosts sweeping at once take it once), fails it at an
/// outside step (a script, a webhook) its host was inside rather than take that twice, and else advances
/// it from where it is. At a start the timers of waiting branches are scheduled again too (the same key
/// replaces: one whose scheduling was lost between its step's commit and the scheduler is back), and so are the
/// watchdogs of webhook waits' notices not yet recorded (<see cref="ProcessWaitNotices"/>).
/// </summary>
public static class ProcessRecovery
{
    /// <summary>Instances taken on per sweep (the oldest first); more wait for their next resume or the next sweep.</summary>
    public const int MaxPerSweep = 1_000;

    /// <summary>Takes on the RUNNING instances no live host holds (<see cref="InstanceLeases.Abandoned"/>); how many it took.</summary>
    public static async Task<int> AdvanceLeftAsync(IServiceScopeFactory scopes, AutomationDbContext db, DateTime staleBefore, bool atStart, CancellationToken cancellationToken)
    {
        var left = await db.ProcessInstances.AsNoTracking().Where(InstanceLeases.Abandoned(staleBefore, atStart))
            .OrderBy(i => i.Id).Select(i => i.Id).Take(MaxPerSweep).ToListAsync(cancellationToken);
        var taken = 0;
        foreach (var id in left)
        {
            await using var step = scopes.CreateAsyncScope();
            if (await step.ServiceProvider.GetRequiredService<ProcessEngine>().AdvanceAsync(id, recovering: true, cancellationToken))
            {
                taken++;
            }
        }

        return taken;
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

    /// <summary>Schedules again (at a start) the watchdogs of webhook waits whose notice is not recorded: each is sent once it is due, unless recorded by then.</summary>
    public static async Task ScheduleNoticesAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        var scheduler = services.GetRequiredService<IWorkScheduler>();
        var engine = services.GetRequiredService<ProcessEngine>();
        var dueAt = ProcessWaitNotices.DueAt(services);
        var waiting = await db.ProcessInstances.AsNoTracking()
            .Where(i => (i.Status == InstanceStatus.Waiting || i.Status == InstanceStatus.Running) && i.State.Contains("\"webhook\""))
            .OrderBy(i => i.Id).Take(MaxPerSweep).Select(i => new { i.Id, i.ProcessId, i.ProcessVersion, i.State }).ToListAsync(cancellationToken);
        foreach (var instance in waiting)
        {
            var definition = await engine.DefinitionAsync(instance.ProcessId, instance.ProcessVersion, cancellationToken);
            foreach (var token in InstanceState.FromJson(instance.State).Tokens.Where(t => ProcessWaitNotices.Owed(definition, t) is not null))
            {
                if (!await ProcessWaitNotices.RecordedAsync(db, instance.Id, token.Id, token.At, ProcessWaitNotices.KeyOf(instance.Id, token), cancellationToken))
                {
                    await ProcessWaitNotices.ScheduleAsync(scheduler, instance.Id, token, dueAt, cancellationToken);
                }
            }
        }
    }
}
