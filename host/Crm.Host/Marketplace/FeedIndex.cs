using System.Text.Json;
using Crm.PluginSdk.Modules;

namespace Crm.Host.Marketplace;

/// <summary>One package version a feed offers: what an admin sees before installing, and the file's hash.</summary>
public sealed record FeedEntry : PluginDescription
{
    /// <summary>The package file, relative to the index (a plain file name).</summary>
    public required string File { get; init; }

    /// <summary>Lower-case hex SHA-256 of the package file.</summary>
    public required string Hash { get; init; }

    public long Size { get; init; }

    public static FeedEntry Of(PluginPackage package, string file) => new(package.Manifest)
    {
        File = file,
        Hash = package.FileHash,
        Size = package.Bytes.Length,
    };

    /// <summary>The description's members copied from the manifest (the record's copy constructor sets the required ones).</summary>
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    private FeedEntry(PluginDescription manifest)
        : base(manifest)
    {
        File = "";
        Hash = "";
    }

    [System.Text.Json.Serialization.JsonConstructor]
    public FeedEntry()
    {
    }
}

/// <summary>
/// A feed's <c>index.json</c>: the package versions it offers. Read bounded (size, entries, the
/// names in it); a package it lists is fetched beside it and must have the hash it states.
/// </summary>
public sealed record FeedIndex(IReadOnlyList<FeedEntry> Packages)
{
    public const string FileName = "index.json";

    public static FeedIndex Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > PackageLimits.MaxIndexBytes)
        {
            throw new PackageException($"its {FileName} is larger than {PackageLimits.MaxIndexBytes:N0} bytes");
        }

        FeedIndex? index;
        try
        {
            index = JsonSerializer.Deserialize<FeedIndex>(json, PluginPackageManifest.Json);
        }
        catch (JsonException ex)
        {
            throw new PackageException($"its {FileName} cannot be read: {ex.Message}");
        }

        if (index?.Packages is null)
        {
            throw new PackageException($"its {FileName} has no 'packages'");
        }

        if (index.Packages.Count > PackageLimits.MaxIndexEntries)
        {
            throw new PackageException($"its {FileName} lists {index.Packages.Count} packages; at most {PackageLimits.MaxIndexEntries} are read");
        }

        foreach (var entry in index.Packages)
        {
            if (entry?.Id is not { Length: > 0 and <= Modules.ModuleLoader.MaxIdLength } || entry.Version is not { Length: > 0 and <= 100 }
                || entry.Publisher is not { Length: > 0 and <= Modules.ModuleLoader.MaxPublisherLength }
                || entry.Hash is not { Length: 64 } || !entry.Hash.All(char.IsAsciiHexDigitLower)
                || entry.File is null || !IsPlainFileName(entry.File)
                || entry.SdkVersionRange is null || entry.Dependencies is null || entry.Capabilities is null
                || (entry.Name?.Length ?? 0) > Modules.ModuleLoader.MaxNameLength || (entry.Description?.Length ?? 0) > Modules.ModuleLoader.MaxDescriptionLength)
            {
                throw new PackageException($"its {FileName} has an entry that is incomplete or out of bounds ('{entry?.Id}' {entry?.Version})");
            }
        }

        return index;
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, PluginPackageManifest.Json);

    /// <summary>A package file beside the index: no folder, no way out of it.</summary>
    public static bool IsPlainFileName(string name) =>
        name.Length is > 0 and <= 200 && !name.StartsWith('.') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+');

    /// <summary>The file name <c>publish</c> gives a package: <c>id.version.crmplugin</c>.</summary>
    public static string FileNameOf(PluginPackageManifest manifest) => $"{manifest.Id}.{manifest.Version}{PluginPackage.Extension}";

    /// <summary>
    /// Publishes a signed package into a feed folder: the file beside the index, and its entry
    /// added (replacing one of the same id and version). The index is replaced whole, by a rename.
    /// </summary>
    public static FeedEntry Publish(string feedFolder, PluginPackage package)
    {
        if (package.Signature is null)
        {
            throw new PackageException("it is not signed; sign it first ('crm plugin sign')");
        }

        Directory.CreateDirectory(feedFolder);
        var indexPath = Path.Combine(feedFolder, FileName);
        var index = File.Exists(indexPath) ? Parse(File.ReadAllBytes(indexPath)) : new FeedIndex([]);
        var file = FileNameOf(package.Manifest);
        var entry = FeedEntry.Of(package, file);
        var packages = index.Packages.Where(p => !(p.Id == entry.Id && p.Version == entry.Version)).Append(entry)
            .OrderBy(p => p.Id, StringComparer.Ordinal).ThenBy(p => NuGet.Versioning.NuGetVersion.TryParse(p.Version, out var v) ? v : null).ToList();
        if (packages.Count > PackageLimits.MaxIndexEntries)
        {
            throw new PackageException($"the feed would list more than {PackageLimits.MaxIndexEntries} packages");
        }

        File.WriteAllBytes(Path.Combine(feedFolder, file), package.Bytes.ToArray());
        var temporary = indexPath + ".tmp";
        File.WriteAllBytes(temporary, new FeedIndex(packages).ToJson());
        File.Move(temporary, indexPath, overwrite: true);
        return entry;
    }
}
