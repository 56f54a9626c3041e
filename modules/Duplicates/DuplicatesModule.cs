using Crm.Modules.Duplicates.Data;
using Crm.Modules.Duplicates.Finding;
using Crm.Modules.Duplicates.Keys;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Duplicates;

/// <summary>
/// Likely duplicates of every record type (plugins' too), from its declared fields: match keys
/// kept with every write, <c>findDuplicates</c>, warnings or refusals on writes, and <c>mergeRecords</c>.
/// </summary>
public sealed class DuplicatesModule : ICrmModule
{
    public const string Id = "duplicates";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: [],
        Description: "Duplicates: match keys by e-mail, phone and name in a company; findDuplicates, warnings on writes, and merging records.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<DuplicatesDbContext>(Id);
        // Rows naming an uninstalled plugin's record types go with them (uninstallPlugin(purgeData: true)).
        services.AddScoped<PluginSdk.Entities.IRecordTypeDataOwner, Data.DuplicateTypeData>();
        services.Configure<DuplicatesOptions>(context.Configuration.GetSection("Duplicates"));
        services.AddScoped<AddedKeys>();
        services.AddScoped<IRecordSaveObserver, KeyWriter>();
        services.AddScoped<IRecordWriteCheck, DuplicateCheck>();
        services.AddScoped<DuplicateFinder>();
        services.AddScoped<PluginSdk.Records.IDuplicateMatcher, DuplicateMatcher>();
        services.AddSingleton<Merging.RecordMerger>();
        services.AddHostedService<KeyBackfill>();
    }
}
