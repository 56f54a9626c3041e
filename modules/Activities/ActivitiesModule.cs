using Crm.Modules.Activities.Closing;
using Crm.Modules.Activities.Communications;
using Crm.Modules.Activities.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities;

/// <summary>Calls, e-mails, meetings and to-dos, bound to the records of any type they concern.</summary>
public sealed class ActivitiesModule : ICrmModule
{
    public const string Id = "activities";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: [],
        Description: "Activities: calls, e-mails, meetings, to-dos and plugins' own kinds, bound to records of any type.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<ActivitiesDbContext>(Id);
        // Rows naming an uninstalled plugin's record types go with them (uninstallPlugin(purgeData: true)).
        services.AddScoped<PluginSdk.Entities.IRecordTypeDataOwner, Data.ActivityTypeData>();
        // Communications name records of other types: cleared when one is deleted.
        services.AddScoped<IRecordReferenceHolder, CommunicationReferences>();
        services.AddScoped<IRecordReferenceMover, ActivityReferenceMover>();
        // Closing is completing: completeActivity and bulk actions' CLOSE and OPEN share it.
        services.AddScoped<ActivityClosing>();
        services.AddScoped<PluginSdk.Records.IRecordClosing>(sp => sp.GetRequiredService<ActivityClosing>());
    }
}
