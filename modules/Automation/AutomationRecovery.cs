using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.Modules.Automation.Processes;
using Crm.Modules.Automation.Runs;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Automation;

/// <summary>
/// The module's one recovery sweep, in the background as the system, once the host has started and
/// then every <see cref="RunOptions.StalledRunGrace"/> (at most every minute). At the start it schedules
/// again the work of waiting runs (<see cref="Waits.WaitRecovery"/>), of schedule rules
/// (<see cref="Schedules.ScheduleRecovery"/>) and of process timers; at every sweep it ends the rules'
/// runs a stopped host left running and takes over those it left pending (<see cref="StalledRuns"/>),
/// and takes on the process instances it left running, under no live host's lease
/// (<see cref="ProcessRecovery"/>), a cut-off outside step included; it deletes incoming webhooks' call windows an hour old. Not a start-up task: those run in a transaction, and the scheduler and the
/// steps write through connections of their own (on SQLite they would wait for that transaction's
/// lock). A failure is logged, never the host's: what was not put right is at the next sweep.
/// </summary>
public sealed class AutomationRecovery(IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, RunOptions options, TimeProvider clock, ILogger<AutomationRecovery> logger)
    : BackgroundService
{
    private static readonly TimeSpan LongestPause = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        await SafelyAsync("The automation's scheduled work could not be put right at this start.", async services =>
        {
            await Waits.WaitRecovery.RunAsync(services, stoppingToken);
            await Schedules.ScheduleRecovery.RunAsync(services, stoppingToken);
            await ProcessRecovery.ScheduleTimersAsync(services, stoppingToken);
            await ProcessRecovery.ScheduleNoticesAsync(services, stoppingToken);
        });
        var pause = options.StalledRunGrace < LongestPause ? options.StalledRunGrace : LongestPause;
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            var atStart = first;
            await SafelyAsync("The automation's recovery sweep failed; the next sweep tries again.", services => SweepAsync(services, atStart, stoppingToken));
            first = false;
            try
            {
                await Task.Delay(pause, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SweepAsync(IServiceProvider services, bool atStart, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        if (await StalledRuns.EndAsync(db, options, clock, cancellationToken) is > 0 and var ended)
        {
            logger.LogWarning("Ended {Count} automation runs a stopped host left running.", ended);
        }

        if (await StalledRuns.TakeOverPendingAsync(scopes, db, options, clock, cancellationToken) is > 0 and var taken)
        {
            logger.LogWarning("Took over {Count} automation runs a stopped host left pending.", taken);
        }

        await Webhooks.WebhookCallWindows.ForgetOldAsync(db, clock.GetUtcNow(), cancellationToken);

        if (await ProcessRecovery.AdvanceLeftAsync(scopes, db, clock.GetUtcNow().UtcDateTime - options.StalledRunGrace, atStart, cancellationToken) is > 0 and var instances)
        {
            logger.LogInformation("Took on {Count} business process instances left running by a stopped host.", instances);
        }
    }

    private async Task SafelyAsync(string failure, Func<IServiceProvider, Task> work)
    {
        try
        {
            using var scope = scopes.CreateSystemScope();
            await work(scope.ServiceProvider);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            logger.LogError(ex, "{Failure}", failure);
        }
    }
}
