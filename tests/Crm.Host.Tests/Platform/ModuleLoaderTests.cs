using Crm.Host.Modules;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
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

    private static ModuleEntry Module(string id, params string[] dependsOn)
    {
        var manifest = Manifest(id, dependsOn: dependsOn);
        return new ModuleEntry(Path.Combine("modules", "Crm.Modules." + id), manifest, new FakeModule(manifest), typeof(ModuleManifestTests).Assembly);
    }

    private static List<string> Refused(List<ModuleEntry> candidates) =>
        candidates.Where(c => c.State != ModuleState.Loaded).Select(c => c.Folder).Order(StringComparer.Ordinal).ToList();

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

    [Fact]
    public void An_id_of_the_longest_length_is_accepted_and_ten_times_it_refused()
    {
        ModuleLoader.CheckManifest(Manifest(id: new string('a', ModuleLoader.MaxIdLength)));
        var error = Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest(id: new string('a', 10 * ModuleLoader.MaxIdLength))));
        Assert.Contains($"1 to {ModuleLoader.MaxIdLength}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("acme", "acme_quotes")]
    [InlineData("a1", "a1_x")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123", "abcdefghijklmnopqrstuvwxyz0123_q")]
    public void A_publisher_that_prefixes_the_id_is_accepted(string publisher, string id) =>
        ModuleLoader.CheckManifest(Manifest(id: id) with { Publisher = publisher, Name = "Quotes", Capabilities = [PluginCapability.OutboundHttp, PluginCapability.SendMail], Icon = "icon.png" });

    [Theory]
    [InlineData("", "x_quotes", "publisher")]
    [InlineData("Acme", "acme_quotes", "publisher")]
    [InlineData("ac_me", "ac_me_quotes", "publisher")]
    [InlineData("acme", "quotes", "must start with")]
    [InlineData("acme", "acmequotes", "must start with")]
    [InlineData("acme", "other_quotes", "must start with")]
    [InlineData("abcdefghijklmnopqrstuvwxyz01234", "abcdefghijklmnopqrstuvwxyz01234_q", "publisher")]
    public void A_bad_publisher_or_an_id_it_does_not_prefix_is_refused(string publisher, string id, string expected)
    {
        var error = Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest(id: id) with { Publisher = publisher }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_publisher_ten_times_the_limit_is_refused()
    {
        var publisher = new string('a', 10 * ModuleLoader.MaxPublisherLength);
        var error = Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest(id: "a_b") with { Publisher = publisher }));
        Assert.Contains($"1 to {ModuleLoader.MaxPublisherLength}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("two\nlines")]
    public void A_bad_display_name_is_refused(string name)
    {
        var error = Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest() with { Name = name }));
        Assert.Contains("name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_and_a_description_ten_times_their_limits_are_refused()
    {
        ModuleLoader.CheckManifest(Manifest() with { Name = new string('n', ModuleLoader.MaxNameLength), Description = new string('d', ModuleLoader.MaxDescriptionLength) });
        Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest() with { Name = new string('n', 10 * ModuleLoader.MaxNameLength) }));
        Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest() with { Description = new string('d', 10 * ModuleLoader.MaxDescriptionLength) }));
    }

    [Fact]
    public void An_unknown_capability_or_ten_times_the_limit_is_refused()
    {
        var unknown = Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest() with { Capabilities = [(PluginCapability)42] }));
        Assert.Contains(nameof(PluginCapability.OutboundHttp), unknown.Message, StringComparison.Ordinal);
        var many = Enumerable.Repeat(PluginCapability.SendMail, 10 * ModuleLoader.MaxCapabilities).ToList();
        Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest() with { Capabilities = many }));
    }

    [Theory]
    [InlineData("../icon.png")]
    [InlineData("img/icon.png")]
    [InlineData("img\\icon.png")]
    [InlineData("icon.exe")]
    [InlineData(".png")]
    [InlineData("")]
    public void An_icon_that_is_not_a_plain_image_name_is_refused(string icon)
    {
        var error = Assert.Throws<ModuleLoader.ModuleRefusedException>(() => ModuleLoader.CheckManifest(Manifest() with { Icon = icon }));
        Assert.Contains("icon", error.Message, StringComparison.Ordinal);
        Assert.False(ModuleLoader.IsIconName(new string('a', 10 * ModuleLoader.MaxIconNameLength) + ".png"));
    }

    [Fact]
    public void A_reason_is_one_line_cut_at_its_limit()
    {
        var reason = ModuleCatalog.OneLine("first line\r\n  second " + new string('x', 10 * ModuleCatalog.MaxReasonLength));
        Assert.Equal(ModuleCatalog.MaxReasonLength, reason.Length);
        Assert.StartsWith("first line second xxx", reason, StringComparison.Ordinal);
        Assert.EndsWith("…", reason, StringComparison.Ordinal);
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
        List<ModuleEntry> candidates =
        [
            Module("tasks", "deals"),
            Module("deals", "contacts", "companies"),
            Module("notes"),
            Module("contacts", "companies"),
            Module("companies"),
        ];

        var ordered = ModuleLoader.OrderByDependencies(candidates, logger);
        var refused = Refused(candidates);

        Assert.Empty(refused);
        Assert.Empty(logger.Errors);
        Assert.Equal(candidates.Select(c => c.Id).Order(), ordered.Select(m => m.Id).Order());
        var position = ordered.Select((m, i) => (m.Id, i)).ToDictionary(x => x.Id, x => x.i);
        foreach (var module in ordered)
        {
            Assert.All(module.Manifest!.DependsOn, dependency => Assert.True(position[dependency] < position[module.Id], $"{dependency} must come before {module.Id}"));
        }
    }

    [Fact]
    public void A_module_whose_dependency_is_missing_is_refused_and_so_are_its_dependents()
    {
        var logger = new ListLogger();
        List<ModuleEntry> candidates =
        [
            Module("reports", "deals"),
            Module("deals", "invoices"),
            Module("contacts"),
        ];

        var ordered = ModuleLoader.OrderByDependencies(candidates, logger);
        var refused = Refused(candidates);

        Assert.Equal(["contacts"], ordered.Select(m => m.Id));
        Assert.Equal(["Crm.Modules.deals", "Crm.Modules.reports"], refused);
        Assert.Equal(2, logger.Errors.Count);
        Assert.Single(logger.Errors, e => e.Contains("deals", StringComparison.Ordinal) && e.Contains("invoices", StringComparison.Ordinal));
        Assert.Single(logger.Errors, e => e.Contains("reports", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_module_of_a_dependency_cycle_is_refused()
    {
        var logger = new ListLogger();
        List<ModuleEntry> candidates =
        [
            Module("a", "b"),
            Module("b", "c"),
            Module("c", "a"),
            Module("d", "a"),
            Module("e"),
            Module("self", "self"),
        ];

        var ordered = ModuleLoader.OrderByDependencies(candidates, logger);
        var refused = Refused(candidates);

        Assert.Equal(["e"], ordered.Select(m => m.Id));
        Assert.Equal(["Crm.Modules.a", "Crm.Modules.b", "Crm.Modules.c", "Crm.Modules.d", "Crm.Modules.self"], refused);
        // One line per refused module.
        Assert.Equal(5, logger.Errors.Count);
        Assert.Contains(logger.Errors, e => e.Contains("cycle", StringComparison.Ordinal));
    }

    [Fact]
    public void A_cycle_found_from_a_dependent_still_refuses_each_module_once()
    {
        var logger = new ListLogger();
        List<ModuleEntry> candidates =
        [
            Module("app", "x"),
            Module("x", "y"),
            Module("y", "x"),
        ];

        var ordered = ModuleLoader.OrderByDependencies(candidates, logger);
        var refused = Refused(candidates);

        Assert.Empty(ordered);
        Assert.Equal(["Crm.Modules.app", "Crm.Modules.x", "Crm.Modules.y"], refused);
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

        Assert.Equal(["selection_lists", "companies", "contacts"], catalog.Loaded.Select(m => m.Id));
        var refused = catalog.All.Where(m => m.State == ModuleState.Refused).Select(m => m.Folder).ToList();
        Assert.Equal(["Crm.Modules.Corrupt", "Crm.Modules.Missing", "NuGet.Versioning"], refused);
        Assert.Equal(3, logger.Errors.Count);
        foreach (var name in refused)
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
        Assert.Empty(catalog.All);
        Assert.Single(logger.Lines, l => l.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task The_host_starts_and_serves_with_the_modules_that_loaded()
    {
        AddBuiltModule("Crm.Modules.SelectionLists");
        AddBuiltModule("Crm.Modules.Contacts");
        AddBrokenModules();

        await using var host = await CrmHost.StartAsync(Engine.Sqlite, new Dictionary<string, string?> { ["Modules:Path"] = _folder.FullName });

        var modules = (await host.QueryAsync("{ modules { id state reason } }")).ShouldSucceed().Data!["modules"]!.AsArray();
        Assert.Equal(["selection_lists LOADED", "contacts LOADED", "Crm.Modules.Corrupt REFUSED", "Crm.Modules.Missing REFUSED", "NuGet.Versioning REFUSED"],
            modules.Select(m => $"{m!["id"]} {m["state"]}"));
        Assert.All(modules.Take(2), m => Assert.Null(m!["reason"]));
        Assert.Equal("Crm.Modules.Missing.dll is missing from its folder", modules[3]!["reason"]!.GetValue<string>());
        Assert.Equal("it must have exactly one ICrmModule implementation, found 0", modules[4]!["reason"]!.GetValue<string>());
        var id = await host.CreateContactAsync(new { name = "Still served" });
        var read = (await host.QueryAsync("query($id: ID!) { contact(id: $id) { name } }", new { id })).ShouldSucceed();
        Assert.Equal("Still served", read.Data!["contact"]!["name"]!.GetValue<string>());
        // Without the Companies module there is no company type, and no link field to it.
        Assert.Equal(["VALIDATION"], (await host.QueryAsync("{ companies { nodes { id } } }")).ErrorCodes);
    }
}

/// <summary>Captures the host's log (the lines of faults found while it runs).</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    public ListLogger Logger { get; } = new();

    public ILogger CreateLogger(string categoryName) => Logger;

    public void Dispose()
    {
    }
}

/// <summary>
/// Loading and registering the sample plugin told to throw at an entry point, without a host:
/// what is left of it in the service collection, and how many lines say so.
/// </summary>
public sealed class PluginRegistrationTests
{
    private static (ModuleCatalog Catalog, ServiceCollection Services, ListLogger Logger, int BuiltIn) Register(object? faults)
    {
        using var folder = new SamplePluginFolder(faults);
        var logger = new ListLogger();
        var catalog = ModuleLoader.Load(folder.FullName, logger);
        var services = new ServiceCollection();
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
        ModuleRegistrar.Register(services, catalog, new ModuleContext(configuration), logger);
        return (catalog, services, logger, catalog.All.Count(m => m.Folder != SamplePluginFolder.PluginFolderName));
    }

    private static ModuleEntry Plugin(ModuleCatalog catalog) => Assert.Single(catalog.All, m => m.Folder == SamplePluginFolder.PluginFolderName);

    /// <summary>Descriptors of the sample plugin's own types.</summary>
    private static List<ServiceDescriptor> PluginServices(ModuleEntry plugin, ServiceCollection services) =>
        services.Where(d => (d.IsKeyedService
                ? new[] { d.ServiceType, d.KeyedImplementationType, d.KeyedImplementationInstance?.GetType() }
                : [d.ServiceType, d.ImplementationType, d.ImplementationInstance?.GetType()])
            .Any(t => t?.Assembly == plugin.Assembly || (t?.IsGenericType == true && t.GenericTypeArguments.Any(a => a.Assembly == plugin.Assembly)))).ToList();

    [Fact]
    public void A_healthy_plugin_registers_its_services()
    {
        var (catalog, services, logger, _) = Register(null);
        var plugin = Plugin(catalog);
        Assert.Equal(ModuleState.Loaded, plugin.State);
        Assert.Empty(logger.Errors);
        Assert.Contains(PluginServices(plugin, services), d => d.ServiceType == typeof(Crm.PluginSdk.Entities.ICrmEntityType));
        Assert.Contains(PluginServices(plugin, services), d => d.ServiceType.Name == "SamplePluginDbContext");
    }

    [Theory]
    [InlineData("Constructor", ModuleState.Failed, "its constructor threw InvalidOperationException: The sample plugin was told to throw in Constructor.")]
    [InlineData("Manifest", ModuleState.Failed, "its manifest threw InvalidOperationException: The sample plugin was told to throw in Manifest.")]
    [InlineData("ConfigureServices", ModuleState.Failed, "ConfigureServices threw InvalidOperationException: The sample plugin was told to throw in ConfigureServices.")]
    [InlineData("RecordType", ModuleState.Failed, "its record type FaultProbeEntity threw InvalidOperationException: The sample plugin was told to throw in RecordType.")]
    public void A_plugin_that_throws_while_it_is_registered_leaves_nothing_registered_and_one_line(string throwIn, ModuleState state, string reason)
    {
        var (catalog, services, logger, builtIn) = Register(new { throwIn });
        var plugin = Plugin(catalog);
        Assert.Equal(state, plugin.State);
        Assert.Equal(reason, plugin.Reason);
        Assert.Empty(PluginServices(plugin, services));
        Assert.Single(logger.Errors);
        Assert.Contains(reason, logger.Errors[0], StringComparison.Ordinal);
        Assert.Equal(builtIn, catalog.Loaded.Count);
    }

    [Theory]
    [InlineData("deal", "its record type 'deal' claims the record type name 'deal', which module 'deals' holds (record type 'deal')")]
    [InlineData("contact", "its record type 'contact' claims the record type name 'contact', which module 'contacts' holds (record type 'contact')")]
    public void A_plugin_that_claims_a_record_type_another_module_holds_is_refused(string recordTypeName, string reason)
    {
        var (catalog, services, logger, builtIn) = Register(new { recordTypeName });
        var plugin = Plugin(catalog);
        Assert.Equal(ModuleState.Refused, plugin.State);
        Assert.Equal(reason, plugin.Reason);
        Assert.Empty(PluginServices(plugin, services));
        Assert.Single(logger.Errors);
        Assert.Equal(builtIn, catalog.Loaded.Count);
    }

    [Fact]
    public void A_plugin_that_claims_a_module_id_another_module_holds_is_refused()
    {
        var (catalog, services, logger, builtIn) = Register(new { id = "deals" });
        var plugin = Plugin(catalog);
        Assert.Equal(ModuleState.Refused, plugin.State);
        Assert.Equal("another module already has the id 'deals'", plugin.Reason);
        Assert.Empty(PluginServices(plugin, services));
        Assert.Single(logger.Errors);
        Assert.Equal(builtIn, catalog.Loaded.Count);
    }
}

/// <summary>
/// The host with the sample plugin told to throw at each entry point: the plugin is refused or
/// failed, says why in <c>modules</c> and in one log line, and the host and every other module
/// keep working.
/// </summary>
public abstract class PluginFaultTests(Engine engine)
{
    private const string ModulesQuery = "{ modules { id name version state reason } }";

    /// <summary>The platform's own modules, as the build placed them beside the tests.</summary>
    private static readonly int BuiltInModules = Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "modules"), "Crm.Modules.*").Length;

    private sealed record Started(CrmHost Host, SamplePluginFolder Folder, CapturedLog Log) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            Folder.Dispose();
        }
    }

    private async Task<Started> StartAsync(object? faults)
    {
        var folder = new SamplePluginFolder(faults);
        var log = new CapturedLog();
        var host = await CrmHost.StartAsync(engine, folder.Settings, services => services.AddSingleton<ILoggerProvider>(log));
        return new Started(host, folder, log);
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> PluginAsync(CrmHost host)
    {
        var modules = (await host.QueryAsync(ModulesQuery)).ShouldSucceed().Data!["modules"]!.AsArray();
        Assert.All(modules.Where(m => m!["name"]!.GetValue<string>() != SamplePluginFolder.PluginFolderName),
            m => Assert.Equal("LOADED", m!["state"]!.GetValue<string>()));
        Assert.Equal(BuiltInModules + 1, modules.Count); // every built-in module and the plugin
        return modules.Single(m => m!["name"]!.GetValue<string>() == SamplePluginFolder.PluginFolderName)!;
    }

    /// <summary>The other modules answer: a contact is written and read, and its event delivered.</summary>
    private static async Task OthersWorkAsync(CrmHost host)
    {
        var id = await host.CreateContactAsync(new { name = "Still served" });
        var read = (await host.QueryAsync("query($id: ID!) { contact(id: $id) { name } deals(first: 1) { totalCount } }", new { id })).ShouldSucceed();
        Assert.Equal("Still served", read.Data!["contact"]!["name"]!.GetValue<string>());
        // The dispatcher's own poll may have delivered it already: after a round of ours, nothing waits.
        await host.Services.GetRequiredService<Crm.Host.Events.OutboxDispatcher>().DispatchPendingAsync(CancellationToken.None);
        var waiting = await host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {host.Table("contacts", "outbox")} WHERE processed_at IS NULL");
        Assert.Equal(0L, Convert.ToInt64(waiting[0]["n"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_healthy_plugin_is_loaded_and_works_beside_the_others()
    {
        await using var started = await StartAsync(null);
        var plugin = await PluginAsync(started.Host);
        Assert.Equal("sample_plugin LOADED 0.1.0", $"{plugin["id"]} {plugin["state"]} {plugin["version"]}");
        Assert.Null(plugin["reason"]);
        await OthersWorkAsync(started.Host);
        // The plugin's handler got the contact's event; its part of the schema answers.
        var seen = (await started.Host.QueryAsync("{ sampleContactEventsSeen }")).ShouldSucceed();
        Assert.Equal(1, seen.Data!["sampleContactEventsSeen"]!.GetValue<int>());
        Assert.Equal(0, (await started.Host.QueryAsync("{ fault_probes { totalCount } }")).ShouldSucceed().Data!["fault_probes"]!["totalCount"]!.GetValue<int>());
        Assert.Empty(started.Log.Logger.Errors);
    }

    [Theory]
    [InlineData("Constructor", "Crm.Tests.SamplePlugin FAILED", "its constructor threw InvalidOperationException: The sample plugin was told to throw in Constructor.")]
    [InlineData("Manifest", "Crm.Tests.SamplePlugin FAILED", "its manifest threw InvalidOperationException: The sample plugin was told to throw in Manifest.")]
    [InlineData("ConfigureServices", "sample_plugin FAILED", "ConfigureServices threw InvalidOperationException: The sample plugin was told to throw in ConfigureServices.")]
    [InlineData("RecordType", "sample_plugin FAILED", "its record type FaultProbeEntity threw InvalidOperationException: The sample plugin was told to throw in RecordType.")]
    [InlineData("SchemaContributorConstructor", "sample_plugin FAILED", "its schema contributor FaultProbeSchema could not be made: InvalidOperationException: The sample plugin was told to throw in SchemaContributorConstructor.")]
    [InlineData("SchemaContribution", "sample_plugin FAILED", "its part of the GraphQL schema failed: FaultProbeSchema: The sample plugin was told to throw in SchemaContribution.")]
    [InlineData("SchemaNameClash", "sample_plugin FAILED", "its part of the GraphQL schema failed: ")]
    [InlineData("EventHandlerConstructor", "sample_plugin FAILED", "its event handler ContactEventsHandler could not be made: InvalidOperationException: The sample plugin was told to throw in EventHandlerConstructor.")]
    [InlineData("BackgroundServiceStart", "sample_plugin FAILED", "its background service FaultProbeBackgroundService threw InvalidOperationException: The sample plugin was told to throw in BackgroundServiceStart. while starting")]
    [InlineData("DataMigration", "sample_plugin FAILED", "a data migration of it failed: InvalidOperationException: The sample plugin was told to throw in DataMigration.")]
    [InlineData("StartupTask", "sample_plugin FAILED", "a start-up task of it failed: InvalidOperationException: The sample plugin was told to throw in StartupTask.")]
    [InlineData("EndpointMapping", "sample_plugin FAILED", "its endpoint contributor QuotePingEndpoint threw InvalidOperationException: The sample plugin was told to throw in EndpointMapping.")]
    public async Task A_plugin_that_throws_at_an_entry_point_fails_alone(string throwIn, string state, string reason)
    {
        await using var started = await StartAsync(new { throwIn });
        var plugin = await PluginAsync(started.Host);
        Assert.Equal(state, $"{plugin["id"]} {plugin["state"]}");
        Assert.StartsWith(reason, plugin["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        await AloneAsync(started);
    }

    [Fact]
    public async Task A_plugin_whose_background_service_throws_while_running_fails_alone()
    {
        await using var started = await StartAsync(new { throwIn = "BackgroundServiceRun" });
        var guarded = Assert.Single(started.Host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<GuardedHostedService>(),
            s => s.Module.Folder == SamplePluginFolder.PluginFolderName && s.Name == "FaultProbeBackgroundService");
        await guarded.Running;
        var plugin = await PluginAsync(started.Host);
        Assert.Equal("sample_plugin FAILED", $"{plugin["id"]} {plugin["state"]}");
        Assert.Equal("its background service FaultProbeBackgroundService threw InvalidOperationException: The sample plugin was told to throw in BackgroundServiceRun. while running", plugin["reason"]!.GetValue<string>());
        await AloneAsync(started);
    }

    [Theory]
    [InlineData("deal", "its record type 'deal' claims the record type name 'deal', which module 'deals' holds (record type 'deal')")]
    [InlineData("contact", "its record type 'contact' claims the record type name 'contact', which module 'contacts' holds (record type 'contact')")]
    public async Task A_plugin_that_claims_a_record_type_name_another_module_holds_is_refused(string recordTypeName, string reason)
    {
        await using var started = await StartAsync(new { recordTypeName });
        var plugin = await PluginAsync(started.Host);
        Assert.Equal("sample_plugin REFUSED", $"{plugin["id"]} {plugin["state"]}");
        Assert.Equal(reason, plugin["reason"]!.GetValue<string>());
        await AloneAsync(started);
    }

    [Theory]
    [InlineData("created", "its timeline kind 'created' is one of the platform's own kinds")]
    [InlineData("activityCreated", "its timeline kind 'activityCreated' is declared by module 'activities' already")]
    [InlineData("Quote-Accepted", "its timeline kind 'Quote-Accepted' is not a camelCase name of 1 to 64 letters and digits")]
    public async Task A_plugin_whose_timeline_kind_breaks_a_rule_or_takes_another_modules_is_refused(string timelineKind, string reason)
    {
        await using var started = await StartAsync(new { timelineKind });
        var plugin = await PluginAsync(started.Host);
        Assert.Equal("sample_plugin REFUSED", $"{plugin["id"]} {plugin["state"]}");
        Assert.Equal(reason, plugin["reason"]!.GetValue<string>());
        await AloneAsync(started);
    }

    [Fact]
    public async Task A_timeline_projection_that_throws_loses_its_entries_not_the_platforms_history()
    {
        await using var started = await StartAsync(new { throwIn = "TimelineProjection" });
        var id = await started.Host.CreateContactAsync(new { name = "Still written" });
        await Crm.Host.Tests.Timeline.TimelineSteps.DeliverAsync(started.Host);
        var entries = Crm.Host.Tests.Timeline.TimelineSteps.Nodes(await Crm.Host.Tests.Timeline.TimelineSteps.TimelineAsync(started.Host, "CONTACT", id));
        Assert.Equal(["created"], entries.Select(e => e["kind"]!.GetValue<string>()));
        Assert.Equal("sample_plugin LOADED", $"{(await PluginAsync(started.Host))["id"]} {(await PluginAsync(started.Host))["state"]}");
        Assert.Contains(started.Log.Logger.Errors, e => e.Contains("QuoteTimeline threw", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Planned_items_that_throw_lose_the_plugins_items_not_the_feed()
    {
        await using var started = await StartAsync(new { throwIn = "PlannedItems" });
        var deal = await started.Host.CreateDealAsync(new { title = "Planned anyway" });
        (await started.Host.MutateAsync("createActivity", "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { code message } } }",
            new { input = new { typeId = "CALL", subject = "Still planned", bindings = new[] { new { entityType = "DEAL", id = deal } } } })).Ok();
        var feed = (await started.Host.QueryAsync("{ feed(first: 1, planned: 5) { planned { title } } }")).ShouldSucceed();
        Assert.Equal(["Still planned"], feed.Data!["feed"]!["planned"]!.AsArray().Select(i => i!["title"]!.GetValue<string>()));
        Assert.Contains(started.Log.Logger.Errors, e => e.Contains("QuotePlannedItems", StringComparison.Ordinal));
    }

    /// <summary>
    /// Nothing of the plugin is served, its handler gets nothing, and everything else works. (What a
    /// fault while the host is built leaves registered: nothing, see <see cref="PluginRegistrationTests"/>.)
    /// </summary>
    private static async Task AloneAsync(Started started)
    {
        Assert.Equal(["VALIDATION"], (await started.Host.QueryAsync("{ sampleContactEventsSeen }")).ErrorCodes);
        Assert.Equal(["VALIDATION"], (await started.Host.QueryAsync("{ fault_probes { totalCount } }")).ErrorCodes);
        await OthersWorkAsync(started.Host);
        // A fault found while the host runs is logged there, once; one found while it was built, by the loader (see PluginRegistrationTests).
        Assert.True(started.Log.Logger.Errors.Count(e => e.Contains("sample_plugin", StringComparison.Ordinal)) <= 1, string.Join("\n", started.Log.Logger.Errors));
    }

    [Fact]
    public async Task A_data_migration_that_throws_leaves_nothing_of_itself_behind()
    {
        await using var started = await StartAsync(new { throwIn = "DataMigration" });
        var host = started.Host;
        Assert.Empty(await host.QueryRowsAsync($"SELECT 1 FROM {host.Table("sample_plugin", "fault_probes")} WHERE title = 'written by a data migration'"));
        Assert.Empty(await host.QueryRowsAsync($"SELECT 1 FROM {host.Table("platform", "data_migrations")} WHERE module_id = 'sample_plugin' AND migration_id = '0002-fault-probe'"));
        // The plugin's steps before it are kept: each step is a transaction of its own.
        Assert.Single(await host.QueryRowsAsync($"SELECT 1 FROM {host.Table("platform", "data_migrations")} WHERE module_id = 'sample_plugin' AND migration_id = '0001-seed-quote-terms'"));
    }

    [Fact]
    public async Task Why_a_module_is_out_of_service_needs_the_settings_right()
    {
        await using var started = await StartAsync(new { throwIn = "ConfigureServices" });
        var key = await UserKeyAsync(started.Host);
        var answer = await started.Host.QueryAsync("{ modules { id state reason } }", apiKey: key);
        Assert.Equal(BuiltInModules + 1, answer.ErrorCodes.Count); // one per module: every built-in one and the plugin
        Assert.All(answer.ErrorCodes, code => Assert.Equal("FORBIDDEN", code));
        var states = (await started.Host.QueryAsync("{ modules { id state } }", apiKey: key)).ShouldSucceed();
        Assert.Contains(states.Data!["modules"]!.AsArray(), m => m!["state"]!.GetValue<string>() == "FAILED");
    }

    /// <summary>An API key of a new user without any role.</summary>
    private static async Task<string> UserKeyAsync(CrmHost host)
    {
        var userId = await host.CreateUserAsync(new { email = Crm.Host.Tests.Permissions.PermissionHelpers.NewEmail("plain"), password = Crm.Host.Tests.Permissions.PermissionHelpers.Password, name = "Plain" });
        var key = (await host.QueryAsync("mutation($id: ID!) { createApiKey(input: { userId: $id, name: \"plain\" }) { key errors { code message } } }", new { id = userId })).ShouldSucceed();
        return key.Data!["createApiKey"]!["key"]!.GetValue<string>();
    }
}

[Trait("Engine", "Sqlite")]
public sealed class SqlitePluginFaultTests() : PluginFaultTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class PostgresPluginFaultTests() : PluginFaultTests(Engine.Postgres);
