using Company.CrmPlugin.Items;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Company.CrmPlugin.Data;

/// <summary>The plugin's tables, in its own PostgreSQL schema (table prefix on SQLite).</summary>
public sealed class PluginDbContext(DbContextOptions<PluginDbContext> options) : ModuleDbContext(options)
{
    public override string Schema => PluginModule.Id;

    public DbSet<Item> Items => Set<Item>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Item>(item =>
        {
            item.ToTable("items");
            item.HasKey(i => i.Id);
            item.Property(i => i.Title).HasMaxLength(ItemEntity.MaxTitleLength);
            item.HasIndex(i => i.AssignedById);
        });
}

/// <summary>For dotnet-ef (add-migration.sh): the model of either engine, chosen by CRM_EF_PROVIDER.</summary>
public sealed class PluginDesignTimeFactory() : ModuleDesignTimeFactory<PluginDbContext>(PluginModule.Id);
