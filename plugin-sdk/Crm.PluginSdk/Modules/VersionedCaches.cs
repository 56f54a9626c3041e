using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.PluginSdk.Modules;

/// <summary>
/// What a module keeps in memory across requests (custom field definitions, rights, selection
/// lists) and checks against a version row that every change bumps in its own transaction. A change
/// made on this host drops what is kept at once; one made by another host on the same database is
/// seen when <see cref="PollAsync"/> reads the stored version, every poll interval.
/// </summary>
public interface IVersionedCache
{
    /// <summary>What the log calls it when a check fails ("Custom fields").</summary>
    string Name { get; }

    /// <summary>Work done once, in the background, before the first poll (none by default).</summary>
    Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Reads the stored version and drops or reloads what it outdates: one cheap statement when nothing changed.</summary>
    Task PollAsync(CancellationToken cancellationToken);
}

public static class VersionedCacheServices
{
    /// <summary>
    /// Polls the registered singleton <typeparamref name="TCache"/> every
    /// <paramref name="pollIntervalSetting"/> (a <see cref="TimeSpan"/> setting, 1 s when not
    /// given): how long another host's change may take to show here. A failed check is logged and
    /// tried again at the next interval.
    /// </summary>
    public static IServiceCollection AddVersionedCachePolling<TCache>(this IServiceCollection services, string pollIntervalSetting)
        where TCache : class, IVersionedCache
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pollIntervalSetting);
        // Also listed as a cache, for a host that changed versions below every module (a purge at start) and checks them all at once.
        services.AddSingleton<IVersionedCache>(provider => provider.GetRequiredService<TCache>());
        return services.AddSingleton<IHostedService>(provider => new VersionedCachePoller(
            provider.GetRequiredService<TCache>(),
            provider.GetRequiredService<IConfiguration>().GetValue(pollIntervalSetting, TimeSpan.FromSeconds(1)),
            provider.GetRequiredService<ILogger<VersionedCachePoller>>()));
    }
}

/// <summary>The one poller of every <see cref="IVersionedCache"/>.</summary>
internal sealed class VersionedCachePoller(IVersionedCache cache, TimeSpan interval, ILogger<VersionedCachePoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await cache.PrepareAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "{Cache}: could not prepare at start-up.", cache.Name);
        }

        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await cache.PollAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "{Cache}: could not check for changes; trying again.", cache.Name);
            }
        }
    }
}
