using System.Collections.Immutable;
using Crm.PluginSdk.Modules;

namespace Crm.Host.Modules.Runtime;

/// <summary>
/// The plugins loaded at run time (an immutable list, swapped whole) and the service providers that
/// put them behind the host's: <see cref="Root"/> for what composes from the modules (the schema),
/// <see cref="Wrap"/> for a host scope a request runs in. With none loaded, both are the host's own.
/// </summary>
public sealed class RuntimePlugins(IServiceProvider hostRoot)
{
    private ImmutableArray<PluginContainer> _loaded = [];

    // One reference inside: read whole, as ImmutableInterlocked writes it.
    public ImmutableArray<PluginContainer> Loaded => _loaded;

    public PluginContainer? Find(string moduleId) => Loaded.FirstOrDefault(p => p.Module.Id == moduleId);

    internal void Add(PluginContainer plugin) => ImmutableInterlocked.Update(ref _loaded, loaded => loaded.Add(plugin));

    /// <summary>The host's root with every plugin loaded at run time behind it.</summary>
    public IServiceProvider Root => RootWith(Loaded);

    /// <summary>A host scope with the plugins' scopes behind it (opened when first asked, disposed with it).</summary>
    public IServiceProvider Wrap(IServiceProvider hostScope) => Wrap(hostScope, Loaded);

    /// <summary>
    /// Scopes that reach the plugins loaded at run time too (the host's own factory while there are
    /// none): for the host's work that runs other modules' code on any record type outside a request
    /// (event delivery, jobs). Asked for each scope, so that a plugin loaded meanwhile is in it.
    /// </summary>
    public IServiceScopeFactory Scopes => Loaded is { IsEmpty: false } loaded ? ScopesWith(loaded) : HostScopes;

    /// <summary>Scopes of host and plugins, <paramref name="plugins"/> those of the snapshot or one being loaded.</summary>
    internal IServiceScopeFactory ScopesWith(ImmutableArray<PluginContainer> plugins) => new ScopeFactory(this, plugins);

    internal IServiceProvider RootWith(ImmutableArray<PluginContainer> plugins) => plugins.IsEmpty
        ? hostRoot
        : new ModuleServiceProvider(hostRoot, type => FirstHaving(plugins, type)?.Services.GetService(type), type => FirstHaving(plugins, type) is not null, ScopesWith(plugins));

    private IServiceProvider Wrap(IServiceProvider hostScope, ImmutableArray<PluginContainer> plugins) => plugins.IsEmpty || hostScope is ModuleServiceProvider
        ? hostScope
        : new ModuleServiceProvider(hostScope, type => hostScope.GetRequiredService<PluginScopes>().GetService(plugins, type), type => FirstHaving(plugins, type) is not null, ScopesWith(plugins));

    internal static PluginContainer? FirstHaving(ImmutableArray<PluginContainer> plugins, Type serviceType)
    {
        foreach (var plugin in plugins)
        {
            if (plugin.Has(serviceType))
            {
                return plugin;
            }
        }

        return null;
    }

    private sealed class ScopeFactory(RuntimePlugins runtime, ImmutableArray<PluginContainer> plugins) : IServiceScopeFactory
    {
        public IServiceScope CreateScope()
        {
            var host = runtime.HostScopes.CreateAsyncScope();
            return new ModuleServiceScope(host, runtime.Wrap(host.ServiceProvider, plugins));
        }
    }

    private IServiceScopeFactory HostScopes => hostRoot.GetRequiredService<IServiceScopeFactory>();
}

/// <summary>
/// Registered scoped in the host: the scopes of the plugins loaded at run time that this host scope
/// opened (one per plugin, when a service only it has is first asked), disposed with it.
/// </summary>
public sealed class PluginScopes(IServiceProvider hostScope, RuntimePlugins plugins) : IRuntimeModuleServices, IDisposable, IAsyncDisposable
{
    // The SDK's record machinery asks here for a record type's context in any host scope (a job's, one a host service made).
    object? IRuntimeModuleServices.GetService(Type serviceType) => plugins.Loaded is { IsEmpty: false } loaded ? GetService(loaded, serviceType) : null;

    private readonly Lock _lock = new();
    private List<(PluginContainer Plugin, AsyncServiceScope Scope)>? _opened;

    internal object? GetService(ImmutableArray<PluginContainer> plugins, Type serviceType) =>
        RuntimePlugins.FirstHaving(plugins, serviceType) is { } plugin ? ScopeOf(plugin).GetService(serviceType) : null;

    private IServiceProvider ScopeOf(PluginContainer plugin)
    {
        lock (_lock)
        {
            _opened ??= [];
            foreach (var (opened, scope) in _opened)
            {
                if (opened == plugin)
                {
                    return scope.ServiceProvider;
                }
            }

            var created = plugin.Services.CreateAsyncScope();
            created.ServiceProvider.GetRequiredService<PluginHostScope>().Services = hostScope;
            _opened.Add((plugin, created));
            return created.ServiceProvider;
        }
    }

    public void Dispose()
    {
        foreach (var (_, scope) in Opened())
        {
            scope.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, scope) in Opened())
        {
            await scope.DisposeAsync();
        }
    }

    private List<(PluginContainer, AsyncServiceScope)> Opened()
    {
        lock (_lock)
        {
            var opened = _opened ?? [];
            _opened = null;
            opened.Reverse();
            return opened;
        }
    }
}
