namespace Crm.Host.Modules.Runtime;

/// <summary>
/// The host's services (its root or one of its scopes) with the containers of the plugins loaded
/// at run time behind them: a service the host has comes from the host, any other from the first
/// plugin that has it. Scopes made through it are such pairs again, so that code that opens a scope
/// (a schema's model binding, a live subscription's execution) reaches the plugins' services too.
/// </summary>
internal sealed class ModuleServiceProvider(IServiceProvider host, Func<Type, object?> plugins, Func<Type, bool> pluginsHave, IServiceScopeFactory scopes)
    : IServiceProvider, IKeyedServiceProvider, IServiceProviderIsService, ISupportRequiredService
{
    private readonly IServiceProviderIsService? _hostHas = host.GetService<IServiceProviderIsService>();

    /// <summary>The host's own provider this one puts first.</summary>
    public IServiceProvider Host => host;

    public object? GetService(Type serviceType) =>
        serviceType == typeof(IServiceProvider) || serviceType == typeof(IServiceProviderIsService) ? this
        : serviceType == typeof(IServiceScopeFactory) ? scopes
        : host.GetService(serviceType) ?? plugins(serviceType);

    public object GetRequiredService(Type serviceType) =>
        GetService(serviceType) ?? throw new InvalidOperationException($"No service for type '{serviceType}' has been registered, by the host or a plugin loaded at run time.");

    public bool IsService(Type serviceType) =>
        serviceType == typeof(IServiceProvider) || serviceType == typeof(IServiceScopeFactory) || _hostHas?.IsService(serviceType) == true || pluginsHave(serviceType);

    // Keyed services are the host's: a plugin loaded at run time registers none the host asks for.
    public object? GetKeyedService(Type serviceType, object? serviceKey) => ((IKeyedServiceProvider)host).GetKeyedService(serviceType, serviceKey);

    public object GetRequiredKeyedService(Type serviceType, object? serviceKey) => ((IKeyedServiceProvider)host).GetRequiredKeyedService(serviceType, serviceKey);
}

/// <summary>A host scope and, opened with it and disposed before it, the plugins' scopes (see <see cref="PluginScopes"/>).</summary>
internal sealed class ModuleServiceScope(AsyncServiceScope host, IServiceProvider services) : IServiceScope, IAsyncDisposable
{
    public IServiceProvider ServiceProvider => services;

    // Disposing the host scope disposes its PluginScopes, and with them the plugins' scopes.
    public void Dispose() => host.Dispose();

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
