using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Modules;

/// <summary>
/// The entry point of a module or plugin. The host finds exactly one implementation in the
/// module's main assembly, checks its manifest, then lets it register its services. Classes
/// implementing the SDK's contracts (schema contributors, entity definitions, event handlers,
/// <see cref="IScopedService"/> ...) are registered by convention and need no code here.
/// </summary>
public interface ICrmModule
{
    ModuleManifest Manifest { get; }

    /// <summary>Registers what convention cannot: the module's DbContext, options, clients.</summary>
    void ConfigureServices(IServiceCollection services, ModuleContext context);
}

/// <param name="Id">Stable, lower-case identifier; also the module's database schema (or table prefix on SQLite).</param>
/// <param name="Version">The module's own semantic version.</param>
/// <param name="SdkVersionRange">NuGet-style range of SDK versions the module was built for, e.g. "[0.1, 1.0)".</param>
/// <param name="DependsOn">Ids of the modules that must load before this one.</param>
/// <param name="Description">What the module does, in a sentence (listed by <c>modules</c>).</param>
public sealed record ModuleManifest(
    string Id,
    string Version,
    string SdkVersionRange,
    IReadOnlyList<string> DependsOn,
    string Description = "");

/// <summary>What a module may consult while registering its services.</summary>
public sealed record ModuleContext(IConfiguration Configuration);

/// <summary>The SDK's own version, against which manifests' ranges are checked.</summary>
internal static class CrmSdk
{
    public const string Version = "0.1.0";
}

/// <summary>Marker: the class is registered as a scoped service under each interface it implements.</summary>
public interface IScopedService;

/// <summary>Marker: the class is registered as a singleton under each interface it implements.</summary>
public interface ISingletonService;
