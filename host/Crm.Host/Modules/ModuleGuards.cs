using Crm.PluginSdk.Modules;
using Crm.PluginSdk.GraphQL;

namespace Crm.Host.Modules;

/// <summary>
/// Guards the entry points of a module that run after the host is built: its schema
/// contributors and event handlers are made through a factory that catches what their
/// constructors throw, and its background services run inside a wrapper that catches what they
/// throw (a faulted <c>BackgroundService</c> would otherwise stop the host). A fault fails the
/// module (one log line, <c>modules { state reason }</c>); from then on every part of it resolves
/// to a stand-in that does nothing, so the host and the other modules go on.
/// </summary>
internal static class ModuleGuards
{
    /// <summary>Rewrites the descriptors the module added (<paramref name="added"/>) for the guarded contracts, in place, keeping their order.</summary>
    public static void Apply(IServiceCollection services, IReadOnlyCollection<ServiceDescriptor> added, ModuleEntry module, ModuleCatalog catalog)
    {
        var mine = added.ToHashSet(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (!mine.Contains(descriptor) || descriptor.IsKeyedService || descriptor.ImplementationInstance is not null)
            {
                continue; // an instance was made inside ConfigureServices, which is guarded itself
            }

            if (descriptor.ServiceType == typeof(ISchemaContributor) || descriptor.ServiceType == typeof(IHostedService)
                || descriptor.ServiceType == typeof(IEndpointContributor))
            {
                services[i] = Guard(services, descriptor, module, catalog);
            }
        }
    }

    private static ServiceDescriptor Guard(IServiceCollection services, ServiceDescriptor descriptor, ModuleEntry module, ModuleCatalog catalog)
    {
        var serviceType = descriptor.ServiceType;
        Func<IServiceProvider, object> create;
        string name;
        if (descriptor.ImplementationType is { } implementation)
        {
            // DI still makes it (its constructor choice, its lifetime), under a key only this factory knows.
            var key = new GuardKey(module.Id, services.Count);
            services.Add(new ServiceDescriptor(implementation, key, implementation, descriptor.Lifetime));
            create = provider => provider.GetRequiredKeyedService(implementation, key);
            name = implementation.Name;
        }
        else
        {
            var factory = descriptor.ImplementationFactory!;
            create = factory;
            name = serviceType.Name;
        }

        if (serviceType == typeof(IHostedService))
        {
            return new ServiceDescriptor(serviceType, provider => new GuardedHostedService(module, catalog, () => (IHostedService)create(provider), name, Logger(provider)), descriptor.Lifetime);
        }

        var what = serviceType == typeof(ISchemaContributor) ? "schema contributor" : "endpoint contributor";
        object StandIn() => serviceType == typeof(ISchemaContributor) ? NoContribution.Instance : NoEndpoints.Instance;
        return new ServiceDescriptor(serviceType, provider =>
        {
            if (!catalog.InService(module))
            {
                return StandIn();
            }

            try
            {
                return create(provider);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                catalog.Fail(module, $"its {what} {name} could not be made: {ModuleCatalog.Describe(ex)}", ex, Logger(provider));
                return StandIn();
            }
        }, descriptor.Lifetime);
    }

    private static ILogger Logger(IServiceProvider provider) => provider.GetRequiredService<ILoggerFactory>().CreateLogger("Crm.Host.Modules");

    private sealed record GuardKey(string Module, int Index);

    /// <summary>A failed module's schema contributor: adds nothing.</summary>
    private sealed class NoContribution : ISchemaContributor
    {
        public static readonly NoContribution Instance = new();

        public void Contribute(SchemaComposer composer)
        {
        }
    }

    /// <summary>A failed module's endpoint contributor: maps nothing.</summary>
    private sealed class NoEndpoints : IEndpointContributor
    {
        public static readonly NoEndpoints Instance = new();

        public void MapEndpoints(IEndpointRouteBuilder endpoints)
        {
        }
    }

}

/// <summary>
/// Runs a module's background service so that what it throws (making it, starting it, or later in
/// its <c>ExecuteAsync</c>) fails the module instead of stopping the host.
/// </summary>
internal sealed class GuardedHostedService(ModuleEntry module, ModuleCatalog catalog, Func<IHostedService> create, string name, ILogger logger) : IHostedLifecycleService
{
    private IHostedService? _inner;

    /// <summary>The module it runs the service of.</summary>
    internal ModuleEntry Module => module;

    /// <summary>Ends when the module's <c>ExecuteAsync</c> ends and what it threw has been dealt with (for tests to wait on).</summary>
    internal Task Running { get; private set; } = Task.CompletedTask;

    private async Task RunAsync(string stage, Func<IHostedService, Task> step)
    {
        if (!catalog.InService(module))
        {
            return;
        }

        try
        {
            _inner ??= create();
            await step(_inner);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            catalog.Fail(module, $"its background service {name} threw {ModuleCatalog.Describe(ex)} {stage}", ex, logger);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) =>
        RunAsync("while starting", inner => inner is IHostedLifecycleService lifecycle ? lifecycle.StartingAsync(cancellationToken) : Task.CompletedTask);

    public Task StartAsync(CancellationToken cancellationToken) => RunAsync("while starting", async inner =>
    {
        await inner.StartAsync(cancellationToken);
        if (inner is BackgroundService { ExecuteTask: { } running })
        {
            Running = WatchAsync(running);
        }
    });

    public Task StartedAsync(CancellationToken cancellationToken) =>
        RunAsync("once started", inner => inner is IHostedLifecycleService lifecycle ? lifecycle.StartedAsync(cancellationToken) : Task.CompletedTask);

    /// <summary>What the host would do for a <c>BackgroundService</c> (stop itself), done for the module alone.</summary>
    private async Task WatchAsync(Task running)
    {
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            catalog.Fail(module, $"its background service {name} threw {ModuleCatalog.Describe(ex)} while running", ex, logger);
        }
    }

    // Stopping goes on for a module that failed: what it started is still to be stopped.
    public Task StoppingAsync(CancellationToken cancellationToken) =>
        StopStepAsync(inner => inner is IHostedLifecycleService lifecycle ? lifecycle.StoppingAsync(cancellationToken) : Task.CompletedTask);

    public Task StopAsync(CancellationToken cancellationToken) => StopStepAsync(inner => inner.StopAsync(cancellationToken));

    public Task StoppedAsync(CancellationToken cancellationToken) =>
        StopStepAsync(inner => inner is IHostedLifecycleService lifecycle ? lifecycle.StoppedAsync(cancellationToken) : Task.CompletedTask);

    private async Task StopStepAsync(Func<IHostedService, Task> step)
    {
        if (_inner is null)
        {
            return;
        }

        try
        {
            await step(_inner);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            logger.LogWarning(ex, "Module {Module}: its background service {Service} threw while stopping.", module.Id, name);
        }
    }
}
