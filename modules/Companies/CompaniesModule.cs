using Crm.Modules.Companies.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Companies;

/// <summary>Organisations the business deals with.</summary>
public sealed class CompaniesModule : ICrmModule
{
    public const string Id = "companies";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: ["selection_lists"],
        Description: "Companies: organisations, their phones, e-mails, web sites and address.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context) =>
        services.AddModuleDbContext<CompaniesDbContext>(Id);
}
