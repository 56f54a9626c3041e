using System.Reflection;
using Crm.PluginSdk.Events;

namespace Crm.Host.Events;

/// <summary>How the host finds a module's event handlers and wires the delivery of events.</summary>
public static class EventHandlerConventions
{
    /// <summary>
    /// Registers every event handler class of a module (each implementing <see cref="IEventHandler{TEvent}"/>
    /// or <see cref="IEventBatchHandler{TEvent}"/>)
    /// under <c>moduleId/name</c>, the name from <see cref="EventHandlerAttribute"/> or else the class name.
    /// </summary>
    public static void Register(IServiceCollection services, string moduleId, Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(IsHandler))
        {
            var name = type.GetCustomAttribute<EventHandlerAttribute>()?.Name ?? type.Name;
            services.AddEventHandler(type, moduleId + "/" + name);
        }
    }

    private static bool IsHandler(Type type) =>
        type is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }
        && type.GetInterfaces().Any(i => i.IsGenericType
            && (i.GetGenericTypeDefinition() == typeof(IEventHandler<>) || i.GetGenericTypeDefinition() == typeof(IEventBatchHandler<>)));

    /// <summary>The catalog of contracts and handlers, the dispatcher and its parts, and the administrators' view of deliveries.</summary>
    public static IServiceCollection AddDomainEvents(this IServiceCollection services)
    {
        services.AddSingleton<EventCatalog>();
        services.AddSingleton<LegacyEvents>();
        services.AddSingleton<EventReader>();
        services.AddSingleton<EventHandlerRunner>();
        services.AddSingleton<OutboxFanOut>();
        services.AddSingleton<OutboxClaims>();
        services.AddSingleton<DeliveryRetries>();
        services.AddSingleton<OutboxWakeUp>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        services.AddHostedService<OutboxListener>();
        services.AddScoped<EventDeliveryAdmin>();
        return services;
    }
}
