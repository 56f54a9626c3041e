using Crm.Modules.CustomFields.Domain;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.CustomFields.Data;

public sealed class CustomFieldsDbContext(DbContextOptions<CustomFieldsDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => CustomFieldsModule.Id;

    public DbSet<CustomFieldDefinition> Definitions => Set<CustomFieldDefinition>();

    public DbSet<CatalogVersion> Versions => Set<CatalogVersion>();

    /// <summary>Moves the catalog's version: every host reads the definitions again (and swaps its schema).</summary>
    public Task<int> BumpVersionAsync(CancellationToken cancellationToken) =>
        Versions.Where(v => v.Id == 1).ExecuteUpdateAsync(v => v.SetProperty(x => x.Version, x => x.Version + 1), cancellationToken);

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<CustomFieldDefinition>(field =>
        {
            field.ToTable("definitions");
            field.HasKey(f => f.Id);
            field.HasIndex(f => new { f.EntityType, f.Code }).IsUnique();
            field.Property(f => f.EntityType).HasMaxLength(64);
            field.Property(f => f.Code).HasMaxLength(Crm.PluginSdk.CustomFields.CustomFieldSpec.MaxCodeLength);
            field.Property(f => f.Type).HasConversion<string>().HasMaxLength(16);
            field.Property(f => f.Label).HasMaxLength(255);
            field.Property(f => f.Labels).StoredAsJson();
            field.Property(f => f.Settings).StoredAsJson();
            field.Property(f => f.Items).StoredAsJson();
        });
        modelBuilder.Entity<CatalogVersion>(version =>
        {
            version.ToTable("catalog_version");
            version.HasKey(v => v.Id);
            version.Property(v => v.Id).ValueGeneratedNever();
            version.HasData(new CatalogVersion { Id = 1, Version = 1 });
        });
    }
}

public sealed class CustomFieldsDesignTimeFactory() : ModuleDesignTimeFactory<CustomFieldsDbContext>(CustomFieldsModule.Id);
