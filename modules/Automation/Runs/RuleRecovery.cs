using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Automation.Runs;

/// <summary>
/// The rules' one recovery, in the background as the system: after every start it schedules again
/// the work of waiting runs (<see cref="Waits.WaitRecovery"/>) and of schedule rules
/// (<see cref="Schedules.ScheduleRecovery"/>), and ends the runs a stopped host left running
/// (<see cref="StalledRuns"/>), then looks for those again every grace (at most every minute).
/// Not a start-up task: those run in a transaction, and the scheduler writes through connections of
/// its own (on SQLite it would wait for that transaction's lock).
/// </summary>
public sealed class RuleRecovery(IServiceScopeFactory scopes, RunOptions options, TimeProvider clock, ILogger<RuleRecovery> logger) : BackgroundService
{
    private static readonly TimeSpan LongestPause = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await SafelyAsync("The automation's scheduled work could not be put right at this start.", async services =>
        {
            await Waits.WaitRecovery.RunAsync(services, stoppingToken);
            await Schedules.ScheduleRecovery.RunAsync(services, stoppingToken);
        });
        var pause = options.StalledRunGrace < LongestPause ? options.StalledRunGrace : LongestPause;
        while (!stoppingToken.IsCancellationRequested)
        {
            await SafelyAsync("The runs a stopped host left running could not be ended; the next sweep tries again.", async services =>
            {
                if (await StalledRuns.EndAsync(services.GetRequiredService<AutomationDbContext>(), options, clock, stoppingToken) is > 0 and var ended)
                {
                    logger.LogWarning("Ended {Count} automation runs a stopped host left running.", ended);
                }
            });
            await Task.Delay(pause, clock, stoppingToken);
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
            // The module goes on: what was not put right now is at the next sweep or start.
            logger.LogError(ex, "{Failure}", failure);
        }
    }
}
