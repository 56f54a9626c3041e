using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Marketplace;

/// <summary>A feed an admin added: a folder or an http(s) URL with an <c>index.json</c>.</summary>
public sealed class PluginFeed
{
    public long Id { get; set; }

    public string Url { get; set; } = "";

    public DateTime AddedAt { get; set; }

    public long AddedBy { get; set; }
}

/// <summary>A publisher whose packages this deployment installs: its id and the one public key its signatures must verify with.</summary>
public sealed class TrustedPublisher
{
    public string Publisher { get; set; } = "";

    /// <summary>Base64 of the ECDSA P-256 SubjectPublicKeyInfo.</summary>
    public string PublicKey { get; set; } = "";

    /// <summary>The key's fingerprint (<see cref="PublisherKeys.Fingerprint"/>), to tell keys apart.</summary>
    public string KeyId { get; set; } = "";

    public DateTime AddedAt { get; set; }

    public long AddedBy { get; set; }
}

/// <summary>
/// A record type of a plugin uninstalled with its data, whose rows in other modules' tables (timeline,
/// custom fields, rights, views, automation...) are still to be deleted: written while the plugin is
/// loaded (its types are known then), when the uninstall is asked for; each host's start, once its
/// modules are loaded, asks every <c>IRecordTypeDataOwner</c> to purge the types whose install is gone
/// and then deletes these rows (see <see cref="RecordTypePurgeRunner"/>).
/// </summary>
public sealed class RecordTypePurge
{
    public string ModuleId { get; set; } = "";

    /// <summary>The type's name (lower-case, as the registry knows it).</summary>
    public string RecordType { get; set; } = "";

    public DateTime RequestedAt { get; set; }
}

/// <summary>What an install row waits to become at the next start of a host.</summary>
public enum PendingPluginAction
{
    None,
    Upgrade,
    Uninstall,
}

/// <summary>
/// A plugin installed from a feed: the deployment's wanted state, which every host makes its
/// modules folder agree with at its start (fetching the package when its folder lacks it or holds
/// another version, applying a pending upgrade or uninstall).
/// </summary>
public sealed class PluginInstall
{
    public string ModuleId { get; set; } = "";

    public string Version { get; set; } = "";

    /// <summary>Lower-case hex SHA-256 of the package file installed.</summary>
    public string PackageHash { get; set; } = "";

    public string Publisher { get; set; } = "";

    /// <summary>The plugin's folder under <c>Modules:Path</c>: its main assembly's name.</summary>
    public string Folder { get; set; } = "";

    /// <summary>The capabilities granted at install (the names of <c>PluginCapability</c>, comma-separated).</summary>
    public string Capabilities { get; set; } = "";

    /// <summary>The feed the package came from; a host that lacks it fetches it there.</summary>
    public string Feed { get; set; } = "";

    public DateTime InstalledAt { get; set; }

    public long InstalledBy { get; set; }

    public PendingPluginAction PendingAction { get; set; }

    public string? PendingVersion { get; set; }

    public string? PendingHash { get; set; }

    /// <summary>With a pending uninstall: drop the plugin's tables and its rows in the platform's.</summary>
    public bool PurgeData { get; set; }

    /// <summary>Moves on every change: the concurrency token of read-modify-writes.</summary>
    public DateTime UpdatedAt { get; set; }

    internal static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<PluginFeed>(feed =>
        {
            feed.ToTable("plugin_feeds");
            feed.HasKey(f => f.Id);
            feed.Property(f => f.Url).HasMaxLength(PackageLimits.MaxFeedLength);
            feed.HasIndex(f => f.Url).IsUnique();
        });
        modelBuilder.Entity<TrustedPublisher>(publisher =>
        {
            publisher.ToTable("trusted_publishers");
            publisher.HasKey(p => p.Publisher);
            publisher.Property(p => p.Publisher).HasMaxLength(Modules.ModuleLoader.MaxPublisherLength);
            publisher.Property(p => p.PublicKey).HasMaxLength(PackageLimits.MaxPublicKeyLength);
            publisher.Property(p => p.KeyId).HasMaxLength(16);
        });
        modelBuilder.Entity<PluginInstall>(install =>
        {
            install.ToTable("plugin_installs");
            install.HasKey(i => i.ModuleId);
            install.Property(i => i.ModuleId).HasMaxLength(Modules.ModuleLoader.MaxIdLength);
            install.Property(i => i.Version).HasMaxLength(100);
            install.Property(i => i.PackageHash).HasMaxLength(64);
            install.Property(i => i.Publisher).HasMaxLength(Modules.ModuleLoader.MaxPublisherLength);
            install.Property(i => i.Folder).HasMaxLength(200);
            install.HasIndex(i => i.Folder).IsUnique();
            install.Property(i => i.Capabilities).HasMaxLength(200);
            install.Property(i => i.Feed).HasMaxLength(PackageLimits.MaxFeedLength);
            install.Property(i => i.PendingAction).HasConversion<string>().HasMaxLength(20);
            install.Property(i => i.PendingVersion).HasMaxLength(100);
            install.Property(i => i.PendingHash).HasMaxLength(64);
            install.Property(i => i.UpdatedAt).IsConcurrencyToken();
        });
        modelBuilder.Entity<RecordTypePurge>(purge =>
        {
            purge.ToTable("record_type_purges");
            purge.HasKey(p => new { p.ModuleId, p.RecordType });
            purge.Property(p => p.ModuleId).HasMaxLength(Modules.ModuleLoader.MaxIdLength);
            purge.Property(p => p.RecordType).HasMaxLength(RecordTypePurgeRunner.MaxTypeNameLength);
        });
    }
}
