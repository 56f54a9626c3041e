using System.Text.Json;
using System.Text.Json.Serialization;
using Crm.Host.Modules;
using Crm.PluginSdk.Modules;
using NuGet.Versioning;

namespace Crm.Host.Marketplace;

/// <summary>A dependency as a package states it: a module id and the versions of it that will do (a NuGet range).</summary>
public sealed record PackageDependency(string Id, string Range);

/// <summary>
/// What a package says of its plugin, as its manifest holds it and a feed's index repeats it (so an
/// admin sees it before anything is fetched).
/// </summary>
public abstract record PluginDescription
{
    public required string Id { get; init; }

    public required string Version { get; init; }

    public required string Publisher { get; init; }

    public string? Name { get; init; }

    public string Description { get; init; } = "";

    public required string SdkVersionRange { get; init; }

    public IReadOnlyList<PackageDependency> Dependencies { get; init; } = [];

    public IReadOnlyList<PluginCapability> Capabilities { get; init; } = [];
}

/// <summary>
/// A package's <c>manifest.json</c>: the module's own <see cref="ModuleManifest"/> as <c>crm plugin
/// pack</c> read it from the built assembly, plus what only a package knows (the main assembly's
/// name, which names the plugin's folder, and the ranges of its dependencies).
/// </summary>
public sealed record PluginPackageManifest : PluginDescription
{
    public const string FileName = "manifest.json";

    /// <summary>The icon's entry in the package (<c>lib/…</c>), or null.</summary>
    public string? Icon { get; init; }

    /// <summary>The main assembly's name, without <c>.dll</c>: the plugin's folder under <c>Modules:Path</c> has this name.</summary>
    public required string Assembly { get; init; }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        MaxDepth = 8,
    };

    /// <summary>The manifest of a module read through the host's own loader checks, for a package of it.</summary>
    public static PluginPackageManifest From(ModuleManifest manifest, string assembly, IReadOnlyDictionary<string, string> dependencyRanges, string? iconEntry) => new()
    {
        Id = manifest.Id,
        Version = manifest.Version,
        Publisher = manifest.Publisher ?? throw new PackageException("the module's manifest names no publisher; a marketplace plugin must (ModuleManifest.Publisher)"),
        Name = manifest.Name,
        Description = manifest.Description,
        SdkVersionRange = manifest.SdkVersionRange,
        Dependencies = [.. manifest.DependsOn.Select(id => new PackageDependency(id, dependencyRanges.GetValueOrDefault(id, "0.0.0")))],
        Capabilities = [.. manifest.Capabilities.Distinct().Order()],
        Icon = iconEntry,
        Assembly = assembly,
    };

    /// <summary>Reads and checks a manifest.json (a stranger's): the same rules as the loader's, plus the package's own.</summary>
    public static PluginPackageManifest Parse(ReadOnlySpan<byte> json)
    {
        PluginPackageManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<PluginPackageManifest>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new PackageException($"its {FileName} cannot be read: {ex.Message}");
        }

        if (manifest is null)
        {
            throw new PackageException($"its {FileName} is empty");
        }

        manifest.Check();
        return manifest;
    }

    /// <summary>Throws <see cref="PackageException"/> unless every member is within its rules.</summary>
    public void Check()
    {
        if (Dependencies is null || Dependencies.Count > PackageLimits.MaxDependencies)
        {
            throw new PackageException($"it may name at most {PackageLimits.MaxDependencies} dependencies");
        }

        foreach (var dependency in Dependencies)
        {
            if (dependency?.Id is null || !VersionRange.TryParse(dependency.Range ?? "", out _))
            {
                throw new PackageException($"its dependency '{dependency?.Id}' has no readable version range ('{dependency?.Range}')");
            }
        }

        if (string.IsNullOrEmpty(Assembly) || Assembly.Length > 200 || !Assembly.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') || Assembly.StartsWith('.'))
        {
            throw new PackageException($"its assembly name '{Assembly}' must be 1 to 200 letters, digits, '.', '_' or '-'");
        }

        if (Icon is not null && (!Icon.StartsWith(PluginPackage.LibFolder, StringComparison.Ordinal) || !ModuleLoader.IsIconName(Path.GetFileName(Icon))))
        {
            throw new PackageException("its icon must be a .png or .svg entry under lib/");
        }

        try
        {
            ModuleLoader.CheckManifest(ToModuleManifest(), checkSdk: false); // the SDK is the installing host's to check
        }
        catch (ModuleLoader.ModuleRefusedException ex)
        {
            throw new PackageException(ex.Message);
        }
    }

    /// <summary>What the loader will find in the plugin's assembly, as far as a package states it.</summary>
    public ModuleManifest ToModuleManifest() =>
        new(Id, Version, SdkVersionRange, Dependencies?.Select(d => d?.Id!).ToList() ?? [], Description)
        {
            Publisher = Publisher ?? throw new PackageException("it names no publisher"),
            Name = Name,
            Capabilities = Capabilities ?? [],
            Icon = Icon is null ? null : Path.GetFileName(Icon),
        };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);
}

/// <summary>A package, a feed or a key that cannot be used; the message says why, in one sentence's worth.</summary>
public sealed class PackageException(string message) : Exception(message);
