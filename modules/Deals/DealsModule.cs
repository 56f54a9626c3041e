using Crm.Modules.Deals.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Deals;

/// <summary>Deals and the admin-designed pipelines they move through.</summary>
public sealed class DealsModule : ICrmModule
{
    public const string Id = "deals";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: ["selection_lists"],
        Description: "Deals: opportunities moving through the stages of admin-designed pipelines.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<DealsDbContext>(Id);
        services.AddSingleton(Domain.PipelineOptions.From(context.Configuration));
    }
}
