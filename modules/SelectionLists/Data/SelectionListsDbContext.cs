using Crm.Modules.SelectionLists.Domain;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.SelectionLists.Data;

public sealed class SelectionListsDbContext(DbContextOptions<SelectionListsDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => SelectionListsModule.Id;

    public DbSet<ListItem> Items => Set<ListItem>();

    public DbSet<ListRecord> Lists => Set<ListRecord>();

    public DbSet<ListsVersion> Versions => Set<ListsVersion>();

    // The lists and their default items come from the modules' declarations (DeclaredListsStartup);
    // the first migration's seed rows stay, as data.
    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ListItem>(item =>
        {
            item.ToTable("items");
            item.HasKey(i => new { i.EntityId, i.StatusId });
            item.Property(i => i.EntityId).HasMaxLength(50);
            item.Property(i => i.StatusId).HasMaxLength(50);
            item.Property(i => i.Name).HasMaxLength(100);
            item.Property(i => i.Color).HasMaxLength(7);
            item.Property(i => i.Semantics).HasConversion<string>().HasMaxLength(16);
        });
        modelBuilder.Entity<ListRecord>(list =>
        {
            list.ToTable("lists");
            list.HasKey(l => l.EntityId);
            list.Property(l => l.EntityId).HasMaxLength(50);
        });
        modelBuilder.Entity<ListsVersion>(version =>
        {
            version.ToTable("version");
            version.HasKey(v => v.Id);
            version.Property(v => v.Id).ValueGeneratedNever();
            version.HasData(new ListsVersion { Id = 1, Version = 1 });
        });
    }
}

public sealed class SelectionListsDesignTimeFactory() : ModuleDesignTimeFactory<SelectionListsDbContext>(SelectionListsModule.Id);
