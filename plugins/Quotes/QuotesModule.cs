using Acme.Quotes.Data;
using Acme.Quotes.Documents;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.Quotes;

/// <summary>Quotes and invoices with product rows for deals: Acme's plugin for Crm.Platform.</summary>
public sealed class QuotesModule : ICrmModule
{
    /// <summary>The module id: also the plugin's PostgreSQL schema (table prefix on SQLite).</summary>
    public const string Id = "acme_quotes";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "1.0.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: ["selection_lists", "companies", "contacts", "deals"],
        Description: "Quotes and invoices with product rows, numbered per year, for deals; a quote as a PDF.")
    {
        Publisher = "acme",
        Name = "Acme Quotes",
    };

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<QuotesDbContext>(Id);
        services.AddScoped<PendingRows>();
    }
}
