using System.Diagnostics;
using System.Text.Json.Nodes;
using Crm.Host.Data;
using Crm.Host.Marketplace;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Crm.Host.Tests.Quotes;

/// <summary>
/// The Quotes plugin's way through the marketplace, as a partner and an admin take it: the folder
/// <see cref="QuotesPluginBuild"/> publishes is packed, signed by a key made here and published to
/// a feed folder by <c>crm plugin keygen | pack | sign | publish</c>; a running host (without the
/// tests' sample plugin, whose type <c>quote</c> collides) installs it from the feed, restarts,
/// uses it, disables and enables it and uninstalls it with its data.
/// </summary>
public abstract class QuotesMarketplaceTests(Engine engine, ITestOutputHelper output) : IDisposable
{
    private const string PluginId = "acme_quotes";

    private readonly List<CrmHost> _hosts = [];
    private readonly List<string> _folders = [];

    public void Dispose()
    {
        // The first host owns the database (a SQLite file is deleted with it): it goes last.
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            host.Dispose();
        }

        foreach (var folder in _folders)
        {
            try
            {
                Directory.Delete(folder, recursive: true); // links are removed, not followed
            }
            catch (IOException)
            {
                // A loaded module's files may stay open; the temp folder is cleaned by the OS.
            }
        }
    }

    [Fact]
    public async Task Installed_from_a_signed_feed_it_is_used_at_once_with_no_restart_disabled_enabled_and_uninstalled_with_its_data()
    {
        var feed = await QuotesFeed.PublishedAsync();
        var modules = BuiltInModulesFolder();
        var host = await StartAsync(modules);
        await TrustAsync(host, feed);
        Assert.Equal(["Quote", "Invoice"], await TypesMissingAsync(host, "Quote", "Invoice"));

        // The install: fetched, verified, unpacked, loaded, migrated and in the schema when it answers.
        var watch = Stopwatch.StartNew();
        var installed = (await host.MutateAsync("installPlugin",
            "mutation($id: String!) { installPlugin(id: $id) { plugin { id version publisher state reason capabilities } errors { code message } } }", new { id = PluginId })).Ok()["plugin"]!;
        var installTime = watch.Elapsed;
        Assert.Equal((PluginId, "acme", "ENABLED"), (Str(installed["id"]), Str(installed["publisher"]), Str(installed["state"])));
        Assert.True(File.Exists(Path.Combine(modules, QuotesPluginBuild.AssemblyName, QuotesPluginBuild.AssemblyName + ".dll")));
        Assert.Empty(await TypesMissingAsync(host, "Quote", "Invoice"));

        var quote = (await host.MutateAsync("createQuote",
            "mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id number title } errors { code message } } }", new { input = new { title = "Through the marketplace" } })).Ok()["quote"]!;
        Assert.Matches(@"^Q-\d{4}-0001$", Str(quote["number"]));
        Assert.Equal(1, await QuoteCountAsync(host));

        // The restart: from a new host to its first answer (migrations, the plugin's included); it keeps the plugin and its data.
        watch.Restart();
        var restarted = await StartAsync(modules);
        (await restarted.QueryAsync("{ quotes { totalCount } }")).ShouldSucceed();
        var restartTime = watch.Elapsed;
        output.WriteLine($"{engine}: installPlugin (loaded, migrated, schema swapped) took {installTime.TotalMilliseconds:F0} ms; a restart to the first answer {restartTime.TotalMilliseconds:F0} ms");
        Assert.Equal("ENABLED", Str((await InstalledAsync(restarted))!["state"]));
        Assert.Equal(1, await QuoteCountAsync(restarted));

        // Disabled: its types leave the schema at once; enabled: back, with its data.
        await ModuleStateAsync(restarted, "disablePlugin", "DISABLED");
        Assert.Equal(["Quote", "Invoice"], await TypesMissingAsync(restarted, "Quote", "Invoice"));
        Assert.NotEmpty((await restarted.QueryAsync("{ quotes { totalCount } }")).Errors);
        await ModuleStateAsync(restarted, "enablePlugin", "LOADED");
        Assert.Empty(await TypesMissingAsync(restarted, "Quote", "Invoice"));
        Assert.Equal(1, await QuoteCountAsync(restarted));

        // Uninstalled with its data: at the next start its folder, types and tables are gone.
        var uninstalled = (await restarted.MutateAsync("uninstallPlugin",
            "mutation($id: String!) { uninstallPlugin(id: $id, purgeData: true) { plugin { state pendingAction purgeData } errors { code message } } }", new { id = PluginId })).Ok()["plugin"]!;
        Assert.Equal(("PENDING_RESTART", "UNINSTALL", true), (Str(uninstalled["state"]), Str(uninstalled["pendingAction"]), uninstalled["purgeData"]!.GetValue<bool>()));
        // Out of service at once (nothing is written that the next start drops), and not to be enabled until then.
        Assert.Equal(["Quote", "Invoice"], await TypesMissingAsync(restarted, "Quote", "Invoice"));
        var enable = (await restarted.MutateAsync("enablePlugin", "mutation($id: String!) { enablePlugin(id: $id) { module { id } errors { code message } } }", new { id = PluginId }))["errors"]!.AsArray();
        Assert.Equal("CONFLICT", Str(Assert.Single(enable)!["code"]));
        Assert.Contains("uninstalled at the next start", Str(enable[0]!["message"]), StringComparison.Ordinal);
        var purged = await StartAsync(modules);
        Assert.Null(await InstalledAsync(purged));
        Assert.Equal(["Quote", "Invoice"], await TypesMissingAsync(purged, "Quote", "Invoice"));
        Assert.Equal(0, await PluginTablesAsync(purged));
        Assert.False(Directory.Exists(Path.Combine(modules, QuotesPluginBuild.AssemblyName)));
    }

    [Fact]
    public async Task In_a_host_whose_sample_plugin_holds_the_type_quote_the_install_is_refused_naming_it_and_undone()
    {
        var feed = await QuotesFeed.PublishedAsync();
        using var sample = new SamplePluginFolder(faults: null);
        var host = await StartAsync(sample.FullName);
        await TrustAsync(host, feed);

        var refused = await host.MutateAsync("installPlugin",
            "mutation($id: String!) { installPlugin(id: $id) { plugin { id } errors { code message } } }", new { id = PluginId });

        var error = Assert.Single(refused["errors"]!.AsArray())!;
        Assert.Equal(MarketplaceErrors.LoadRefused, Str(error["code"]));
        Assert.Contains("'quote'", Str(error["message"]), StringComparison.Ordinal);
        Assert.Contains("'sample_plugin'", Str(error["message"]), StringComparison.Ordinal);
        Assert.Null(await InstalledAsync(host));
        Assert.False(Directory.Exists(Path.Combine(sample.FullName, QuotesPluginBuild.AssemblyName)));
        using var scope = host.Services.CreateScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().PluginInstalls.AnyAsync(i => i.ModuleId == PluginId));
    }

    /// <summary>A modules folder of the built-in modules (linked), without the sample plugin.</summary>
    private string BuiltInModulesFolder()
    {
        var folder = Directory.CreateTempSubdirectory("crm-quotes-marketplace-").FullName;
        _folders.Add(folder);
        foreach (var module in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "modules")))
        {
            Directory.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(module)), module);
        }

        return folder;
    }

    /// <summary>The first host makes the database; later ones (restarts) start on it.</summary>
    private async Task<CrmHost> StartAsync(string modules)
    {
        var settings = new Dictionary<string, string?> { ["Modules:Path"] = modules };
        CrmHost host;
        if (_hosts.Count == 0)
        {
            host = await CrmHost.StartAsync(engine, settings);
        }
        else
        {
            host = new CrmHost(engine, _hosts[0].ConnectionString, settings);
            _ = host.Server;
        }

        _hosts.Add(host);
        return host;
    }

    private static async Task TrustAsync(CrmHost host, QuotesFeed feed)
    {
        (await host.MutateAsync("addPluginFeed", "mutation($url: String!) { addPluginFeed(url: $url) { feed { id } errors { code message } } }", new { url = feed.Folder })).Ok();
        (await host.MutateAsync("trustPublisher", "mutation($publisher: String!, $key: String!) { trustPublisher(publisher: $publisher, publicKey: $key) { trustedPublisher { publisher } errors { code message } } }",
            new { publisher = "acme", key = feed.PublicKey })).Ok();
    }

    private static async Task ModuleStateAsync(CrmHost host, string mutation, string state)
    {
        var module = (await host.MutateAsync(mutation, $"mutation($id: String!) {{ {mutation}(id: $id) {{ module {{ id state }} errors {{ code message }} }} }}", new { id = PluginId })).Ok()["module"]!;
        Assert.Equal(state, Str(module["state"]));
    }

    private static async Task<JsonNode?> InstalledAsync(CrmHost host)
    {
        var installed = (await host.QueryAsync("{ marketplace { installed { id state } } }")).ShouldSucceed().Data!["marketplace"]!["installed"]!.AsArray();
        return installed.FirstOrDefault(p => Str(p!["id"]) == PluginId);
    }

    private static async Task<List<string>> TypesMissingAsync(CrmHost host, params string[] names)
    {
        var types = (await host.QueryAsync("{ __schema { types { name } } }")).ShouldSucceed().Data!["__schema"]!["types"]!.AsArray().Select(t => Str(t!["name"])).ToHashSet();
        return [.. names.Where(n => !types.Contains(n))];
    }

    private static async Task<int> QuoteCountAsync(CrmHost host) =>
        (await host.QueryAsync("{ quotes { totalCount } }")).ShouldSucceed().Data!["quotes"]!["totalCount"]!.GetValue<int>();

    private static async Task<int> PluginTablesAsync(CrmHost host)
    {
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        return host.Engine == Engine.Postgres
            ? await db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM information_schema.tables WHERE table_schema = {PluginId}").SingleAsync()
            : await db.Database.SqlQuery<int>($"SELECT count(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name LIKE 'acme\\_quotes\\_%' ESCAPE '\\'").SingleAsync();
    }

    private static string Str(JsonNode? node) => node!.GetValue<string>();
}

/// <summary>
/// The feed folder the Quotes plugin is published to once for the test run, by the CLI's own
/// commands as a partner runs them, and the public key an admin trusts.
/// </summary>
public sealed record QuotesFeed(string Folder, string PublicKey)
{
    private static readonly Lazy<Task<QuotesFeed>> Published = new(() => Task.Run(PublishAsync));

    public static Task<QuotesFeed> PublishedAsync() => Published.Value;

    private static async Task<QuotesFeed> PublishAsync()
    {
        var plugin = await QuotesPluginBuild.FolderAsync();
        // Left for the OS to clean: the test run's hosts may read the feed until they stop.
        var root = Directory.CreateTempSubdirectory("crm-quotes-feed-").FullName;
        var key = Path.Combine(root, "acme");
        var package = Path.Combine(root, "acme_quotes.crmplugin");
        var feed = Path.Combine(root, "feed");
        string[][] commands =
        [
            ["plugin", "keygen", "--out", key],
            ["plugin", "pack", plugin, "--output", package],
            ["plugin", "sign", package, "--key", key + ".key.pem"],
            ["plugin", "publish", package, "--feed", feed, "--public-key", key + ".pub"],
        ];
        foreach (var command in commands)
        {
            var result = await CrmProcess.RunAsync(CrmProcess.CliAssembly, command);
            Assert.True(result.ExitCode == 0, $"crm {string.Join(' ', command)}: {result}");
        }

        return new QuotesFeed(feed, (await File.ReadAllTextAsync(key + ".pub")).Trim());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class QuotesMarketplaceOnSqlite(ITestOutputHelper output) : QuotesMarketplaceTests(Engine.Sqlite, output);

[Trait("Engine", "Postgres")]
public sealed class QuotesMarketplaceOnPostgres(ITestOutputHelper output) : QuotesMarketplaceTests(Engine.Postgres, output);
