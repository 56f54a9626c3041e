using System.IO.Compression;
using System.Text;
using Crm.Host.Marketplace;
using Crm.PluginSdk.Modules;

namespace Crm.Host.Tests.Marketplace;

/// <summary>
/// Packages made from the tests' sample plugin as built (its assembly and files, without the
/// native runtimes the host has anyway), signed with keys made here, and feeds in temporary folders.
/// </summary>
internal sealed class TestPackages : IDisposable
{
    public const string PluginId = "sample_plugin";
    public const string Publisher = "sample";
    public const string Assembly = "Crm.Tests.SamplePlugin";

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("crm-marketplace-test-");

    public TestPackages()
    {
        (PrivateKey, PublicKey) = PublisherKeys.Generate();
        Feed = Directory.CreateDirectory(Path.Combine(_root.FullName, "feed")).FullName;
    }

    public string PrivateKey { get; }

    public string PublicKey { get; }

    /// <summary>A feed folder (index.json and packages), empty until something is published.</summary>
    public string Feed { get; }

    public string Root => _root.FullName;

    /// <summary>A copy of the built plugin's own files, with a <c>faults.json</c> when given (e.g. <c>new { version = "0.2.0" }</c>).</summary>
    public string PluginFolder(object? faults = null)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root.FullName, "build-" + Guid.NewGuid().ToString("N"), Assembly)).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "test-modules", Assembly)))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        if (faults is not null)
        {
            File.WriteAllText(Path.Combine(folder, "faults.json"), System.Text.Json.JsonSerializer.Serialize(faults));
        }

        return folder;
    }

    /// <summary>The manifest the sample plugin states, as <c>crm plugin pack</c> writes it; tests change what they test.</summary>
    public static PluginPackageManifest Manifest(string version = "0.1.0") => new()
    {
        Id = PluginId,
        Version = version,
        Publisher = Publisher,
        Name = "Sample plugin",
        Description = "The tests' sample plugin.",
        SdkVersionRange = "[0.1.0, 1.0.0)",
        Dependencies = [new PackageDependency("selection_lists", "0.0.0"), new PackageDependency("deals", "[0.1.0, 1.0.0)")],
        Capabilities = [PluginCapability.ReadAllRecords],
        Assembly = Assembly,
    };

    /// <summary>Packed and signed (with this publisher's key unless another is given).</summary>
    public byte[] Signed(PluginPackageManifest? manifest = null, string? privateKey = null, object? faults = null)
    {
        var package = PluginPackage.Read(PluginPackage.Pack(PluginFolder(faults), manifest ?? Manifest()));
        return package.WithSignature(PublisherKeys.Sign(privateKey ?? PrivateKey, package.Manifest.Publisher, package.ContentHash));
    }

    /// <summary>Into this feed, as <c>crm plugin publish</c> does.</summary>
    public FeedEntry Publish(byte[] package) => FeedIndex.Publish(Feed, PluginPackage.Read(package));

    /// <summary>A zip written entry by entry, for packages no honest packer makes.</summary>
    public static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                stream.Write(content);
            }
        }

        return output.ToArray();
    }

    /// <summary>The package with one entry's content replaced, everything else (the signature too) kept.</summary>
    public static byte[] Tampered(byte[] package, string entry, string content)
    {
        using var output = new MemoryStream();
        output.Write(package);
        using (var zip = new ZipArchive(output, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry(entry)!.Delete();
            using var stream = zip.CreateEntry(entry).Open();
            stream.Write(Encoding.UTF8.GetBytes(content));
        }

        return output.ToArray();
    }

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
