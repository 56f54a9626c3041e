namespace Crm.Host.Marketplace;

/// <summary>
/// What a plugin package, a feed's index and a download may hold. A package and a feed are a
/// stranger's input: each bound is checked before the work it guards (a zip's entries are counted
/// and their declared sizes summed before one byte is unpacked, and the bytes actually unpacked are
/// counted again, since a zip may lie about its sizes).
/// </summary>
public static class PackageLimits
{
    /// <summary>The largest package file (the zip itself).</summary>
    public const long MaxPackageBytes = 64L * 1024 * 1024;

    /// <summary>The most bytes a package may unpack to, all entries together.</summary>
    public const long MaxUnpackedBytes = 256L * 1024 * 1024;

    /// <summary>The most entries (files) in a package.</summary>
    public const int MaxEntries = 2000;

    /// <summary>The longest path of an entry, and the most folders it may sit under.</summary>
    public const int MaxEntryPathLength = 260;

    /// <inheritdoc cref="MaxEntryPathLength"/>
    public const int MaxEntryDepth = 10;

    /// <summary>The largest <c>manifest.json</c> and <c>signature.json</c> of a package.</summary>
    public const int MaxManifestBytes = 64 * 1024;

    /// <summary>The most dependencies a manifest may name.</summary>
    public const int MaxDependencies = 50;

    /// <summary>The largest feed index (<c>index.json</c>) and the most package versions it may list.</summary>
    public const int MaxIndexBytes = 4 * 1024 * 1024;

    /// <inheritdoc cref="MaxIndexBytes"/>
    public const int MaxIndexEntries = 5000;

    /// <summary>How long one request to an HTTP feed (its index or a package) may take.</summary>
    public static readonly TimeSpan HttpTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest feed address and public key an admin may add, and the most feeds and trusted publishers.</summary>
    public const int MaxFeedLength = 1000;

    /// <inheritdoc cref="MaxFeedLength"/>
    public const int MaxPublicKeyLength = 400;

    /// <inheritdoc cref="MaxFeedLength"/>
    public const int MaxFeeds = 20;

    /// <inheritdoc cref="MaxFeedLength"/>
    public const int MaxTrustedPublishers = 200;
}
