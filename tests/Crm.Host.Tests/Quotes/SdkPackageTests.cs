using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyModel;

namespace Crm.Host.Tests.Quotes;

/// <summary>
/// The SDK package partners build against, as <c>dotnet pack</c> makes it: the SDK's version, its
/// XML docs, the build check that keeps plugins from copying it, and its dependencies at exactly
/// the versions the host runs (a plugin restoring another version fails its restore, not its load).
/// </summary>
public sealed class SdkPackageTests
{
    [Fact]
    public async Task The_sdk_package_has_the_sdks_version_its_docs_its_build_check_and_the_hosts_exact_dependency_versions()
    {
        using var package = ZipFile.OpenRead(await QuotesPluginBuild.SdkPackageAsync());
        var names = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Superset(new HashSet<string>
        {
            "lib/net10.0/Crm.PluginSdk.dll", "lib/net10.0/Crm.PluginSdk.xml",
            "build/Crm.PluginSdk.props", "build/Crm.PluginSdk.targets", "buildTransitive/Crm.PluginSdk.props", "buildTransitive/Crm.PluginSdk.targets",
        }, names);

        XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
        using var nuspec = package.GetEntry("Crm.PluginSdk.nuspec")!.Open();
        var metadata = XDocument.Load(nuspec).Root!.Element(ns + "metadata")!;
        // 'dotnet pack' takes the version of the SDK's build; the tests' build adds a suffix of its own (QuotesPluginBuild).
        Assert.StartsWith(CrmSdk.Version + "-", metadata.Element(ns + "version")!.Value, StringComparison.Ordinal);
        Assert.Equal(Version.Parse(CrmSdk.Version), new Version(typeof(ICrmModule).Assembly.GetName().Version!.ToString(3)));

        var dependencies = metadata.Descendants(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
        Assert.Contains("Microsoft.EntityFrameworkCore.Relational", dependencies.Keys);
        var host = DependencyContext.Load(Assembly.GetExecutingAssembly())!.RuntimeLibraries.Where(l => l.Type == "package").ToDictionary(l => l.Name, l => l.Version);
        Assert.All(dependencies, d => Assert.Equal($"[{host[d.Key]}]", d.Value));
    }
}
