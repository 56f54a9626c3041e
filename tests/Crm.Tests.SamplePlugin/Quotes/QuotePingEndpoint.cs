using Crm.PluginSdk.Modules;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>
/// The plugin's endpoint: <c>GET /sample-plugin/pings</c> answers how often its scheduled work ran, from
/// its own service (the tests see through it that a plugin loaded at run time serves its endpoints at once).
/// </summary>
public sealed class QuotePingEndpoint : IEndpointContributor
{
    public const string Path = "/sample-plugin/pings";

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, (QuotePingsSeen seen) => Results.Ok(new { module = SamplePluginModule.Id, pings = seen.Count }));
        Faults.FaultSettings.ThrowIfAsked(Faults.EntryPoint.EndpointMapping);
    }
}
