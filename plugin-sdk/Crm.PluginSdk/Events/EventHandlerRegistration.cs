using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Crm.PluginSdk.Events;

/// <summary>An event handler class and the stable name its deliveries are kept under.</summary>
public sealed record EventHandlerRegistration(string Name, Type HandlerType);

internal static class EventHandlerServices
{
    /// <summary>
    /// Registers <typeparamref name="THandler"/> (an <see cref="IEventHandler{TEvent}"/> of one or more
    /// event types) under <paramref name="name"/>, resolved per delivery from a scope of its own.
    /// A module's handlers need no call: the host registers them by convention as
    /// <c>moduleId/name</c> (see <see cref="EventHandlerAttribute"/>). A service registered for
    /// <typeparamref name="THandler"/> before this call is kept.
    /// </summary>
    public static IServiceCollection AddEventHandler<THandler>(this IServiceCollection services, string name)
        where THandler : class =>
        services.AddEventHandler(typeof(THandler), name);

    /// <inheritdoc cref="AddEventHandler{THandler}(IServiceCollection, string)"/>
    public static IServiceCollection AddEventHandler(this IServiceCollection services, Type handlerType, string name)
    {
        services.TryAddScoped(handlerType);
        services.AddSingleton(new EventHandlerRegistration(name, handlerType));
        return services;
    }
}
