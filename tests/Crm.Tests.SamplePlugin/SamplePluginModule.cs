using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Crm.Tests.SamplePlugin.Data;
using Crm.Tests.SamplePlugin.Faults;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Tests.SamplePlugin;

/// <summary>
/// The tests' own plugin, built and placed like a module (in test-modules/, which no host loads
/// unless a test points <c>Modules:Path</c> at a copy). Today it carries what the loader tests
/// need to make a plugin fault at each entry point (<see cref="Faults"/>), and a partner's quote
/// record type that exercises every SDK feature a plugin uses (<see cref="Quotes"/>).
/// </summary>
public sealed class SamplePluginModule : ICrmModule
{
    public const string Id = "sample_plugin";

    public const string Publisher = "sample";

    public SamplePluginModule() => FaultSettings.ThrowIfAsked(EntryPoint.Constructor);

    public ModuleManifest Manifest
    {
        get
        {
            FaultSettings.ThrowIfAsked(EntryPoint.Manifest);
            return new ModuleManifest(
                FaultSettings.Current.Id ?? Id,
                Version: FaultSettings.Current.Version ?? "0.1.0",
                SdkVersionRange: "[0.1.0, 1.0.0)",
                DependsOn: ["selection_lists", "deals"],
                Description: "The tests' sample plugin.")
            {
                // A marketplace plugin's publisher prefixes its id; a test that makes it claim another id makes it a built-in's.
                Publisher = FaultSettings.Current.Id is null ? Publisher : null,
                Name = "Sample plugin",
                Capabilities = [PluginCapability.ReadAllRecords],
                Icon = FaultSettings.Current.Icon,
            };
        }
    }

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<SamplePluginDbContext>(Id);
        services.AddHostedService<FaultProbeBackgroundService>();
        services.AddHostedService<Quotes.QuotePingSchedule>();
        // Thrown after registering: the host must take back what was registered.
        FaultSettings.ThrowIfAsked(EntryPoint.ConfigureServices);
    }
}
