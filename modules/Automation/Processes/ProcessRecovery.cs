using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Scheduling;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// Once the host has started, takes on what a host that stopped (or died) left: instances still
/// RUNNING (a branch ready to take its next step: the host stopped between a commit and the next
/// step) are advanced from where they are, except those cut off inside a step that leaves the
/// database (a script, a webhook), which fail at it rather than take it twice, and the timers of waiting branches are scheduled again
/// (the same key replaces: one whose scheduling was lost between its step's commit and the
/// scheduler is back; the others are unchanged). Another host advancing the same instance at once
/// is refused by its revision, so two starting hosts take no step twice. It runs after the start
/// (not as a start-up task, whose transaction would hold SQLite's write lock against the steps'
/// own), and a failure is logged, never the host's.
/// </summary>
public sealed class ProcessRecovery(IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, ILogger<ProcessRecovery> logger) : BackgroundService
{
    /// <summary>Instances taken on per start (the oldest first); more wait for their next resume or the next start.</summary>
    public const int MaxPerStart = 1_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
                await RecoverAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Taking on the business process instances left by a previous host failed; they go on at their next resume or start.");
            }
        }
    }

    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateSystemScope();
        var db = scope.ServiceProvider.GetRequiredService<AutomationDbContext>();
        var running = await db.ProcessInstances.AsNoTracking().Where(i => i.Status == InstanceStatus.Running)
            .OrderBy(i => i.Id).Select(i => i.Id).Take(MaxPerStart).ToListAsync(cancellationToken);
        foreach (var id in running)
        {
            await using var step = scopes.CreateAsyncScope();
            var engine = step.ServiceProvider.GetRequiredService<ProcessEngine>();
            // A step that leaves the database and was cut off is not taken again: the instance fails there.
            if (!await engine.FailInterruptedAsync(id, cancellationToken))
            {
                await engine.AdvanceAsync(id, cancellationToken);
            }
        }

        var scheduler = scope.ServiceProvider.GetRequiredService<IWorkScheduler>();
        var timed = await db.ProcessInstances.AsNoTracking()
            .Where(i => (i.Status == InstanceStatus.Waiting || i.Status == InstanceStatus.Running) && i.State.Contains("\"timer\":\""))
            .OrderBy(i => i.Id).Take(MaxPerStart).Select(i => new { i.Id, i.State }).ToListAsync(cancellationToken);
        foreach (var instance in timed)
        {
            foreach (var wait in InstanceState.FromJson(instance.State).Tokens.Select(t => t.Wait).Where(w => w?.Timer is not null && w.DueAt is not null))
            {
                await ProcessTimers.ScheduleAsync(scheduler, instance.Id, wait!, cancellationToken);
            }
        }

        if (running.Count > 0)
        {
            logger.LogInformation("Took on {Count} business process instances left running by a previous host.", running.Count);
        }
    }
}
