using Crm.Modules.Timeline.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline;

/// <summary>
/// The history of every record of every registered type (written from the published events) and
/// its timeline; stage and status moves kept as rows of their own for funnels and time-in-stage.
/// </summary>
public sealed class TimelineModule : ICrmModule
{
    public const string Id = "timeline";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: ["selection_lists"],
        Description: "Change history, stage and status moves, comments with mentions, and the timeline of every record.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<TimelineDbContext>(Id);
        // Rows naming an uninstalled plugin's record types go with them (uninstallPlugin(purgeData: true)).
        services.AddScoped<PluginSdk.Entities.IRecordTypeDataOwner, Data.TimelineTypeData>();
        services.AddScoped<PluginSdk.Entities.IRecordReferenceMover, Comments.CommentMover>();
    }
}
