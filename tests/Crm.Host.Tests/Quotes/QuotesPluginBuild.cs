using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Modules;

namespace Crm.Host.Tests.Quotes;

/// <summary>
/// The partner plugin plugins/Quotes built as a partner builds it, once for the test run: the SDK
/// the tests were built with is packed (no rebuild) into the feed the plugin's nuget.config names, with a version of its own, and the plugin is
/// published from its own folder against that package alone. The result is kept under
/// artifacts/plugin-builds/quotes-HASH, HASH covering everything the build reads (the SDK's
/// sources and packaging, the central package versions, the plugin's sources), so a later run
/// with the same inputs only checks the hash.
/// </summary>
public static class QuotesPluginBuild
{
    public const string AssemblyName = "Acme.Quotes";

    private static readonly Lazy<Task<Output>> Built = new(() => Task.Run(BuildAsync));

    /// <summary>What the build made: the published plugin folder and the SDK package it was built against.</summary>
    public sealed record Output(string Folder, string SdkPackage, string SdkVersion, string Hash);

    /// <summary>How the last <see cref="FolderAsync"/> went: built now (and how long it took) or found in the cache.</summary>
    public static string? LastOutcome { get; private set; }

    /// <summary>The published plugin folder (named after its assembly, as the host's loader wants it).</summary>
    public static async Task<string> FolderAsync() => (await Built.Value).Folder;

    /// <summary>The SDK's .nupkg the plugin was built against, as <c>dotnet pack</c> made it.</summary>
    public static async Task<string> SdkPackageAsync() => (await Built.Value).SdkPackage;

    /// <summary>The whole build: the folder, the SDK package, its version and the inputs' hash.</summary>
    public static Task<Output> OutputAsync() => Built.Value;

    private static async Task<Output> BuildAsync()
    {
        var root = TestPostgres.RepositoryRoot();
        var configuration = typeof(QuotesPluginBuild).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var sdkProject = Path.Combine(root, "plugin-sdk", "Crm.PluginSdk");
        var plugin = Path.Combine(root, "plugins", "Quotes");
        // The SDK's sources, not its assembly: the build stamps the commit into the assembly, which would make every commit a new input.
        var hash = HashOf(root, [
            .. SourcesOf(sdkProject),
            Path.Combine(root, "Directory.Packages.props"),
            Path.Combine(root, "Directory.Build.props"),
            Path.Combine(root, "global.json"),
            .. SourcesOf(plugin),
        ]);
        var cache = Directory.CreateDirectory(Path.Combine(root, "artifacts", "plugin-builds", "quotes-" + hash)).FullName;
        var folder = Path.Combine(cache, "out", AssemblyName);
        var done = Path.Combine(cache, "done");
        // A version of its own per input hash: NuGet caches packages by id and version, and must never serve an older build of the SDK.
        var sdkVersion = $"{CrmSdk.Version}-test.{hash}";
        // The feed plugins/Quotes/nuget.config names, as a partner's checkout would have it; every other package
        // comes from the sources the machine's own NuGet configuration names.
        var feed = Path.Combine(root, "artifacts", "crm-sdk-feed");
        var built = new Output(folder, Path.Combine(feed, $"Crm.PluginSdk.{sdkVersion}.nupkg"), sdkVersion, hash);

        // One build at a time on the machine: another test run may be making the same folder.
        using var gate = await LockAsync(Path.Combine(root, "artifacts", "plugin-builds", ".lock"));
        if (File.Exists(done) && File.Exists(built.SdkPackage))
        {
            LastOutcome = $"cached ({cache})";
            return built;
        }

        var watch = Stopwatch.StartNew();
        await RunAsync(root, "pack", sdkProject, "--no-build", "--no-restore", "-c", configuration, "-o", feed, $"-p:PackageVersion={sdkVersion}");
        await RunAsync(root, "publish", Path.Combine(plugin, AssemblyName + ".csproj"), "-c", "Release", "-o", folder, $"-p:CrmSdkVersion={sdkVersion}");
        Assert.False(File.Exists(Path.Combine(folder, "Crm.PluginSdk.dll")), "The plugin carries its own copy of the SDK.");
        await File.WriteAllTextAsync(done, sdkVersion);
        LastOutcome = $"built in {watch.Elapsed.TotalSeconds:F1} s ({cache})";
        // Builds of older inputs are of no more use (the hash changes with every edit of the SDK or the plugin).
        foreach (var stale in Directory.GetDirectories(Path.GetDirectoryName(cache)!, "quotes-*").Where(d => d != cache))
        {
            Directory.Delete(stale, recursive: true);
        }

        foreach (var stale in Directory.GetFiles(feed, $"Crm.PluginSdk.{CrmSdk.Version}-test.*.nupkg").Where(f => f != built.SdkPackage))
        {
            File.Delete(stale);
        }

        return built;
    }

    internal static IEnumerable<string> SourcesOf(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    internal static string HashOf(string root, IEnumerable<string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(root, file).Replace('\\', '/') + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    internal static async Task<FileStream> LockAsync(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 600)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    internal static async Task RunAsync(string root, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        // 'dotnet new' takes neither: it prints little anyway.
        foreach (var argument in arguments[0] == "new" ? arguments : arguments.Concat(["-nologo", "-v", "q"]))
        {
            start.ArgumentList.Add(argument);
        }

        // A build of its own: nothing of the test run's MSBuild or platform settings leaks in.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("CRM_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed:\n{await stdout}\n{await stderr}");
    }
}
