using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Data;

/// <summary>The host's own tables: API keys, event deliveries that did not succeed at once, the record of modules' data migrations, the modules' wanted states, the marketplace's feeds, trusted publishers, installs and pending purges of uninstalled plugins' record types, background jobs, and uploaded files.</summary>
public sealed class PlatformDbContext(DbContextOptions<PlatformDbContext> options)
    : ModuleDbContext(options)
{
    public const string SchemaName = "platform";

    public override string Schema => SchemaName;

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<DataMigrationRun> DataMigrations => Set<DataMigrationRun>();

    public DbSet<Events.EventDelivery> EventDeliveries => Set<Events.EventDelivery>();

    public DbSet<Events.EventStream> EventStreams => Set<Events.EventStream>();

    public DbSet<Events.EventClaim> EventClaims => Set<Events.EventClaim>();

    public DbSet<Modules.Runtime.ModuleStateRow> ModuleStates => Set<Modules.Runtime.ModuleStateRow>();

    public DbSet<Marketplace.PluginFeed> PluginFeeds => Set<Marketplace.PluginFeed>();

    public DbSet<Marketplace.TrustedPublisher> TrustedPublishers => Set<Marketplace.TrustedPublisher>();

    public DbSet<Marketplace.PluginInstall> PluginInstalls => Set<Marketplace.PluginInstall>();

    public DbSet<Marketplace.RecordTypePurge> RecordTypePurges => Set<Marketplace.RecordTypePurge>();

    public DbSet<Crm.Host.Jobs.JobRow> Jobs => Set<Crm.Host.Jobs.JobRow>();

    public DbSet<Crm.Host.Uploads.UploadRow> Uploads => Set<Crm.Host.Uploads.UploadRow>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ApiKey>(key =>
        {
            key.ToTable("api_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Name).HasMaxLength(200);
            key.Property(k => k.KeyHash).HasMaxLength(64);
            key.Property(k => k.Prefix).HasMaxLength(16);
            key.HasIndex(k => k.KeyHash).IsUnique();
        });
        Events.EventDelivery.Configure(modelBuilder);
        Modules.Runtime.ModuleStateRow.Configure(modelBuilder);
        Marketplace.PluginInstall.Configure(modelBuilder);
        Crm.Host.Jobs.JobRow.Configure(modelBuilder);
        Crm.Host.Uploads.UploadRow.Configure(modelBuilder);
        modelBuilder.Entity<DataMigrationRun>(run =>
        {
            run.ToTable("data_migrations");
            run.HasKey(r => new { r.ModuleId, r.MigrationId });
            run.Property(r => r.ModuleId).HasMaxLength(100);
            run.Property(r => r.MigrationId).HasMaxLength(100);
        });
    }
}

/// <summary>A module's data migration that has run on this database (see <c>IModuleDataMigration</c>).</summary>
public sealed class DataMigrationRun
{
    public string ModuleId { get; set; } = "";

    public string MigrationId { get; set; } = "";

    public DateTime AppliedAt { get; set; }
}

/// <summary>An API key; only its SHA-256 hash is kept (keys are long and random, so a slow hash buys nothing).</summary>
public sealed class ApiKey
{
    public long Id { get; set; }

    public string Name { get; set; } = "";

    /// <summary>Lower-case hex SHA-256 of the key.</summary>
    public string KeyHash { get; set; } = "";

    /// <summary>The key's first characters, to tell keys apart in lists.</summary>
    public string Prefix { get; set; } = "";

    public long UserId { get; set; }

    public bool IsAdministrator { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? ExpiresAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}

public sealed class PlatformDesignTimeFactory() : ModuleDesignTimeFactory<PlatformDbContext>(PlatformDbContext.SchemaName);
