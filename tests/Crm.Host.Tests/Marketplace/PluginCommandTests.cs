using Crm.Host.Marketplace;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Marketplace;

/// <summary><c>crm plugin keygen | pack | sign | verify | publish</c>, run as a publisher runs them, on the built sample plugin.</summary>
public sealed class PluginCommandTests : IDisposable
{
    private readonly TestPackages _packages = new();

    public void Dispose() => _packages.Dispose();

    private static async Task<ProcessResult> CrmAsync(params string[] arguments) => await CrmProcess.RunAsync(CrmProcess.CliAssembly, arguments);

    [Fact]
    public async Task A_publisher_packs_signs_verifies_and_publishes_and_a_wrong_key_or_a_changed_package_fails_verify()
    {
        var key = Path.Combine(_packages.Root, "acme");
        var keygen = await CrmAsync("plugin", "keygen", "--out", key);
        Assert.True(keygen.ExitCode == 0, keygen.ToString());
        Assert.Null(PublisherKeys.Problem(keygen.Stdout.Trim()));
        Assert.Equal(1, (await CrmAsync("plugin", "keygen", "--out", key)).ExitCode); // a key is never overwritten

        var package = Path.Combine(_packages.Root, "sample.crmplugin");
        var pack = await CrmAsync("plugin", "pack", _packages.PluginFolder(), "--output", package, "--dependency", "deals=[0.1.0, 1.0.0)");
        Assert.True(pack.ExitCode == 0, pack.ToString());
        Assert.Contains("packed sample_plugin 0.1.0 (sample)", pack.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, (await CrmAsync("plugin", "verify", package, "--public-key", key + ".pub")).ExitCode); // not signed yet

        var sign = await CrmAsync("plugin", "sign", package, "--key", key + ".key.pem");
        Assert.True(sign.ExitCode == 0, sign.ToString());
        var verify = await CrmAsync("plugin", "verify", package, "--public-key", key + ".pub");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("signature good", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("deals [0.1.0, 1.0.0)", verify.Stdout, StringComparison.Ordinal);

        var wrongKey = await CrmAsync("plugin", "verify", package, "--public-key", _packages.PublicKey);
        Assert.Equal(1, wrongKey.ExitCode);
        Assert.Contains("not the trusted key's", wrongKey.Stderr, StringComparison.Ordinal);
        var changed = Path.Combine(_packages.Root, "changed.crmplugin");
        await File.WriteAllBytesAsync(changed, TestPackages.Tampered(await File.ReadAllBytesAsync(package), "lib/Crm.Tests.SamplePlugin.deps.json", "{}"));
        Assert.Contains("changed after it was signed", (await CrmAsync("plugin", "verify", changed, "--public-key", key + ".pub")).Stderr, StringComparison.Ordinal);

        var publish = await CrmAsync("plugin", "publish", package, "--feed", _packages.Feed, "--public-key", key + ".pub");
        Assert.True(publish.ExitCode == 0, publish.ToString());
        var index = FeedIndex.Parse(await File.ReadAllBytesAsync(Path.Combine(_packages.Feed, FeedIndex.FileName)));
        var entry = Assert.Single(index.Packages);
        Assert.Equal(PluginPackage.HashOf(await File.ReadAllBytesAsync(Path.Combine(_packages.Feed, entry.File))), entry.Hash);

        Assert.Contains("does not depend on", (await CrmAsync("plugin", "pack", _packages.PluginFolder(), "--dependency", "contacts=1.0.0")).Stderr, StringComparison.Ordinal);
    }
}
