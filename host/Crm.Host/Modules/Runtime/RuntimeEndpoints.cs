using Crm.PluginSdk.Modules;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace Crm.Host.Modules.Runtime;

/// <summary>
/// The endpoints of plugins loaded at run time: one data source the router holds from the start, whose
/// change token fires when a plugin's endpoints join, so the router takes them with no restart. Each
/// plugin's endpoints carry its module, as a start-up module's do, so they answer 404 while it is disabled
/// (the host's middleware asks the catalog per request); routes cannot be taken back, so they stay mapped.
/// </summary>
public sealed class RuntimeEndpoints(RuntimePlugins plugins) : EndpointDataSource
{
    private readonly Lock _adding = new();
    private IReadOnlyList<Endpoint> _endpoints = [];
    private CancellationTokenSource _changed = new();

    public override IReadOnlyList<Endpoint> Endpoints => Volatile.Read(ref _endpoints);

    public override IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);

    /// <summary>
    /// Maps the endpoints of <paramref name="contributors"/>, of a plugin loaded at run time, under its module: built with
    /// the host's services (<paramref name="host"/>: routing's options, JSON, loggers), a handler's parameter taken for a
    /// service when the host or the plugin (<paramref name="plugin"/>) has it; at a request it comes from the request's
    /// services, which reach the plugins'. Throws what a contributor throws, with nothing of the plugin mapped.
    /// </summary>
    internal void Map(ModuleEntry module, IServiceProvider host, IServiceProvider plugin, IEnumerable<IEndpointContributor> contributors)
    {
        var builder = new Builder(new BuildServices(host, plugin));
        foreach (var contributor in contributors)
        {
            contributor.MapEndpoints(builder.MapGroup("").WithMetadata(module));
        }

        // Built here (a group's endpoints are made when first read), so a mapping that cannot be built fails the plugin now.
        var endpoints = builder.DataSources.SelectMany(s => s.Endpoints).Select(WithPluginServices).ToList();
        lock (_adding)
        {
            Volatile.Write(ref _endpoints, [.. _endpoints, .. endpoints]);
            // The new list first, then the old token fired: a router woken by it reads the list with the plugin's endpoints.
            var fired = _changed;
            Volatile.Write(ref _changed, new CancellationTokenSource());
            fired.Cancel();
        }
    }

    /// <summary>
    /// The endpoint with the request's services made to reach the plugins' too while it runs (a handler's
    /// parameter of the plugin's own services is found; the request's scope, its caller included, stays the same).
    /// </summary>
    private Endpoint WithPluginServices(Endpoint endpoint) => endpoint is RouteEndpoint { RequestDelegate: { } inner } route
        ? new RouteEndpoint(
            async http =>
            {
                var requestServices = http.RequestServices;
                http.RequestServices = plugins.Wrap(requestServices);
                try
                {
                    await inner(http);
                }
                finally
                {
                    http.RequestServices = requestServices;
                }
            },
            route.RoutePattern, route.Order, route.Metadata, route.DisplayName)
        : endpoint;

    /// <summary>The host's services, telling a handler's parameter for a service when the plugin has it too.</summary>
    private sealed class BuildServices(IServiceProvider host, IServiceProvider plugin) : IServiceProvider, IServiceProviderIsService
    {
        private readonly IServiceProviderIsService? _host = host.GetService<IServiceProviderIsService>();
        private readonly IServiceProviderIsService? _plugin = plugin.GetService<IServiceProviderIsService>();

        public object? GetService(Type serviceType) => serviceType == typeof(IServiceProviderIsService) ? this : host.GetService(serviceType);

        public bool IsService(Type serviceType) => _host?.IsService(serviceType) == true || _plugin?.IsService(serviceType) == true;
    }

    /// <summary>What <see cref="IEndpointContributor.MapEndpoints"/> maps into: a route builder of its own, not the application's.</summary>
    private sealed class Builder(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(services);
    }
}
