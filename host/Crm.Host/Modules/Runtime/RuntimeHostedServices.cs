namespace Crm.Host.Modules.Runtime;

/// <summary>
/// The background services of plugins loaded at run time: started when the plugin is loaded (the
/// host's own start has passed them by), each guarded as a start-up module's is
/// (<see cref="GuardedHostedService"/>: a fault fails the plugin alone, and the service follows the
/// plugin's state, stopped while it is disabled and started again when enabled), and stopped with
/// the host. Registered as one of the host's hosted services, so the host's stop reaches them.
/// </summary>
public sealed class RuntimeHostedServices(ModuleCatalog catalog, ILoggerFactory loggers) : IHostedService
{
    private readonly Lock _lock = new();
    private readonly List<GuardedHostedService> _services = [];
    private readonly ILogger _logger = loggers.CreateLogger("Crm.Host.Modules");
    private bool _stopping;

    /// <summary>Starts the plugin's own background services (those of its container, not the host's it sees).</summary>
    internal async Task StartAsync(PluginContainer plugin, CancellationToken cancellationToken)
    {
        var guarded = new List<GuardedHostedService>();
        for (var i = 0; i < plugin.HostedServiceCount; i++)
        {
            var index = i;
            guarded.Add(new GuardedHostedService(plugin.Module, catalog, () => plugin.HostedService(index), plugin.HostedServiceName(index), _logger));
        }

        lock (_lock)
        {
            if (_stopping)
            {
                return; // the host is stopping: nothing of it is started now
            }

            _services.AddRange(guarded);
        }

        foreach (var service in guarded)
        {
            // Each step catches what the plugin's service throws and fails the plugin with it.
            await service.StartingAsync(cancellationToken);
            await service.StartAsync(cancellationToken);
            await service.StartedAsync(cancellationToken);
        }
    }

    /// <summary>The guarded services of <paramref name="moduleId"/> started at run time (tests).</summary>
    internal IReadOnlyList<GuardedHostedService> Of(string moduleId)
    {
        lock (_lock)
        {
            return [.. _services.Where(s => s.Module.Id == moduleId)];
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<GuardedHostedService> started;
        lock (_lock)
        {
            _stopping = true;
            started = [.. _services];
        }

        // In the reverse of their start, as the host stops its own.
        started.Reverse();
        foreach (var service in started)
        {
            await service.StoppingAsync(cancellationToken);
            await service.StopAsync(cancellationToken);
            await service.StoppedAsync(cancellationToken);
        }
    }
}
