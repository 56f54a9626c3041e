using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Automation.Schedules;

/// <summary>
/// After every start, in the background: schedules again the work of waiting runs
/// (<see cref="Waits.WaitRecovery"/>) and of schedule rules (<see cref="ScheduleRecovery"/>), as the
/// system. Not a start-up task: those run in a transaction, and the scheduler writes through
/// connections of its own (on SQLite it would wait for that transaction's lock).
/// </summary>
public sealed class ScheduledWorkRecovery(IServiceScopeFactory scopes, ILogger<ScheduledWorkRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            using var scope = scopes.CreateSystemScope();
            await Waits.WaitRecovery.RunAsync(scope.ServiceProvider, stoppingToken);
            await ScheduleRecovery.RunAsync(scope.ServiceProvider, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // The module goes on: what was not scheduled again now is at the next start.
            logger.LogError(ex, "The automation's scheduled work could not be put right at this start.");
        }
    }
}
