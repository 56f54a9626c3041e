using Crm.Modules.Views.Data;
using Crm.Modules.Views.Domain;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Views;

/// <summary>Saved views and saved filters of every record type's list, private or shared, and each user's default view.</summary>
public sealed class ViewsModule : ICrmModule
{
    public const string Id = "views";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: [],
        Description: "Saved views and filters of record lists: columns, order, filter, page size, sharing; viewId on every list.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<ViewsDbContext>(Id);
        // Rows naming an uninstalled plugin's record types go with them (uninstallPlugin(purgeData: true)).
        services.AddScoped<PluginSdk.Entities.IRecordTypeDataOwner, Data.ViewTypeData>();
        // A view shared with a deleted department becomes private (deleteDepartment).
        services.AddScoped<PluginSdk.Security.IDepartmentReferenceHolder, Data.ViewDepartmentReferences>();
        services.AddSingleton(ViewLimits.From(context.Configuration));
    }
}
