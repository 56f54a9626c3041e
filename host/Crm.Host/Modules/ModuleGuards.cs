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
            // A disabled module's part is made as any other (the schema leaves it out while it is
            // disabled, by its assembly): a stand-in would be kept for good, and it comes back.
            if (module.State is ModuleState.Refused or ModuleState.Failed)
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
/// its <c>ExecuteAsync</c>) fails the module instead of stopping the host. It follows its module's
/// state: stopped when the module is disabled, started again when it is enabled.
/// </summary>
internal sealed class GuardedHostedService : IHostedLifecycleService
{
    private readonly ModuleEntry module;
    private readonly ModuleCatalog catalog;
    private readonly Func<IHostedService> create;
    private readonly string name;
    private readonly ILogger logger;
    // Starts and stops (the host's, and those a change of the module's state makes) one at a time.
    private readonly SemaphoreSlim _turn = new(1, 1);
    private IHostedService? _inner;
    private bool _hostStarted;
    private bool _hostStopping;
    private bool _running;

    public GuardedHostedService(ModuleEntry module, ModuleCatalog catalog, Func<IHostedService> create, string name, ILogger logger)
    {
        this.module = module;
        this.catalog = catalog;
        this.create = create;
        this.name = name;
        this.logger = logger;
        catalog.StateChanged += OnStateChanged;
    }

    /// <summary>The module it runs the service of.</summary>
    internal ModuleEntry Module => module;

    /// <summary>The service's class name (or its contract's, when made by a factory).</summary>
    internal string Name => name;

    /// <summary>Ends when the module's <c>ExecuteAsync</c> ends and what it threw has been dealt with (for tests to wait on).</summary>
    internal Task Running { get; private set; } = Task.CompletedTask;

    /// <summary>Whether the service runs now (started and not stopped).</summary>
    internal bool IsRunning => Volatile.Read(ref _running);

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

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            _hostStarted = true;
            await StartInnerAsync(cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    private Task StartInnerAsync(CancellationToken cancellationToken) => RunAsync("while starting", async inner =>
    {
        await inner.StartAsync(cancellationToken);
        Volatile.Write(ref _running, true);
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

    /// <summary>Disabled: stops what runs; enabled again: starts it (once the host has started it the first time).</summary>
    private void OnStateChanged(ModuleEntry changed)
    {
        if (changed != module)
        {
            return;
        }

        _ = FollowStateAsync();
    }

    private async Task FollowStateAsync()
    {
        await _turn.WaitAsync();
        try
        {
            if (!_hostStarted || _hostStopping)
            {
                return;
            }

            if (catalog.InService(module) && !IsRunning)
            {
                await StartInnerAsync(CancellationToken.None);
            }
            else if (module.State == ModuleState.Disabled && IsRunning)
            {
                await StopInnerAsync(inner => inner.StopAsync(CancellationToken.None));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning(ex, "Module {Module}: its background service {Service} could not follow the module's state.", module.Id, name);
        }
        finally
        {
            _turn.Release();
        }
    }

    // Stopping goes on for a module that failed: what it started is still to be stopped.
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _hostStopping = true;
        return StopStepAsync(inner => inner is IHostedLifecycleService lifecycle ? lifecycle.StoppingAsync(cancellationToken) : Task.CompletedTask);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _hostStopping = true;
        await _turn.WaitAsync(cancellationToken);
        try
        {
            // Also after a fault: what the module started is still to be stopped.
            await StopInnerAsync(inner => inner.StopAsync(cancellationToken));
        }
        finally
        {
            _turn.Release();
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) =>
        StopStepAsync(inner => inner is IHostedLifecycleService lifecycle ? lifecycle.StoppedAsync(cancellationToken) : Task.CompletedTask);

    private async Task StopInnerAsync(Func<IHostedService, Task> stop)
    {
        Volatile.Write(ref _running, false);
        await StopStepAsync(stop);
        await Running;
    }

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
