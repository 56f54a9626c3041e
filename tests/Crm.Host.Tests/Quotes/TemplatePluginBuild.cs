using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Quotes;

/// <summary>
/// What a partner gets from the template, built as a partner builds it: the template package
/// packed from tools/templates, installed in a template hive of its own, a plugin made with
/// <c>dotnet new crm-plugin -n Acme.Sample</c> against the SDK package of <see cref="QuotesPluginBuild"/>,
/// and published. Cached like it, by a hash of the template and of the SDK's build.
/// </summary>
public static class TemplatePluginBuild
{
    public const string AssemblyName = "Acme.Sample";

    private static readonly Lazy<Task<string>> Built = new(() => Task.Run(BuildAsync));

    /// <summary>The plugin project the template made (to read), beside its published folder (<see cref="FolderAsync"/>).</summary>
    public static async Task<string> ProjectAsync() => Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(await Built.Value)!)!, AssemblyName);

    public static Task<string> FolderAsync() => Built.Value;

    private static async Task<string> BuildAsync()
    {
        var sdk = await QuotesPluginBuild.OutputAsync();
        var root = TestPostgres.RepositoryRoot();
        var templates = Path.Combine(root, "tools", "templates");
        var hash = QuotesPluginBuild.HashOf(root, [.. QuotesPluginBuild.SourcesOf(templates), sdk.SdkPackage]);
        var builds = Path.Combine(root, "artifacts", "plugin-builds");
        var cache = Directory.CreateDirectory(Path.Combine(builds, "template-" + hash)).FullName;
        var folder = Path.Combine(cache, "out", AssemblyName);
        var done = Path.Combine(cache, "done");
        using var gate = await QuotesPluginBuild.LockAsync(Path.Combine(builds, ".lock"));
        if (File.Exists(done))
        {
            return folder;
        }

        var hive = Path.Combine(cache, "hive");
        var feed = Path.Combine(cache, "feed");
        var project = Path.Combine(cache, AssemblyName);
        await QuotesPluginBuild.RunAsync(root, "pack", templates, "-o", feed);
        await QuotesPluginBuild.RunAsync(root, "new", "install", Directory.GetFiles(feed, "Crm.PluginTemplates.*.nupkg").Single(), "--debug:custom-hive", hive);
        await QuotesPluginBuild.RunAsync(root, "new", "crm-plugin", "-n", AssemblyName, "-o", project, "--sdkFeed", Path.GetDirectoryName(sdk.SdkPackage)!, "--sdkVersion", sdk.SdkVersion, "--debug:custom-hive", hive);
        await QuotesPluginBuild.RunAsync(root, "publish", project, "-c", "Release", "-o", folder);
        await File.WriteAllTextAsync(done, hash);
        foreach (var stale in Directory.GetDirectories(builds, "template-*").Where(d => d != cache))
        {
            Directory.Delete(stale, recursive: true);
        }

        return folder;
    }
}
