using Crm.Modules.SelectionLists.Domain;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.SelectionLists.Data;

public sealed class SelectionListsDbContext(DbContextOptions<SelectionListsDbContext> options, ModuleDbContextDependencies dependencies)
    : ModuleDbContext(options, dependencies)
{
    public override string Schema => SelectionListsModule.Id;

    public DbSet<ListItem> Items => Set<ListItem>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<ListItem>(item =>
        {
            item.ToTable("items");
            item.HasKey(i => new { i.EntityId, i.StatusId });
            item.Property(i => i.EntityId).HasMaxLength(50);
            item.Property(i => i.StatusId).HasMaxLength(50);
            item.Property(i => i.Name).HasMaxLength(100);
            item.Property(i => i.Color).HasMaxLength(7);
            item.Property(i => i.Semantics).HasConversion<string>().HasMaxLength(16);
            item.HasData(DefaultLists.Seed());
        });
}

public sealed class SelectionListsDesignTimeFactory() : ModuleDesignTimeFactory<SelectionListsDbContext>(SelectionListsModule.Id);
