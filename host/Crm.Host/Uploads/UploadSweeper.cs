using Microsoft.Extensions.Options;

namespace Crm.Host.Uploads;

/// <summary>Deletes expired uploads every <see cref="UploadOptions.SweepInterval"/> (any host may: a file already gone is skipped).</summary>
internal sealed class UploadSweeper(IServiceScopeFactory scopes, IOptions<UploadOptions> options, TimeProvider clock, ILogger<UploadSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.SweepInterval, clock, stoppingToken);
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database away for a while: the next round tries again.
                logger.LogWarning(ex, "Sweeping expired uploads failed; trying again in {Interval}.", options.Value.SweepInterval);
            }
        }
    }

    /// <summary>One sweep, until nothing expired is left.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<UploadStore>().SweepAsync(cancellationToken) == 0)
            {
                return;
            }
        }
    }
}
