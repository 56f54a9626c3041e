using Crm.PluginSdk.Data;
using Crm.Tests.SamplePlugin.Faults;
using Microsoft.EntityFrameworkCore;

namespace Crm.Tests.SamplePlugin.Data;

/// <summary>The plugin's tables: its own PostgreSQL schema (or table prefix on SQLite), like any module's.</summary>
public sealed class SamplePluginDbContext(DbContextOptions<SamplePluginDbContext> options, ModuleDbContextDependencies dependencies)
    : ModuleDbContext(options, dependencies)
{
    public override string Schema => SamplePluginModule.Id;

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<FaultProbe>(probe =>
        {
            probe.ToTable("fault_probes");
            probe.HasKey(p => p.Id);
            probe.Property(p => p.Title).HasMaxLength(255);
        });
}

/// <summary>For dotnet-ef; see <see cref="ModuleDesignTimeFactory{TContext}"/>.</summary>
public sealed class SamplePluginDesignTimeFactory() : ModuleDesignTimeFactory<SamplePluginDbContext>(SamplePluginModule.Id);
