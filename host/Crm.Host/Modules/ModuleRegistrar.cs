using System.Reflection;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Modules;

namespace Crm.Host.Modules;

/// <summary>
/// Registers the services of every module in service, in load order, each module as one step
/// that happens whole or not at all: its <see cref="ICrmModule.ConfigureServices"/>, its record
/// types (made here, so that a definition that throws, or one whose name another module holds, is
/// found before anything of the module is registered), and the classes registered by convention.
/// When a step throws, the service collection is put back as it was before the module, and the
/// module is refused or failed with one log line; its dependents are refused after it.
/// </summary>
public static class ModuleRegistrar
{
    public static void Register(IServiceCollection services, ModuleCatalog catalog, ModuleContext context, ILogger logger)
    {
        var registered = new List<(ModuleEntry Module, ICrmEntityType Type)>();
        var timelineKinds = new TimelineKindsRegistrar();
        foreach (var module in catalog.All.Where(catalog.InService).ToList())
        {
            // A dependency that left service earlier in this loop took its dependents with it.
            if (!catalog.InService(module))
            {
                continue;
            }

            var before = services.ToList();
            var step = Step.ConfigureServices;
            string? subject = null;
            try
            {
                var types = RegisterServicesAndRecordTypes(services, module, context, (own, type) => Claimant(registered.Select(r => (r.Module.Id, r.Type)), own, type), ref step, ref subject);
                var moduleTimelineKinds = timelineKinds.Read(module.Id, module.Assembly!);
                foreach (var declared in moduleTimelineKinds)
                {
                    services.AddSingleton(declared);
                }

                Events.EventHandlerConventions.Register(services, module.Id, module.Assembly!);
                Scheduling.ScheduledWorkHandlers.Register(services, module.Id, module.Assembly!);
                ModuleGuards.Apply(services, Added(services, before), module, catalog);
                registered.AddRange(types.Select(t => (module, t)));
                timelineKinds.Accept(module.Id, moduleTimelineKinds);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                services.Clear();
                foreach (var descriptor in before)
                {
                    services.Add(descriptor);
                }

                var (refused, reason) = Fault(ex, step, subject);
                if (refused)
                {
                    catalog.Refuse(module, reason, logger);
                }
                else
                {
                    catalog.Fail(module, reason, ex, logger);
                }
            }
        }
    }

    /// <summary>What a fault while registering a module makes of it: refused (a check, or its assembly broken) or failed (its own code threw), and why.</summary>
    internal static (bool Refused, string Reason) Fault(Exception ex, Step step, string? subject) =>
        ex is ModuleLoader.ModuleRefusedException ? (true, ex.Message)
        // Reading the assembly's types failed: a dependency of it is missing or does not fit.
        : step == Step.Classes ? (true, $"its assembly is broken: {ModuleCatalog.Describe(ex)}")
        : (false, $"{(step == Step.ConfigureServices ? "ConfigureServices" : $"its record type {subject}")} threw {ModuleCatalog.Describe(ex)}");

    /// <summary>
    /// The parts of a module that every load makes, at start or at run time: its
    /// <see cref="ICrmModule.ConfigureServices"/>, its record types (made here, each checked by
    /// <paramref name="claimant"/> against those held and its own made before it), and the classes
    /// registered by convention. Throws as <see cref="Register"/> reads it (<paramref name="step"/>
    /// and <paramref name="subject"/> say where).
    /// </summary>
    internal static List<ICrmEntityType> RegisterServicesAndRecordTypes(IServiceCollection services, ModuleEntry module, ModuleContext context,
        Func<List<ICrmEntityType>, ICrmEntityType, string?> claimant, ref Step step, ref string? subject)
    {
        var before = services.ToList();
        module.Instance!.ConfigureServices(services, context);
        var added = Added(services, before);
        if (added.FirstOrDefault(d => d.ServiceType == typeof(ICrmEntityType) || d.ServiceType == typeof(ICrmEntityDefinition)) is { } manual)
        {
            throw new ModuleLoader.ModuleRefusedException(
                $"it registers {manual.ServiceType.Name} itself: a record type is a class deriving from CrmEntityDefinition, found by convention");
        }

        step = Step.Classes;
        var definitionTypes = module.Assembly!.GetExportedTypes()
            .Where(t => typeof(ICrmEntityDefinition).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false })
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();
        var types = new List<ICrmEntityType>();
        foreach (var definitionType in definitionTypes)
        {
            if (definitionType.GetConstructor(Type.EmptyTypes) is null)
            {
                throw new ModuleLoader.ModuleRefusedException($"its record type {definitionType.Name} must have a public constructor without parameters (a definition reaches services through the IServiceProvider each call gets)");
            }

            step = Step.RecordType;
            subject = definitionType.Name;
            var type = (ICrmEntityType)Activator.CreateInstance(definitionType)!;
            step = Step.Classes;
            if (claimant(types, type) is { } refusal)
            {
                throw new ModuleLoader.ModuleRefusedException(refusal);
            }

            types.Add(type);
        }

        foreach (var type in types)
        {
            services.AddSingleton<ICrmEntityType>(type);
        }

        RegisterByConvention(services, module.Assembly);
        return types;
    }

    /// <summary>Where registering a module threw: its own code, or the host reading its classes.</summary>
    internal enum Step
    {
        ConfigureServices,
        Classes,
        RecordType,
    }

    /// <summary>What <paramref name="type"/> would take from a type registered before it, said as the refusal; null when nothing.</summary>
    internal static string? Claimant(IEnumerable<(string Holder, ICrmEntityType Type)> registered, List<ICrmEntityType> ownTypes, ICrmEntityType type)
    {
        foreach (var (holder, held) in registered)
        {
            if (EntityRegistry.Clash(held, type) is { } what)
            {
                return $"its record type '{type.Name}' claims {what}, which module '{holder}' holds (record type '{held.Name}')";
            }
        }

        foreach (var held in ownTypes)
        {
            if (EntityRegistry.Clash(held, type) is { } what)
            {
                return $"its record types '{held.Name}' and '{type.Name}' both claim {what}";
            }
        }

        return null;
    }

    private static List<ServiceDescriptor> Added(IServiceCollection services, List<ServiceDescriptor> before)
    {
        var had = before.ToHashSet(ReferenceEqualityComparer.Instance);
        return services.Where(d => !had.Contains(d)).ToList();
    }

    /// <summary>
    /// Scrutor registers what a module declares by implementing the SDK's contracts, so that a
    /// module's own code only registers what convention cannot know. (Record types are made and
    /// registered by <see cref="Register"/> itself.)
    /// </summary>
    private static void RegisterByConvention(IServiceCollection services, Assembly assembly) =>
        services.Scan(scan => scan.FromAssemblies(assembly)
            .AddClasses(c => c.AssignableTo<ISchemaContributor>().Where(t => !typeof(ICrmEntityDefinition).IsAssignableFrom(t)))
                .As<ISchemaContributor>().WithSingletonLifetime()
            .AddClasses(c => c.AssignableTo<IEndpointContributor>())
                .As<IEndpointContributor>().WithSingletonLifetime()
            .AddClasses(c => c.AssignableTo<ISelectionListDeclarations>())
                .As<ISelectionListDeclarations>().WithSingletonLifetime()
            .AddClasses(c => c.AssignableTo<Crm.PluginSdk.Activities.IActivityTypeDeclarations>())
                .As<Crm.PluginSdk.Activities.IActivityTypeDeclarations>().WithSingletonLifetime()
            .AddClasses(c => c.AssignableTo<Crm.PluginSdk.Timeline.IPlannedItems>())
                .As<Crm.PluginSdk.Timeline.IPlannedItems>().WithSingletonLifetime()
            .AddClasses(c => c.AssignableTo<Crm.PluginSdk.Automation.IAutomationTriggerKind>())
                .As<Crm.PluginSdk.Automation.IAutomationTriggerKind>().WithSingletonLifetime()
            .AddClasses(c => c.AssignableTo<Crm.PluginSdk.Automation.IAutomationActionKind>())
                .As<Crm.PluginSdk.Automation.IAutomationActionKind>().WithSingletonLifetime()
            .AddClasses(c => c.AssignableTo<Crm.PluginSdk.Jobs.IJobKind>())
                .As<Crm.PluginSdk.Jobs.IJobKind>().WithSingletonLifetime()
            .AddClasses(c => c.AssignableTo<IModuleLoadedListener>())
                .As<IModuleLoadedListener>().WithSingletonLifetime()
            // Self and every interface resolve to one instance per scope (or process).
            .AddClasses(c => c.AssignableTo<IScopedService>())
                .AsSelfWithInterfaces(t => t != typeof(IScopedService)).WithScopedLifetime()
            .AddClasses(c => c.AssignableTo<ISingletonService>())
                .AsSelfWithInterfaces(t => t != typeof(ISingletonService)).WithSingletonLifetime());
}
