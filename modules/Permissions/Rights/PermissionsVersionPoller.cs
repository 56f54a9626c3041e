using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Permissions.Rights;

/// <summary>Picks up users, roles and sessions changed by other hosts on the same database.</summary>
public sealed class PermissionsVersionPoller(AccessRightsProvider rights, IConfiguration configuration, ILogger<PermissionsVersionPoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = configuration.GetValue("Permissions:PollInterval", TimeSpan.FromSeconds(1));
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await rights.PollAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Permissions: could not check for changes; trying again.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
