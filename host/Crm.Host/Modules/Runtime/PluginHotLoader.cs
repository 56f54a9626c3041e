using Crm.Host.Data;
using Crm.Host.GraphQL;
using Crm.Host.Hosting;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;

namespace Crm.Host.Modules.Runtime;

/// <summary>
/// Puts a plugin that passed the folder check into service with no restart, in the order that
/// leaves nothing half-registered: its container (<see cref="PluginContainer"/>), its schema
/// migrations, data migrations and start-up tasks (through scopes that reach its services, as the
/// system); only then its container, record types and catalog entry, and the schema composed again.
/// A step that throws fails it with the reason (the host and every other module go on; what its
/// migrations wrote stays, as at start). Callers take turns (<see cref="ModuleRuntime"/>).
/// </summary>
public sealed class PluginHotLoader(
    IServiceProvider hostRoot,
    ModuleCatalog catalog,
    IEntityRegistry registry,
    RuntimePlugins plugins,
    HostServiceDescriptors hostServices,
    ModuleDataRunner dataRunner,
    DatabaseOptions database,
    IConfiguration configuration,
    ILogger<PluginHotLoader> logger)
{
    /// <summary>Loads <paramref name="module"/>; returns false with the refusal when a check turned it away (nothing of it kept).</summary>
    public async Task<(bool Loaded, string? Refusal)> LoadAsync(ModuleEntry module, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        PluginContainer container;
        try
        {
            container = PluginContainer.Build(module, new ModuleContext(configuration), Held(), HeldTimelineKinds(), hostServices.Services, hostRoot);
            var scopes = plugins.ScopesWith([.. plugins.Loaded, container]);
            // Every host of the deployment loads a plugin just installed (the installing one at once,
            // the others at their next poll): one at a time, so that the second finds its tables made,
            // its data migrated and its lists seeded instead of racing the first to write them.
            await using (await DeploymentLock.AcquireAsync(database, "platform.plugin-load:" + module.Id, cancellationToken))
            {
                using (var scope = scopes.CreateSystemScope())
                {
                    foreach (var registration in container.Databases)
                    {
                        await PlatformInitializer.MigrateAsync(scope.ServiceProvider, registration, logger, cancellationToken);
                    }

                    // What delivering its outbox needs beyond its migrations (PostgreSQL: its stream row, waiting index and notify trigger), as at start.
                    await Events.EventStreamSetup.EnsureAsync(scope.ServiceProvider.GetRequiredService<Data.PlatformDbContext>(), container.Databases, cancellationToken);
                }

                // Its scheduled work handlers are known before its start-up tasks run: one that schedules its work (as at start) finds them.
                hostRoot.GetRequiredService<Scheduling.ScheduledWorkHandlers>().Add(container.ScheduledWork);
                await dataRunner.RunAsync(module, scopes, cancellationToken);
                await TellListenersAsync(container, scopes, cancellationToken);
            }

            MakeEventHandlers(container, scopes);
        }
        catch (PluginLoadException ex) when (ex.Refused)
        {
            logger.LogError("Plugin {Module} refused at load: {Reason}", module.Id, ex.Message);
            return (false, ModuleCatalog.OneLine(ex.Message));
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            var fault = ex is PluginLoadException { InnerException: { } inner } ? inner : ex;
            var reason = ex is PluginLoadException ? ex.Message : $"its schema migrations failed: {ModuleCatalog.Describe(ex)}";
            ModuleCatalog.Leave(module, ModuleState.Failed, reason, fault, logger);
            catalog.Add(module);
            return (true, null);
        }

        // In service from here: the container first (requests that meet its types find their
        // services), then its types, then the catalog entry, which moves the version the schema follows.
        // Its automation kinds and event handlers join their catalogs (new snapshots swapped in) before
        // the catalog entry: until then the module is unknown to the catalog, and its parts count as in service.
        plugins.Add(container);
        ((EntityRegistry)registry).Add(container.Types);
        if (hostRoot.GetService<PluginSdk.Automation.AutomationCatalog>() is { } automation)
        {
            foreach (var rejected in automation.Add(container.TriggerKinds, container.ActionKinds))
            {
                logger.LogError("An automation kind of plugin {Module} is left out: {Rejected}", module.Id, rejected);
            }
        }

        // Asked here, not taken in the constructor: the runtime (and this loader) is made at start before the event catalog is.
        hostRoot.GetRequiredService<Events.EventCatalog>().Add(module, container.EventHandlers);
        hostRoot.GetRequiredService<DeclaredParts<PluginSdk.Activities.IActivityTypeDeclarations>>().Add(module, container.ActivityTypes);
        hostRoot.GetRequiredService<DeclaredParts<PluginSdk.Timeline.IPlannedItems>>().Add(module, container.PlannedItems);
        hostRoot.GetRequiredService<DeclaredParts<PluginSdk.Timeline.ITimelineKinds>>().Add(module, container.TimelineKinds);
        catalog.Add(module);
        if (hostRoot.GetService<SchemaProvider>() is { } schemas)
        {
            _ = schemas.Current; // composed now (a part of it that fails fails the module), not by the next request
        }

        // Its endpoints join the router (a contributor that throws fails the plugin alone, as at start; nothing of it is mapped).
        try
        {
            hostRoot.GetRequiredService<RuntimeEndpoints>().Map(module, hostRoot, container.Services, container.EndpointContributors);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            catalog.Fail(module, $"its endpoints could not be mapped: {ModuleCatalog.Describe(ex)}", ex, logger);
            return (true, null);
        }

        // Its background services start now, in service (a guard fails the plugin alone if one throws), and stop with the host.
        await hostRoot.GetRequiredService<RuntimeHostedServices>().StartAsync(container, cancellationToken);

        logger.LogInformation("Plugin {Module} {Version} loaded with no restart in {Elapsed} ms.", module.Id, module.Manifest!.Version,
            System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture));
        return (true, null);
    }

    /// <summary>The host's parts that compose from every module's declarations (selection lists) take the plugin's.</summary>
    private async Task TellListenersAsync(PluginContainer container, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        foreach (var listener in hostRoot.GetServices<IModuleLoadedListener>())
        {
            try
            {
                using var scope = scopes.CreateSystemScope();
                await listener.ModuleLoadedAsync(container.Services, scope.ServiceProvider, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                throw new PluginLoadException(false, $"{listener.GetType().Name} could not take its declarations: {ModuleCatalog.Describe(ex)}", ex);
            }
        }
    }

    /// <summary>
    /// Makes each of its event handlers once, as the start does for every module's (see
    /// <c>PlatformInitializer</c>): one that cannot be made fails the plugin now, before any of it is
    /// registered, rather than at its first event.
    /// </summary>
    private static void MakeEventHandlers(PluginContainer container, IServiceScopeFactory scopes)
    {
        using var scope = scopes.CreateSystemScope();
        foreach (var handler in container.EventHandlers)
        {
            try
            {
                _ = scope.ServiceProvider.GetRequiredService(handler.HandlerType);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new PluginLoadException(false, $"its event handler {handler.HandlerType.Name} could not be made: {ModuleCatalog.Describe(ex)}", ex);
            }
        }
    }

    /// <summary>The record types held, with the module of each (a check refuses a plugin's type that claims one of their names).</summary>
    private IEnumerable<(string Holder, ICrmEntityType Type)> Held() =>
        registry.Types.Select(t => (catalog.OwnerOf(t.GetType().Assembly)?.Id ?? "the platform", t));

    /// <summary>The timeline kinds held, with the module of each (a plugin's kind or type name that one of them has refuses it, as at start).</summary>
    private IEnumerable<(string Holder, PluginSdk.Timeline.ITimelineKinds Kinds)> HeldTimelineKinds() =>
        hostRoot.GetRequiredService<DeclaredParts<PluginSdk.Timeline.ITimelineKinds>>().All.Select(k => (catalog.OwnerOf(k.GetType().Assembly)?.Id ?? "the platform", k));

}

/// <summary>The host's service registrations, kept after the build: what a plugin loaded at run time forwards to the host.</summary>
public sealed class HostServiceDescriptors(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;
}
