using System.Text;
using Crm.Host.Marketplace;
using Crm.Host.Modules;
using Crm.PluginSdk.Modules;

namespace Crm.Host.Tests.Marketplace;

/// <summary>The package format, its signature and its bounds, on packages of the built sample plugin and on hostile zips made here.</summary>
public sealed class PluginPackageTests : IDisposable
{
    private readonly TestPackages _packages = new();

    public void Dispose() => _packages.Dispose();

    [Fact]
    public void Pack_reads_the_manifest_through_the_loader_and_a_signed_package_verifies()
    {
        var folder = _packages.PluginFolder();
        var (manifest, assembly) = ModuleLoader.Inspect(folder);
        Assert.Equal(("sample_plugin", "sample", "Crm.Tests.SamplePlugin"), (manifest.Id, manifest.Publisher, assembly.GetName().Name));
        var packageManifest = PluginPackageManifest.From(manifest, assembly.GetName().Name!, new Dictionary<string, string> { ["deals"] = "[0.1.0, 1.0.0)" }, null);
        Assert.Equal([PluginCapability.ReadAllRecords], packageManifest.Capabilities);
        Assert.Equal([new PackageDependency("selection_lists", "0.0.0"), new PackageDependency("deals", "[0.1.0, 1.0.0)")], packageManifest.Dependencies);

        var unsigned = PluginPackage.Read(PluginPackage.Pack(folder, packageManifest));
        Assert.Null(unsigned.Signature);
        var signed = PluginPackage.Read(unsigned.WithSignature(PublisherKeys.Sign(_packages.PrivateKey, "sample", unsigned.ContentHash)));
        Assert.Equal(unsigned.ContentHash, signed.ContentHash); // the signature is not part of what it signs
        Assert.NotEqual(unsigned.FileHash, signed.FileHash);
        signed.VerifySignature(_packages.PublicKey);
        Assert.Contains("sample_plugin.0.1.0.crmplugin", FeedIndex.FileNameOf(signed.Manifest), StringComparison.Ordinal);
    }

    [Fact]
    public void A_module_without_a_publisher_is_not_packed()
    {
        var manifest = new ModuleManifest("plain", "1.0.0", "[0.1.0, 1.0.0)", []);
        var error = Assert.Throws<PackageException>(() => PluginPackageManifest.From(manifest, "Plain", new Dictionary<string, string>(), null));
        Assert.Contains("publisher", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_package_changed_after_signing_is_refused()
    {
        var signed = _packages.Signed();
        var tampered = PluginPackage.Read(TestPackages.Tampered(signed, "lib/Crm.Tests.SamplePlugin.deps.json", "{}"));
        var error = Assert.Throws<PackageException>(() => tampered.VerifySignature(_packages.PublicKey));
        Assert.Contains("changed after it was signed", error.Message, StringComparison.Ordinal);

        // A changed manifest is content too.
        var manifest = Encoding.UTF8.GetString((TestPackages.Manifest() with { Capabilities = [PluginCapability.ReadAllRecords, PluginCapability.OutboundHttp] }).ToJson());
        var widened = PluginPackage.Read(TestPackages.Tampered(signed, PluginPackageManifest.FileName, manifest));
        Assert.Throws<PackageException>(() => widened.VerifySignature(_packages.PublicKey));
    }

    [Fact]
    public void A_package_signed_by_another_key_or_for_another_publisher_is_refused()
    {
        var (otherKey, _) = PublisherKeys.Generate();
        var foreign = PluginPackage.Read(_packages.Signed(privateKey: otherKey));
        var error = Assert.Throws<PackageException>(() => foreign.VerifySignature(_packages.PublicKey));
        Assert.Contains("not the trusted key's", error.Message, StringComparison.Ordinal);

        var package = PluginPackage.Read(_packages.Signed());
        var renamed = PluginPackage.Read(package.WithSignature(PublisherKeys.Sign(_packages.PrivateKey, "other", package.ContentHash)));
        Assert.Throws<PackageException>(() => renamed.VerifySignature(_packages.PublicKey));
        Assert.Throws<PackageException>(() => PluginPackage.Read(PluginPackage.Pack(_packages.PluginFolder(), TestPackages.Manifest())).VerifySignature(_packages.PublicKey));
    }

    [Theory]
    [InlineData("lib/../../evil.dll")]
    [InlineData("../evil.dll")]
    [InlineData("/etc/evil")]
    [InlineData("lib/./evil.dll")]
    [InlineData("lib\\..\\evil.dll")]
    [InlineData("lib//evil.dll")]
    [InlineData("C:/evil.dll")]
    [InlineData("lib/evil dll")]
    public void A_path_that_could_leave_the_plugin_folder_is_refused(string path)
    {
        var zip = TestPackages.Zip((PluginPackageManifest.FileName, TestPackages.Manifest().ToJson()), ("lib/Crm.Tests.SamplePlugin.dll", [1]), (path, [1, 2, 3]));
        var error = Assert.Throws<PackageException>(() => PluginPackage.Read(zip));
        Assert.Contains("plain relative path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_ten_times_the_longest_is_refused() =>
        Assert.Throws<PackageException>(() => PluginPackage.Read(TestPackages.Zip(("lib/" + new string('a', 10 * PackageLimits.MaxEntryPathLength), [1]))));

    [Fact]
    public void Ten_times_the_entries_a_package_may_hold_are_refused_before_any_is_read()
    {
        var entries = Enumerable.Range(0, 10 * PackageLimits.MaxEntries).Select(i => ($"lib/f{i}", Array.Empty<byte>())).ToArray();
        var error = Assert.Throws<PackageException>(() => PluginPackage.Read(TestPackages.Zip(entries)));
        Assert.Contains($"at most {PackageLimits.MaxEntries}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zip_bomb_is_refused_by_its_unpacked_size()
    {
        // Zeros compress about a thousandfold: a small file that would unpack past the limit.
        var zeros = new byte[16 * 1024 * 1024];
        var entries = Enumerable.Range(0, (int)(PackageLimits.MaxUnpackedBytes / zeros.Length) + 1).Select(i => ($"lib/zeros{i}", zeros)).ToArray();
        var bomb = TestPackages.Zip([(PluginPackageManifest.FileName, TestPackages.Manifest().ToJson()), .. entries]);
        Assert.True(bomb.Length < PackageLimits.MaxPackageBytes / 10);
        var error = Assert.Throws<PackageException>(() => PluginPackage.Read(bomb));
        Assert.Contains("unpacks to more than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_package_over_its_size_or_not_a_zip_is_refused()
    {
        Assert.Throws<PackageException>(() => PluginPackage.Read(new byte[PackageLimits.MaxPackageBytes + 1]));
        Assert.Contains("not a readable zip", Assert.Throws<PackageException>(() => PluginPackage.Read(Encoding.UTF8.GetBytes("not a zip"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_out_of_bounds_or_inconsistent_is_refused()
    {
        static void Refused(PluginPackageManifest manifest, string expected)
        {
            var zip = TestPackages.Zip((PluginPackageManifest.FileName, manifest.ToJson()), ("lib/Crm.Tests.SamplePlugin.dll", [1]));
            Assert.Contains(expected, Assert.Throws<PackageException>(() => PluginPackage.Read(zip)).Message, StringComparison.Ordinal);
        }

        Refused(TestPackages.Manifest() with { Id = "other_plugin" }, "must start with its publisher's id");
        Refused(TestPackages.Manifest() with { Dependencies = [.. Enumerable.Range(0, 10 * PackageLimits.MaxDependencies).Select(i => new PackageDependency($"m{i}", "1.0.0"))] }, "at most");
        Refused(TestPackages.Manifest() with { Dependencies = [new PackageDependency("deals", "not a range")] }, "no readable version range");
        Refused(TestPackages.Manifest() with { Assembly = "../Evil" }, "assembly name");
        Refused(TestPackages.Manifest() with { Assembly = "Missing" }, "has no lib/Missing.dll");
        Refused(TestPackages.Manifest() with { Description = new string('d', 10 * ModuleLoader.MaxDescriptionLength) }, "description");
    }

    [Fact]
    public void A_feed_index_over_its_bounds_is_refused()
    {
        var entry = FeedEntry.Of(PluginPackage.Read(_packages.Signed()), "sample_plugin.0.1.0.crmplugin");
        var many = new FeedIndex([.. Enumerable.Repeat(entry, 10 * PackageLimits.MaxIndexEntries)]).ToJson();
        Assert.Throws<PackageException>(() => FeedIndex.Parse(many));
        Assert.Throws<PackageException>(() => FeedIndex.Parse(new byte[10 * PackageLimits.MaxIndexBytes]));
        Assert.Throws<PackageException>(() => FeedIndex.Parse(new FeedIndex([entry with { File = "../../etc/passwd" }]).ToJson()));
        Assert.Single(FeedIndex.Parse(new FeedIndex([entry]).ToJson()).Packages);
    }

    [Fact]
    public void Unpacking_writes_the_lib_entries_and_only_them()
    {
        var package = PluginPackage.Read(_packages.Signed());
        var target = Path.Combine(_packages.Root, "unpacked");
        package.ExtractTo(target);
        Assert.True(File.Exists(Path.Combine(target, "Crm.Tests.SamplePlugin.dll")));
        Assert.False(File.Exists(Path.Combine(target, PluginPackageManifest.FileName)));
        Assert.Equal(Directory.GetFiles(_packages.PluginFolder()).Select(Path.GetFileName).Order(), Directory.GetFiles(target).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_public_key_that_is_not_p256_or_too_long_is_refused()
    {
        Assert.Null(PublisherKeys.Problem(_packages.PublicKey));
        Assert.NotNull(PublisherKeys.Problem("not base64"));
        Assert.NotNull(PublisherKeys.Problem(Convert.ToBase64String(new byte[10 * PackageLimits.MaxPublicKeyLength])));
        using var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        Assert.NotNull(PublisherKeys.Problem(Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo())));
    }
}
