using System.Reflection;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Jobs;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Modules.Runtime;

/// <summary>
/// A plugin loaded at run time, in a service container of its own: MS DI cannot add services to
/// the host's built container. Its <see cref="ICrmModule.ConfigureServices"/>, its record types and
/// what convention registers go into a fresh collection, as at start; every service of the host it
/// does not register itself is forwarded to the host (singletons to the host's root, scoped and
/// transient services to the host scope its own scope was opened with, see <see cref="PluginScopes"/>),
/// so that its services share the request's actor, database session and transaction.
/// </summary>
public sealed class PluginContainer
{
    private readonly IServiceProviderIsService _has;

    private PluginContainer(ModuleEntry module, ServiceProvider services, IReadOnlyList<ICrmEntityType> types, IReadOnlySet<Type> own,
        IReadOnlyList<PluginSdk.Timeline.ITimelineKinds> timelineKinds)
    {
        Module = module;
        Services = services;
        Types = types;
        _has = services.GetRequiredService<IServiceProviderIsService>();
        // Read from its own registrations, not its provider: a contract it registers none of is forwarded to the host's.
        Databases = Own<ModuleDatabaseRegistration>(own);
        EventHandlers = Own<EventHandlerRegistration>(own);
        TriggerKinds = Own<IAutomationTriggerKind>(own);
        ActionKinds = Own<IAutomationActionKind>(own);
        JobKinds = Own<IJobKind>(own);
        ActivityTypes = Own<PluginSdk.Activities.IActivityTypeDeclarations>(own);
        PlannedItems = Own<PluginSdk.Timeline.IPlannedItems>(own);
        TimelineKinds = timelineKinds;
        ScheduledWork = Own<Scheduling.ScheduledWorkHandlerRegistration>(own);
        EndpointContributors = Own<IEndpointContributor>(own);
    }

    private IReadOnlyList<T> Own<T>(IReadOnlySet<Type> own)
        where T : class =>
        own.Contains(typeof(T)) ? [.. Services.GetServices<T>()] : [];

    public ModuleEntry Module { get; }

    /// <summary>The plugin's root provider (never disposed: a loaded assembly stays until the process ends).</summary>
    public IServiceProvider Services { get; }

    /// <summary>Its record types, made once, as the registrar makes them at start.</summary>
    public IReadOnlyList<ICrmEntityType> Types { get; }

    /// <summary>Its own endpoint contributors (not the host's, which its provider would forward to when it has none).</summary>
    public IReadOnlyList<IEndpointContributor> EndpointContributors { get; }

    /// <summary>Its own databases (their outboxes are delivered from as the built-in modules' are).</summary>
    public IReadOnlyList<ModuleDatabaseRegistration> Databases { get; }

    /// <summary>Its own event handlers, registered by convention as at start (<c>moduleId/name</c>).</summary>
    public IReadOnlyList<EventHandlerRegistration> EventHandlers { get; }

    /// <summary>Its own automation trigger kinds (made once, singletons of its container).</summary>
    public IReadOnlyList<IAutomationTriggerKind> TriggerKinds { get; }

    /// <summary>Its own automation action kinds.</summary>
    public IReadOnlyList<IAutomationActionKind> ActionKinds { get; }

    /// <summary>Its own job kinds.</summary>
    public IReadOnlyList<IJobKind> JobKinds { get; }

    /// <summary>Its own activity types (singletons of its container).</summary>
    public IReadOnlyList<PluginSdk.Activities.IActivityTypeDeclarations> ActivityTypes { get; }

    /// <summary>What it plans for its users (the feed's "planned for me").</summary>
    public IReadOnlyList<PluginSdk.Timeline.IPlannedItems> PlannedItems { get; }

    /// <summary>Its timeline kinds and their projections, made once and checked against the held ones as at start.</summary>
    public IReadOnlyList<PluginSdk.Timeline.ITimelineKinds> TimelineKinds { get; }

    /// <summary>Its scheduled work handlers (<c>moduleId/name</c>), registered by convention as at start.</summary>
    public IReadOnlyList<Scheduling.ScheduledWorkHandlerRegistration> ScheduledWork { get; }

    /// <summary>How many background services it registers itself (<see cref="IHostedService"/>).</summary>
    internal int HostedServiceCount { get; private init; }

    /// <summary>Its background service at <paramref name="index"/>, made when first asked (a constructor that throws fails the plugin, guarded).</summary>
    internal IHostedService HostedService(int index) => Services.GetServices<IHostedService>().ElementAt(index);

    /// <summary>The class name of its background service at <paramref name="index"/>, as the guard names it in a reason.</summary>
    internal string HostedServiceName(int index) => HostedServiceNames[index];

    private IReadOnlyList<string> HostedServiceNames { get; init; } = [];

    internal bool Has(Type serviceType) => _has.IsService(serviceType);

    /// <summary>
    /// Registers the plugin's parts into a container of its own. Throws <see cref="PluginLoadException"/>
    /// when its code throws (failed) or a check refuses it: a record type claiming a name that a held type
    /// (<paramref name="held"/>, with its module) has.
    /// </summary>
    internal static PluginContainer Build(ModuleEntry module, ModuleContext context, IEnumerable<(string Holder, ICrmEntityType Type)> held,
        IEnumerable<(string Holder, PluginSdk.Timeline.ITimelineKinds Kinds)> heldTimelineKinds, IServiceCollection hostServices, IServiceProvider hostRoot)
    {
        var services = new ServiceCollection();
        var step = ModuleRegistrar.Step.ConfigureServices;
        string? subject = null;
        List<ICrmEntityType> types;
        IReadOnlyList<PluginSdk.Timeline.ITimelineKinds> timelineKinds;
        try
        {
            var heldTypes = held.ToList();
            types = ModuleRegistrar.RegisterServicesAndRecordTypes(services, module, context, (own, type) => ModuleRegistrar.Claimant(heldTypes, own, type), ref step, ref subject);
            step = ModuleRegistrar.Step.Classes;
            // Its timeline kinds are checked against those of every module held, as the start checks each module's against those before it (a clash refuses it).
            var timelineRegistrar = new TimelineKindsRegistrar();
            foreach (var (holder, kinds) in heldTimelineKinds)
            {
                timelineRegistrar.Accept(holder, [kinds]);
            }

            timelineKinds = timelineRegistrar.Read(module.Id, module.Assembly!);
            Events.EventHandlerConventions.Register(services, module.Id, module.Assembly!);
            Scheduling.ScheduledWorkHandlers.Register(services, module.Id, module.Assembly!);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var (refused, reason) = ModuleRegistrar.Fault(ex, step, subject);
            throw new PluginLoadException(refused, reason, ex);
        }

        var own = services.Select(d => d.ServiceType).ToHashSet();
        // Counted before the host's are forwarded: a plugin with none of its own would otherwise see the host's last one.
        var hostedServices = services.Where(d => d.ServiceType == typeof(IHostedService) && !d.IsKeyedService)
            .Select(d => d.ImplementationType?.Name ?? d.ImplementationInstance?.GetType().Name ?? nameof(IHostedService)).ToList();
        ForwardHostServices(services, hostServices, hostRoot);
        var provider = services.BuildServiceProvider();
        try
        {
            return new PluginContainer(module, provider, types, own, timelineKinds) { HostedServiceCount = hostedServices.Count, HostedServiceNames = hostedServices };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Its kinds are made here, once (singletons): a constructor that throws fails it before anything of it is registered.
            throw new PluginLoadException(false, $"its automation or job kinds could not be made: {ModuleCatalog.Describe(ex)}", ex);
        }
    }

    private static void ForwardHostServices(IServiceCollection services, IServiceCollection hostServices, IServiceProvider hostRoot)
    {
        var own = services.Select(d => d.ServiceType).ToHashSet();
        foreach (var group in hostServices.Where(d => !d.IsKeyedService).GroupBy(d => d.ServiceType))
        {
            var type = group.Key;
            if (own.Contains(type) || Modules.DeclaredPartsSetup.IsHeldList(type))
            {
                continue; // the plugin's own (its schema contributors, its contexts' registrations) stay its own
            }

            if (type.IsGenericTypeDefinition)
            {
                // ILogger<>, IOptions<>: made in the plugin's container from what it forwards (the logger factory, the configuration).
                foreach (var descriptor in group)
                {
                    services.Add(descriptor);
                }

                continue;
            }

            if (typeof(DbContext).IsAssignableFrom(type))
            {
                // Another module's context is a pooled lease the host scope returns; disposed by the plugin's scope too, it
                // would go back to the pool twice. No module reaches another's context anyway (SDK contracts cross modules).
                continue;
            }

            services.Add(group.Last().Lifetime == ServiceLifetime.Singleton
                ? ServiceDescriptor.Singleton(type, _ => hostRoot.GetRequiredService(type))
                : new ServiceDescriptor(type, provider => provider.GetRequiredService<PluginHostScope>().Resolve(type), group.Last().Lifetime));
        }

        services.AddScoped<PluginHostScope>();
    }

}

/// <summary>In a plugin's scope: the host scope it was opened with, to which the host's scoped services are forwarded.</summary>
internal sealed class PluginHostScope
{
    public IServiceProvider? Services { get; set; }

    public object Resolve(Type serviceType) =>
        (Services ?? throw new InvalidOperationException(
            $"{serviceType.Name} is the host's, reached from a plugin loaded at run time only in a scope the host opened (a request, an event, a job): open scopes through the IServiceScopeFactory the host's services give."))
        .GetRequiredService(serviceType);
}

/// <summary>Loading a plugin at run time stopped: refused by a check, or failed because its own code threw.</summary>
public sealed class PluginLoadException(bool refused, string reason, Exception? inner = null) : Exception(reason, inner)
{
    public bool Refused { get; } = refused;
}
