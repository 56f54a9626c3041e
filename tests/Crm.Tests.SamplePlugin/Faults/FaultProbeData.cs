using Crm.PluginSdk.Modules;
using Crm.Tests.SamplePlugin.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Tests.SamplePlugin.Faults;

/// <summary>When a test asks: a data migration that writes a probe, then throws; the write must not stay, nor the record that it ran.</summary>
public sealed class FaultProbeDataMigration : IModuleDataMigration
{
    public const string ProbeTitle = "written by a data migration";

    public string Id => "0002-fault-probe";

    public async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (FaultSettings.Current.ThrowIn != EntryPoint.DataMigration)
        {
            return;
        }

        var db = services.GetRequiredService<SamplePluginDbContext>();
        db.Add(new FaultProbe { Title = ProbeTitle });
        await db.SaveChangesAsync(cancellationToken);
        FaultSettings.ThrowIfAsked(EntryPoint.DataMigration);
    }
}

/// <summary>A start-up task that throws when a test asks.</summary>
public sealed class FaultProbeStartupTask : IModuleStartupTask
{
    public Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        FaultSettings.ThrowIfAsked(EntryPoint.StartupTask);
        return Task.CompletedTask;
    }
}
