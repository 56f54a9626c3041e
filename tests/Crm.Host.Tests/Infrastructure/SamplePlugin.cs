using System.Text.Json;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// A modules folder of a test's own: every built-in module (linked, not copied) and a copy of
/// the tests' sample plugin (tests/Crm.Tests.SamplePlugin) with the <c>faults.json</c> the test
/// gives it. A host started with <see cref="Settings"/> loads from it.
/// </summary>
public sealed class SamplePluginFolder : IDisposable
{
    public const string PluginFolderName = "Crm.Tests.SamplePlugin";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("crm-plugin-test-");

    /// <param name="faults">What the plugin's faults.json says, e.g. <c>new { throwIn = "ConfigureServices" }</c>; null for none.</param>
    public SamplePluginFolder(object? faults)
    {
        foreach (var module in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "modules")))
        {
            Directory.CreateSymbolicLink(Path.Combine(_folder.FullName, Path.GetFileName(module)), module);
        }

        // The plugin's own files are copied (it reads faults.json beside its assembly); its native runtimes are linked.
        var built = Path.Combine(AppContext.BaseDirectory, "test-modules", PluginFolderName);
        var plugin = Directory.CreateDirectory(Path.Combine(_folder.FullName, PluginFolderName));
        foreach (var file in Directory.GetFiles(built))
        {
            File.Copy(file, Path.Combine(plugin.FullName, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(built))
        {
            Directory.CreateSymbolicLink(Path.Combine(plugin.FullName, Path.GetFileName(directory)), directory);
        }

        if (faults is not null)
        {
            File.WriteAllText(Path.Combine(plugin.FullName, "faults.json"), JsonSerializer.Serialize(faults));
        }
    }

    public string FullName => _folder.FullName;

    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Modules:Path"] = _folder.FullName };

    public void Dispose()
    {
        try
        {
            _folder.Delete(recursive: true); // links are removed, not followed
        }
        catch (IOException)
        {
            // A loaded module's files may stay open; the temp folder is cleaned by the OS.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
