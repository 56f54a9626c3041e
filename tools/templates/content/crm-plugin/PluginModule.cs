using Company.CrmPlugin.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Company.CrmPlugin;

/// <summary>The plugin's entry point: its manifest and what convention cannot register.</summary>
public sealed class PluginModule : ICrmModule
{
    /// <summary>The module id: also the plugin's PostgreSQL schema (table prefix on SQLite).</summary>
    public const string Id = "company_crmplugin";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "1.0.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: [],
        Description: "Company.CrmPlugin: say in a sentence what it does.")
    {
        // The publisher's id prefixes the module id; the marketplace checks packages against its key.
        Publisher = "company_publisher",
        Name = "Company.CrmPlugin",
        Capabilities = [], // PluginCapability.OutboundHttp, SendMail or ReadAllRecords, when it needs them
    };

    public void ConfigureServices(IServiceCollection services, ModuleContext context) =>
        services.AddModuleDbContext<PluginDbContext>(Id);
}
