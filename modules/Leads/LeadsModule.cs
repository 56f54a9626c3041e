using Crm.Modules.Leads.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Leads;

/// <summary>Leads: enquiries worked through their statuses and converted into contacts, companies and deals.</summary>
public sealed class LeadsModule : ICrmModule
{
    public const string Id = "leads";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: ["selection_lists"],
        Description: "Leads: enquiries, their statuses and their conversion into contacts, companies and deals.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context) =>
        services.AddModuleDbContext<LeadsDbContext>(Id);
}
