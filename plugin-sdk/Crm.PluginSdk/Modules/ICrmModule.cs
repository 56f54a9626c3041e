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
/// <remarks>
/// A plugin sold through a marketplace feed also names its <see cref="Publisher"/> (its id then
/// starts with the publisher's id and <c>_</c>, so that two publishers never share an id or a
/// schema), a display <see cref="Name"/>, the <see cref="Capabilities"/> it asks an admin to grant
/// and an <see cref="Icon"/>. Built-in modules leave them unset.
/// </remarks>
public sealed record ModuleManifest(
    string Id,
    string Version,
    string SdkVersionRange,
    IReadOnlyList<string> DependsOn,
    string Description = "")
{
    /// <summary>The publisher's id (1 to 30 lower-case letters and digits), or null for a built-in module.</summary>
    public string? Publisher { get; init; }

    /// <summary>The name shown to admins (at most 100 characters); the id when unset.</summary>
    public string? Name { get; init; }

    /// <summary>What the plugin asks to be granted at install; each counts once.</summary>
    public IReadOnlyList<PluginCapability> Capabilities { get; init; } = [];

    /// <summary>
    /// The icon: the name of a resource embedded in the module's assembly or of a file in its
    /// folder (a PNG or SVG file name, no path), or null for none.
    /// </summary>
    public string? Icon { get; init; }
}

/// <summary>What a marketplace plugin may ask an admin to grant it; shown before install and recorded as granted.</summary>
public enum PluginCapability
{
    /// <summary>Calls to other servers over HTTP.</summary>
    OutboundHttp,

    /// <summary>Sends e-mail through the platform's mail settings.</summary>
    SendMail,

    /// <summary>Reads every record of every type, past the signed-in user's rights (reports, exports, sync).</summary>
    ReadAllRecords,
}

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
