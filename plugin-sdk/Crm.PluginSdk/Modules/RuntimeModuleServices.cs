using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Modules;

/// <summary>
/// Implemented by the host, scoped: the services of the plugins loaded while it runs, which live in
/// containers of their own (a built container takes no new services), reached from a host scope.
/// </summary>
internal interface IRuntimeModuleServices
{
    object? GetService(Type serviceType);
}

internal static class RuntimeModuleServices
{
    /// <summary>
    /// A module's service (a record type's context): from the scope, or, for a plugin loaded at run
    /// time, from its container through the scope, whoever made the scope.
    /// </summary>
    public static T GetModuleService<T>(this IServiceProvider services) where T : notnull =>
        services.GetService<T>()
        ?? (T?)services.GetService<IRuntimeModuleServices>()?.GetService(typeof(T))
        ?? throw new InvalidOperationException($"No service for type '{typeof(T)}' has been registered, by the host or a plugin loaded at run time.");
}
