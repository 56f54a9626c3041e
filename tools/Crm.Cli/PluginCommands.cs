using Crm.Host.Marketplace;
using Crm.Host.Modules;

namespace Crm.Cli;

/// <summary>
/// <c>crm plugin keygen | pack | sign | verify | publish</c>: a publisher's side of the marketplace.
/// The package format, its checks and the signature are the host's own (<see cref="PluginPackage"/>),
/// so that what these commands accept is what an installing host accepts.
/// </summary>
public static class PluginCommands
{
    public const string Usage = """
          plugin keygen --out NAME     make a publisher key pair: NAME.key.pem (private, keep it) and NAME.pub
                                       (the public key an admin trusts with trustPublisher); prints the public key
          plugin pack FOLDER [--output F] [--dependency ID=RANGE ...]
                                       pack a built plugin folder (its assembly is loaded and its manifest checked
                                       as the host does) into F (default: ID.VERSION.crmplugin); a dependency's
                                       range is a NuGet range (default: any version)
          plugin sign PACKAGE --key NAME.key.pem
                                       sign a package (in place) with the publisher's private key
          plugin verify PACKAGE [--public-key KEY|FILE]
                                       check a package's bounds, paths, manifest and content hash, and its
                                       signature against the key
          plugin publish PACKAGE --feed DIR [--public-key KEY|FILE]
                                       add a signed package to a feed folder (DIR/index.json and the file beside it)
        """;

    public static readonly string[] Options = ["--out", "--key", "--public-key", "--feed", "--dependency"];

    public static int Run(string[] command, IReadOnlyDictionary<string, string> options, IReadOnlyList<string> dependencies)
    {
        try
        {
            return command switch
            {
                ["plugin", "keygen"] => Keygen(Required(options, "--out")),
                ["plugin", "pack", var folder] => Pack(folder, options.GetValueOrDefault("--output"), dependencies),
                ["plugin", "sign", var package] => Sign(package, Required(options, "--key")),
                ["plugin", "verify", var package] => Verify(package, options.GetValueOrDefault("--public-key")),
                ["plugin", "publish", var package] => Publish(package, Required(options, "--feed"), options.GetValueOrDefault("--public-key")),
                _ => throw new InvalidOperationException($"'{string.Join(' ', command)}' is not a plugin command; see 'crm help'"),
            };
        }
        catch (PackageException ex)
        {
            Console.Error.WriteLine($"crm: the package is refused: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            Console.Error.WriteLine($"crm: {ex.Message}");
            return 1;
        }
    }

    private static string Required(IReadOnlyDictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) && value.Length > 0 ? value : throw new InvalidOperationException($"{name} is needed; see 'crm help'");

    private static int Keygen(string name)
    {
        var (privateKey, publicKey) = PublisherKeys.Generate();
        var privatePath = name + ".key.pem";
        if (File.Exists(privatePath))
        {
            throw new InvalidOperationException($"{privatePath} exists; a key is never overwritten");
        }

        using (var stream = new FileStream(privatePath, FileMode.CreateNew, FileAccess.Write))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(privatePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            stream.Write(System.Text.Encoding.ASCII.GetBytes(privateKey));
        }

        File.WriteAllText(name + ".pub", publicKey + "\n");
        Console.WriteLine(publicKey);
        Console.Error.WriteLine($"crm: wrote {privatePath} (private: keep it) and {name}.pub (key {PublisherKeys.Fingerprint(publicKey)}).");
        return 0;
    }

    private static int Pack(string folder, string? output, IReadOnlyList<string> dependencyOptions)
    {
        var ranges = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in dependencyOptions)
        {
            var equals = option.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new InvalidOperationException($"--dependency '{option}' must be ID=RANGE, e.g. deals=[0.1.0,1.0.0)");
            }

            ranges[option[..equals]] = option[(equals + 1)..];
        }

        var (manifest, assembly) = ModuleLoader.Inspect(folder);
        if (ranges.Keys.FirstOrDefault(id => !manifest.DependsOn.Contains(id)) is { } unknown)
        {
            throw new InvalidOperationException($"--dependency names '{unknown}', which the module's manifest does not depend on");
        }

        var assemblyName = assembly.GetName().Name!;
        var extra = new Dictionary<string, byte[]>();
        string? iconEntry = null;
        if (manifest.Icon is { } icon)
        {
            if (!File.Exists(Path.Combine(folder, icon)))
            {
                var resource = assembly.GetManifestResourceNames().FirstOrDefault(r => r == icon || r.EndsWith("." + icon, StringComparison.Ordinal))
                    ?? throw new InvalidOperationException($"the icon '{icon}' is neither a file in {folder} nor a resource of {assemblyName}");
                using var stream = assembly.GetManifestResourceStream(resource)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                extra[icon] = copy.ToArray();
            }

            iconEntry = PluginPackage.LibFolder + icon;
        }

        var packageManifest = PluginPackageManifest.From(manifest, assemblyName, ranges, iconEntry);
        var bytes = PluginPackage.Pack(folder, packageManifest, extra);
        var path = output ?? FeedIndex.FileNameOf(packageManifest);
        File.WriteAllBytes(path, bytes);
        var package = PluginPackage.Read(bytes);
        Console.WriteLine($"crm: packed {packageManifest.Id} {packageManifest.Version} ({packageManifest.Publisher}) into {path}: {bytes.Length:N0} bytes, content hash {package.ContentHash}; sign it next.");
        return 0;
    }

    private static int Sign(string path, string keyFile)
    {
        var package = PluginPackage.Read(File.ReadAllBytes(path));
        var signature = PublisherKeys.Sign(File.ReadAllText(keyFile), package.Manifest.Publisher, package.ContentHash);
        var signed = package.WithSignature(signature);
        PluginPackage.Read(signed).VerifySignature(PublisherKeys.PublicKeyOf(File.ReadAllText(keyFile)));
        File.WriteAllBytes(path, signed);
        Console.WriteLine($"crm: signed {path} as {package.Manifest.Publisher} with key {signature.KeyId}.");
        return 0;
    }

    private static int Verify(string path, string? publicKey)
    {
        var package = PluginPackage.Read(File.ReadAllBytes(path));
        Console.WriteLine($"{package.Manifest.Id} {package.Manifest.Version} by {package.Manifest.Publisher}: SDK {package.Manifest.SdkVersionRange}, "
            + $"capabilities [{string.Join(", ", package.Manifest.Capabilities)}], dependencies [{string.Join(", ", package.Manifest.Dependencies.Select(d => $"{d.Id} {d.Range}"))}]");
        Console.WriteLine($"content hash {package.ContentHash}, file hash {package.FileHash}");
        if (publicKey is null)
        {
            Console.WriteLine(package.Signature is null ? "not signed" : $"signed with key {package.Signature.KeyId} (not checked: give --public-key)");
            return package.Signature is null ? 1 : 0;
        }

        package.VerifySignature(ReadKey(publicKey));
        Console.WriteLine($"signature good: {package.Manifest.Publisher}, key {package.Signature!.KeyId}");
        return 0;
    }

    private static int Publish(string path, string feed, string? publicKey)
    {
        var package = PluginPackage.Read(File.ReadAllBytes(path));
        if (publicKey is not null)
        {
            package.VerifySignature(ReadKey(publicKey));
        }

        var entry = FeedIndex.Publish(Path.GetFullPath(feed), package);
        Console.WriteLine($"crm: published {entry.Id} {entry.Version} to {feed} as {entry.File} (hash {entry.Hash}).");
        return 0;
    }

    /// <summary>A key given inline (base64) or as a file holding it.</summary>
    private static string ReadKey(string keyOrFile) =>
        File.Exists(keyOrFile) ? File.ReadAllText(keyOrFile).Trim() : PublisherKeys.Problem(keyOrFile) is null ? keyOrFile : throw new InvalidOperationException($"--public-key: {PublisherKeys.Problem(keyOrFile)}");
}
