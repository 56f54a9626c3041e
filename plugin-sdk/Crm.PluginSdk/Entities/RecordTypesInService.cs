using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Which registered record types are in service now. A type whose module an administrator disabled
/// stays in <see cref="IEntityRegistry"/> (its rows stay stored, merges and reference cleaning still
/// see them) but leaves the schema, its <c>CrmEntityType</c> value with it: a reader that lists
/// stored rows naming their type (a feed, a log, a record's links) leaves out the rows of a type out
/// of service rather than fail the whole answer on a value the schema lacks.
/// </summary>
public static class RecordTypesInService
{
    /// <summary>The registry's types whose module is in service now, in registry order (every type when the host tells no availability).</summary>
    public static IReadOnlyList<ICrmEntityType> InService(this IEntityRegistry registry, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var availability = Availability(services);
        return availability is null ? registry.Types : registry.Types.Where(t => availability.InService(t.RecordType)).ToList();
    }

    /// <summary>The names of the registry's types whose module is out of service now (usually none): a list, for a query's <c>Contains</c>.</summary>
    public static IReadOnlyList<string> OutOfServiceNames(this IEntityRegistry registry, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var availability = Availability(services);
        return availability is null
            ? []
            : registry.Types.Where(t => !availability.InService(t.RecordType)).Select(t => t.Name).ToList();
    }

    /// <summary>Whether <paramref name="type"/>'s module is in service now.</summary>
    public static bool IsInService(this ICrmEntityType type, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Availability(services)?.InService(type.RecordType) != false;
    }

    /// <summary>The type named <paramref name="name"/> when it is registered and its module is in service now, else null.</summary>
    public static ICrmEntityType? FindInService(this IEntityRegistry registry, IServiceProvider services, string name)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.Find(name) is { } type && type.IsInService(services) ? type : null;
    }

    private static IModuleAvailability? Availability(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetService<IModuleAvailability>();
    }
}
