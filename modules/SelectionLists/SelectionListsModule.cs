using Crm.Modules.SelectionLists.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.SelectionLists;

/// <summary>Admin-editable selection lists (Bitrix24's crm.status): statuses, sources, types, stages.</summary>
public sealed class SelectionListsModule : ICrmModule
{
    public const string Id = "selection_lists";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: [],
        Description: "Selection lists: lead statuses, sources, contact and company types, industries, deal types and stages, honorifics.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<SelectionListsDbContext>(Id);
        services.AddVersionedCachePolling<Domain.SelectionListCache>("SelectionLists:PollInterval");
        services.AddSingleton(Domain.SelectionListOptions.From(context.Configuration));
    }
}
