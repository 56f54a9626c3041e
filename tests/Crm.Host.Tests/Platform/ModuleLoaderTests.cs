using Crm.Host.Modules;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Host.Tests.Platform;

/// <summary>Collects what is logged, one line per call.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly List<(LogLevel Level, string Message)> _lines = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IReadOnlyList<string> Errors => Lines.Where(l => l.Level >= LogLevel.Error).Select(l => l.Message).ToList();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add((logLevel, formatter(state, exception)));
        }
    }
}

/// <summary>The manifest checks and the dependency order, on manifests made up here.</summary>
public sealed class ModuleManifestTests
{
    private const string SdkRange = "[0.1.0, 1.0.0)";

    private sealed class FakeModule(ModuleManifest manifest) : ICrmModule
    {
        public ModuleManifest Manifest { get; } = manifest;

        public void ConfigureServices(IServiceCollection services, ModuleContext context)
        {
        }
    }

    private static ModuleManifest Manifest(string id = "sample", string version = "1.0.0", string range = SdkRange, params string[] dependsOn) =>
        new(id, version, range, dependsOn);

    private static LoadedModule Module(string id, params string[] dependsOn)
    {
        var manifest = Manifest(id, dependsOn: dependsOn);
        return new LoadedModule(manifest, new FakeModule(manifest), typeof(ModuleManifestTests).Assembly, Path.Combine("modules", "Crm.Modules." + id));
    }

    [Fact]
    public void The_host_sdk_version_is_inside_the_shipped_modules_range() =>
        ModuleLoader.CheckManifest(Manifest());

    [Theory]
    [InlineData("[0.1.0, 1.0.0)")]
    [InlineData("0.1.0")]
    [InlineData("[0.1, 1.0)")]
    [InlineData("(, 1.0.0)")]
    [InlineData("[0.1.0]")]
    [InlineData("[0.0.1, )")]
    public void A_range_that_holds_the_sdk_version_is_accepted(string range) =>
        ModuleLoader.CheckManifest(Manifest(range: range));

    [Theory]
    [InlineData("[1.0.0, 2.0.0)")]
    [InlineData("[0.2.0, 1.0.0)")]
    [InlineData("(0.1.0, 1.0.0)")]
    [InlineData("(, 0.1.0)")]
    [InlineData("[0.0.1, 0.1.0)")]
    [InlineData("2.0.0")]
    public void An_incompatible_sdk_range_is_refused(string range)
    {
        var error = Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest(range: range)));
        Assert.Contains(CrmSdk.Version, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("[1.0.0")]
    [InlineData("[2.0.0, 1.0.0]")]
    public void An_unreadable_sdk_range_is_refused(string range) =>
        Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest(range: range)));

    [Theory]
    [InlineData("contacts")]
    [InlineData("crm_2")]
    [InlineData("a")]
    public void A_lower_case_id_is_accepted(string id) =>
        ModuleLoader.CheckManifest(Manifest(id: id));

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("Contacts")]
    [InlineData("my-module")]
    [InlineData("my module")]
    [InlineData("crm.contacts")]
    [InlineData("contacts;drop")]
    [InlineData("kontakty_ü")]
    public void A_bad_id_is_refused(string id)
    {
        var error = Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest(id: id)));
        Assert.Contains("id", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.0.0")]
    [InlineData("0.1.0-beta.1")]
    [InlineData("2.3.4+build.5")]
    public void A_semantic_version_is_accepted(string version) =>
        ModuleLoader.CheckManifest(Manifest(version: version));

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("v1.0.0")]
    [InlineData("1.0.0.0.0")]
    [InlineData("1.0.0-")]
    public void A_bad_version_is_refused(string version)
    {
        var error = Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest(version: version)));
        Assert.Contains("version", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Modules_come_after_their_dependencies()
    {
        var logger = new ListLogger();
        var refused = new List<string>();
        List<LoadedModule> candidates =
        [
            Module("tasks", "deals"),
            Module("deals", "contacts", "companies"),
            Module("notes"),
            Module("contacts", "companies"),
            Module("companies"),
        ];

        var ordered = ModuleLoader.OrderByDependencies(candidates, refused, logger);

        Assert.Empty(refused);
        Assert.Empty(logger.Errors);
        Assert.Equal(candidates.Select(c => c.Manifest.Id).Order(), ordered.Select(m => m.Manifest.Id).Order());
        var position = ordered.Select((m, i) => (m.Manifest.Id, i)).ToDictionary(x => x.Id, x => x.i);
        foreach (var module in ordered)
        {
            Assert.All(module.Manifest.DependsOn, dependency => Assert.True(position[dependency] < position[module.Manifest.Id], $"{dependency} must come before {module.Manifest.Id}"));
        }
    }

    [Fact]
    public void A_module_whose_dependency_is_missing_is_refused_and_so_are_its_dependents()
    {
        var logger = new ListLogger();
        var refused = new List<string>();
        List<LoadedModule> candidates =
        [
            Module("reports", "deals"),
            Module("deals", "invoices"),
            Module("contacts"),
        ];

        var ordered = ModuleLoader.OrderByDependencies(candidates, refused, logger);

        Assert.Equal(["contacts"], ordered.Select(m => m.Manifest.Id));
        Assert.Equal(["Crm.Modules.deals", "Crm.Modules.reports"], refused.Order(StringComparer.Ordinal));
        Assert.Equal(2, logger.Errors.Count);
        Assert.Single(logger.Errors, e => e.Contains("deals", StringComparison.Ordinal) && e.Contains("invoices", StringComparison.Ordinal));
        Assert.Single(logger.Errors, e => e.Contains("reports", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_module_of_a_dependency_cycle_is_refused()
    {
        var logger = new ListLogger();
        var refused = new List<string>();
        List<LoadedModule> candidates =
        [
            Module("a", "b"),
            Module("b", "c"),
            Module("c", "a"),
            Module("d", "a"),
            Module("e"),
            Module("self", "self"),
        ];

        var ordered = ModuleLoader.OrderByDependencies(candidates, refused, logger);

        Assert.Equal(["e"], ordered.Select(m => m.Manifest.Id));
        Assert.Equal(["Crm.Modules.a", "Crm.Modules.b", "Crm.Modules.c", "Crm.Modules.d", "Crm.Modules.self"], refused.Order(StringComparer.Ordinal));
        // One line per refused module.
        Assert.Equal(5, logger.Errors.Count);
        Assert.Contains(logger.Errors, e => e.Contains("cycle", StringComparison.Ordinal));
    }

    [Fact]
    public void A_cycle_found_from_a_dependent_still_refuses_each_module_once()
    {
        var logger = new ListLogger();
        var refused = new List<string>();
        List<LoadedModule> candidates =
        [
            Module("app", "x"),
            Module("x", "y"),
            Module("y", "x"),
        ];

        var ordered = ModuleLoader.OrderByDependencies(candidates, refused, logger);

        Assert.Empty(ordered);
        Assert.Equal(["Crm.Modules.app", "Crm.Modules.x", "Crm.Modules.y"], refused.Order(StringComparer.Ordinal));
        Assert.Equal(3, logger.Errors.Count);
    }
}

/// <summary>Loading real module folders: built modules load, broken ones are refused, and the host still starts.</summary>
[Trait("Engine", "Sqlite")]
public sealed class ModuleFolderTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("crm-modules-test-");

    private static string BuiltModules => Path.Combine(AppContext.BaseDirectory, "modules");

    public void Dispose()
    {
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A loaded module's files may stay open; the temp folder is cleaned by the OS.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            Copy(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    private void AddBuiltModule(string name) => Copy(Path.Combine(BuiltModules, name), Path.Combine(_folder.FullName, name));

    /// <summary>A corrupt dll, a folder without its dll, and a real assembly that is not a module.</summary>
    private void AddBrokenModules()
    {
        var corrupt = Directory.CreateDirectory(Path.Combine(_folder.FullName, "Crm.Modules.Corrupt"));
        File.WriteAllText(Path.Combine(corrupt.FullName, "Crm.Modules.Corrupt.dll"), "MZ this is not an assembly");
        var missing = Directory.CreateDirectory(Path.Combine(_folder.FullName, "Crm.Modules.Missing"));
        File.WriteAllText(Path.Combine(missing.FullName, "readme.txt"), "The dll was never copied here.");
        var library = typeof(NuGet.Versioning.NuGetVersion).Assembly.Location;
        var notModule = Directory.CreateDirectory(Path.Combine(_folder.FullName, Path.GetFileNameWithoutExtension(library)));
        File.Copy(library, Path.Combine(notModule.FullName, Path.GetFileName(library)));
    }

    [Fact]
    public void Built_modules_load_and_broken_ones_are_refused_with_one_line_each()
    {
        AddBuiltModule("Crm.Modules.SelectionLists");
        AddBuiltModule("Crm.Modules.Contacts");
        AddBuiltModule("Crm.Modules.Companies");
        AddBrokenModules();
        var logger = new ListLogger();

        var catalog = ModuleLoader.Load(_folder.FullName, logger);

        Assert.Equal(["selection_lists", "companies", "contacts"], catalog.Loaded.Select(m => m.Manifest.Id));
        Assert.Equal(["Crm.Modules.Corrupt", "Crm.Modules.Missing", "NuGet.Versioning"], catalog.Refused.Order(StringComparer.Ordinal));
        Assert.Equal(3, logger.Errors.Count);
        foreach (var name in catalog.Refused)
        {
            Assert.Single(logger.Errors, e => e.Contains(name, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(logger.Errors, e => e.Contains("Crm.Modules.Contacts", StringComparison.Ordinal) || e.Contains("Crm.Modules.Companies", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_modules_folder_gives_no_modules_and_a_warning()
    {
        var logger = new ListLogger();
        var catalog = ModuleLoader.Load(Path.Combine(_folder.FullName, "nowhere"), logger);
        Assert.Empty(catalog.Loaded);
        Assert.Empty(catalog.Refused);
        Assert.Single(logger.Lines, l => l.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task The_host_starts_and_serves_with_the_modules_that_loaded()
    {
        AddBuiltModule("Crm.Modules.SelectionLists");
        AddBuiltModule("Crm.Modules.Contacts");
        AddBrokenModules();

        await using var host = await CrmHost.StartAsync(Engine.Sqlite, new Dictionary<string, string?> { ["Modules:Path"] = _folder.FullName });

        var modules = (await host.QueryAsync("{ modules { id } }")).ShouldSucceed();
        Assert.Equal(["selection_lists", "contacts"], modules.Data!["modules"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        var id = await host.CreateContactAsync(new { name = "Still served" });
        var read = (await host.QueryAsync("query($id: ID!) { contact(id: $id) { name } }", new { id })).ShouldSucceed();
        Assert.Equal("Still served", read.Data!["contact"]!["name"]!.GetValue<string>());
        // Without the Companies module there is no company type, and no link field to it.
        Assert.Equal(["VALIDATION"], (await host.QueryAsync("{ companies { nodes { id } } }")).ErrorCodes);
    }
}
