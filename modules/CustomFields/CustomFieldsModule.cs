using Crm.Modules.CustomFields.Data;
using Crm.Modules.CustomFields.Domain;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.CustomFields;

/// <summary>
/// Admin-defined fields on every CRM record type (Bitrix24's user fields): their definitions,
/// the GraphQL to manage them, and the catalog the SDK reads them from.
/// </summary>
public sealed class CustomFieldsModule : ICrmModule
{
    public const string Id = "custom_fields";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: [],
        Description: "Custom fields: admin-defined typed fields on leads, contacts, companies, deals and plugins' record types.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<CustomFieldsDbContext>(Id);
        // Rows naming an uninstalled plugin's record types go with them (uninstallPlugin(purgeData: true)).
        services.AddScoped<PluginSdk.Entities.IRecordTypeDataOwner, Data.CustomFieldTypeData>();
        services.AddVersionedCachePolling<CustomFieldCatalog>("CustomFields:PollInterval");
    }
}
