using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Duplicates.Data;

public sealed class DuplicatesDbContext(DbContextOptions<DuplicatesDbContext> options)
    : ModuleDbContext(options)
{
    public override string Schema => DuplicatesModule.Id;

    public DbSet<RecordKey> Keys => Set<RecordKey>();

    public DbSet<KeysBuilt> Built => Set<KeysBuilt>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RecordKey>(key =>
        {
            key.ToTable("record_keys");
            // Groups are read in key order per type and rule, straight from this index.
            key.HasKey(k => new { k.EntityType, k.Rule, k.Key, k.RecordId });
            key.Property(k => k.EntityType).HasMaxLength(64);
            key.Property(k => k.Rule).HasMaxLength(8);
            key.Property(k => k.Key).HasMaxLength(Duplicates.Keys.MatchKeys.MaxKeyLength);
            // A record's keys, to replace them when it changes and drop them when it goes. The record id
            // leads, so that no index but the primary key can serve a lookup by type and key: with
            // the type leading, a planner whose statistics were stale (a table an import grows) walked
            // all the type's keys through this index for each key looked up.
            key.HasIndex(k => new { k.RecordId, k.EntityType });
        });
        modelBuilder.Entity<KeysBuilt>(built =>
        {
            built.ToTable("keys_built");
            built.HasKey(b => b.EntityType);
            built.Property(b => b.EntityType).HasMaxLength(64);
        });
    }
}

public sealed class DuplicatesDesignTimeFactory() : ModuleDesignTimeFactory<DuplicatesDbContext>(DuplicatesModule.Id);
