using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Events;
using Crm.Host.Jobs;
using Crm.Host.GraphQL;
using Crm.Host.Modules;
using Crm.Host.Modules.Runtime;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Subscriptions;
using Crm.Host.Tests.Timeline;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crm.Host.Tests.Platform;

/// <summary>
/// Modules disabled and enabled at run time (the tests' sample plugin, which has a record type, a
/// handler of contact events, an automation action and a background service): out of every part of
/// the platform and back, refused while a dependency says no, kept in the database across starts,
/// seen by a second host on the same database, and consistent after twenty parallel calls.
/// </summary>
public abstract class ModuleRuntimeTests(Engine engine, Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Plugin = "sample_plugin";
    private const string ContactHandler = "sample_plugin/contact-events";

    private static readonly Dictionary<string, string?> FastPolling = new() { ["Modules:StatePollInterval"] = "00:00:00.100" };

    private async Task<(CrmHost Host, SamplePluginFolder Folder)> StartAsync()
    {
        var folder = new SamplePluginFolder(faults: null);
        var settings = new Dictionary<string, string?>(FastPolling);
        foreach (var (key, value) in folder.Settings)
        {
            settings[key] = value;
        }

        return (await CrmHost.StartAsync(engine, settings), folder);
    }

    private static string ChangeMutation(string mutation) =>
        $"mutation($id: String!) {{ {mutation}(id: $id) {{ module {{ id state builtIn }} errors {{ code message path }} }} }}";

    private static Task<JsonNode> ChangeAsync(CrmHost host, string mutation, string id) => host.MutateAsync(mutation, ChangeMutation(mutation), new { id });

    private static bool HasType(IServiceProvider services, string name) => services.GetRequiredService<SchemaProvider>().Current.AllTypes[name] is not null;

    private static int ContactEventsSeen(IServiceProvider services)
    {
        var assembly = services.GetRequiredService<ModuleCatalog>().Find(Plugin)!.Assembly!;
        var seen = services.GetRequiredService(assembly.GetType("Crm.Tests.SamplePlugin.Faults.ContactEventsSeen", throwOnError: true)!);
        return (int)seen.GetType().GetProperty("Count")!.GetValue(seen)!;
    }

    private static GuardedHostedService BackgroundService(IServiceProvider services) =>
        services.GetServices<IHostedService>().OfType<GuardedHostedService>().Single(s => s.Module.Id == Plugin && s.Name == "FaultProbeBackgroundService");

    private static async Task<List<string>> ActionKindsAsync(CrmHost host) =>
        (await host.QueryAsync("{ automationCatalog { actions { name } } }")).ShouldSucceed()
            .Data!["automationCatalog"]!["actions"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()).ToList();

    private static async Task<Dictionary<string, object?>?> StoredStateAsync(CrmHost host, string id) =>
        (await host.QueryRowsAsync($"SELECT enabled, updated_by FROM {host.Table("platform", "module_states")} WHERE module_id = '{id}'")).SingleOrDefault();

    private static bool Enabled(object? stored) => Convert.ToBoolean(stored, CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_disabled_plugin_leaves_the_schema_automation_catalog_events_and_background_services_and_comes_back_whole()
    {
        var (host, folder) = await StartAsync();
        await using var _ = host;
        using var __ = folder;
        var dispatcher = host.Services.GetRequiredService<OutboxDispatcher>();
        var quote = (await host.MutateAsync("createQuote", "mutation { createQuote(input: { title: \"Kept\" }) { quote { id } errors { code } } }")).Ok();
        var quoteId = quote["quote"]!["id"]!.GetValue<string>();
        Assert.Contains("sample_plugin.offerQuote", await ActionKindsAsync(host));
        Assert.True(BackgroundService(host.Services).IsRunning);
        await dispatcher.DispatchPendingAsync(CancellationToken.None); // the quote's own event reaches the handler now

        var disabling = (await host.QueryAsync(ChangeMutation("disablePlugin"), new { id = Plugin })).ShouldSucceed();
        var disabled = disabling.Data!["disablePlugin"]!.Ok();
        // The change is a few statements whatever the number of modules: (lock,) read the states, write one row.
        output.WriteLine($"disablePlugin: {disabling.Statements} SQL statements, {disabling.Transactions} transaction(s)");
        Assert.Equal(engine == Engine.Postgres ? 3 : 2, disabling.Statements);
        Assert.Equal("DISABLED", disabled["module"]!["state"]!.GetValue<string>());
        Assert.False(disabled["module"]!["builtIn"]!.GetValue<bool>());
        Assert.False(HasType(host.Services, "Quote"));
        var gone = await host.QueryAsync("{ quotes { totalCount } }");
        Assert.Contains("VALIDATION", gone.ErrorCodes);
        Assert.DoesNotContain("sample_plugin.offerQuote", await ActionKindsAsync(host));
        Assert.False(BackgroundService(host.Services).IsRunning);
        var stored = await StoredStateAsync(host, Plugin);
        Assert.False(Enabled(stored!["enabled"]));
        Assert.Equal("user:1", stored["updated_by"]);

        // An event for its handler waits (not tried, nothing counted) instead of being lost.
        var seenBefore = ContactEventsSeen(host.Services);
        await host.CreateContactAsync(new { name = "Met while disabled" });
        await dispatcher.DispatchPendingAsync(CancellationToken.None);
        await dispatcher.DispatchPendingAsync(CancellationToken.None);
        Assert.Equal(seenBefore, ContactEventsSeen(host.Services));
        var held = await host.QueryRowsAsync($"SELECT state, attempts FROM {host.Table("platform", "event_deliveries")} WHERE handler = '{ContactHandler}'");
        Assert.Equal(0L, Convert.ToInt64(Assert.Single(held)["attempts"], CultureInfo.InvariantCulture));

        var enabling = (await host.QueryAsync(ChangeMutation("enablePlugin"), new { id = Plugin })).ShouldSucceed();
        var enabled = enabling.Data!["enablePlugin"]!.Ok();
        // Two more: whether an uninstall is pending (which refuses the enable), and its held deliveries released in one statement.
        output.WriteLine($"enablePlugin: {enabling.Statements} SQL statements, {enabling.Transactions} transaction(s)");
        Assert.Equal(engine == Engine.Postgres ? 5 : 4, enabling.Statements);
        Assert.Equal("LOADED", enabled["module"]!["state"]!.GetValue<string>());
        Assert.True(HasType(host.Services, "Quote"));
        Assert.Contains("sample_plugin.offerQuote", await ActionKindsAsync(host));
        var read = (await host.QueryAsync("query($id: ID!) { quote(id: $id) { title } }", new { id = quoteId })).ShouldSucceed();
        Assert.Equal("Kept", read.Data!["quote"]!["title"]!.GetValue<string>());
        await dispatcher.DispatchPendingAsync(CancellationToken.None);
        Assert.Equal(seenBefore + 1, ContactEventsSeen(host.Services));
        Assert.Empty(await host.QueryRowsAsync($"SELECT id FROM {host.Table("platform", "event_deliveries")} WHERE handler = '{ContactHandler}'"));
        await WaitUntilAsync(() => BackgroundService(host.Services).IsRunning, "the plugin's background service did not start again");
    }

    [Fact]
    public async Task Disabling_is_refused_while_an_enabled_module_depends_on_it_and_enabling_while_a_dependency_is_disabled()
    {
        var (host, folder) = await StartAsync();
        await using var _ = host;
        using var __ = folder;

        var refused = await ChangeAsync(host, "disablePlugin", "deals");
        Assert.Equal("CONFLICT", refused.ErrorCode());
        Assert.Contains("module 'sample_plugin' depends on it", refused["errors"]![0]!["message"]!.GetValue<string>());
        Assert.True(HasType(host.Services, "Deal"));

        (await ChangeAsync(host, "disablePlugin", Plugin)).Ok();
        var deals = (await ChangeAsync(host, "disablePlugin", "deals")).Ok();
        Assert.True(deals["module"]!["builtIn"]!.GetValue<bool>());
        Assert.False(HasType(host.Services, "Deal"));

        var early = await ChangeAsync(host, "enablePlugin", Plugin);
        Assert.Equal("CONFLICT", early.ErrorCode());
        Assert.Contains("it depends on module 'deals', which is disabled", early["errors"]![0]!["message"]!.GetValue<string>());

        (await ChangeAsync(host, "enablePlugin", "deals")).Ok();
        (await ChangeAsync(host, "enablePlugin", Plugin)).Ok();
        Assert.True(HasType(host.Services, "Deal"));
        Assert.True(HasType(host.Services, "Quote"));

        Assert.Equal("NOT_FOUND", (await ChangeAsync(host, "disablePlugin", "no_such_module")).ErrorCode());
        // Ten times the longest id: refused before any work.
        var tooLong = await ChangeAsync(host, "disablePlugin", new string('a', ModuleLoader.MaxIdLength * 10));
        Assert.Equal("TOO_LONG", tooLong.ErrorCode());
        Assert.Equal("id", tooLong.ErrorPath());
        // The settings right is needed: a user without it is refused.
        var (_, _, key) = await host.NewUserWithKeyAsync("no-settings");
        var user = (await host.QueryAsync("mutation { disablePlugin(id: \"sample_plugin\") { errors { code } } }", apiKey: key)).ShouldSucceed();
        Assert.Equal("FORBIDDEN", user.Data!["disablePlugin"]!["errors"]![0]!["code"]!.GetValue<string>());
        Assert.True(HasType(host.Services, "Quote"));
    }

    [Fact]
    public async Task A_disabled_modules_endpoints_answer_404_until_it_is_enabled()
    {
        var (host, folder) = await StartAsync();
        await using var _ = host;
        using var __ = folder;
        using var client = host.CreateClient();

        async Task<(int Status, string Body)> PostAsync()
        {
            using var response = await client.PostAsync("/automation/webhooks/1", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Contains("No such webhook", (await PostAsync()).Body); // the module's own answer
        (await ChangeAsync(host, "disablePlugin", "automation")).Ok();
        Assert.False(HasType(host.Services, "AutomationCatalog"));
        var disabled = await PostAsync();
        Assert.Equal(404, disabled.Status);
        Assert.DoesNotContain("No such webhook", disabled.Body);

        (await ChangeAsync(host, "enablePlugin", "automation")).Ok();
        Assert.Contains("No such webhook", (await PostAsync()).Body);
        Assert.True(HasType(host.Services, "AutomationCatalog"));
    }

    [Fact]
    public async Task A_module_disabled_stays_disabled_for_a_host_that_starts_later_and_a_running_host_follows_within_its_poll()
    {
        var (host, folder) = await StartAsync();
        await using var _ = host;
        using var __ = folder;
        await using var other = host.WithWebHostBuilder(_ => { });
        Assert.True(HasType(other.Services, "Quote"));

        (await ChangeAsync(host, "disablePlugin", Plugin)).Ok();
        // The other host polls module_states every 100 ms here (Modules:StatePollInterval, 1 s by default).
        var started = System.Diagnostics.Stopwatch.StartNew();
        await WaitUntilAsync(() => !HasType(other.Services, "Quote"), "the second host still shows the disabled plugin's type");
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(ModuleState.Disabled, other.Services.GetRequiredService<ModuleCatalog>().Find(Plugin)!.State);

        // A host that starts now reads the state before it composes its schema.
        await using var later = host.WithWebHostBuilder(_ => { });
        Assert.False(HasType(later.Services, "Quote"));
        Assert.Equal(ModuleState.Disabled, later.Services.GetRequiredService<ModuleCatalog>().Find(Plugin)!.State);
        Assert.False(BackgroundService(later.Services).IsRunning);

        (await ChangeAsync(host, "enablePlugin", Plugin)).Ok();
        await WaitUntilAsync(() => HasType(other.Services, "Quote") && HasType(later.Services, "Quote"), "the other hosts did not bring the plugin back");
    }

    [Fact]
    public async Task Twenty_parallel_enable_and_disable_calls_leave_the_database_and_the_schema_agreeing()
    {
        var (host, folder) = await StartAsync();
        await using var _ = host;
        using var __ = folder;
        var calls = Enumerable.Range(0, 20).Select(i => Task.Run(() => ChangeAsync(host, i % 2 == 0 ? "disablePlugin" : "enablePlugin", Plugin)));
        var payloads = await Task.WhenAll(calls);
        Assert.All(payloads, p => p.Ok());

        var stored = Enabled((await StoredStateAsync(host, Plugin))!["enabled"]);
        var state = host.Services.GetRequiredService<ModuleCatalog>().Find(Plugin)!.State;
        Assert.Equal(stored ? ModuleState.Loaded : ModuleState.Disabled, state);
        Assert.Equal(stored, HasType(host.Services, "Quote"));
        var listed = (await host.QueryAsync("{ modules { id state } }")).ShouldSucceed().Data!["modules"]!.AsArray().Single(m => m!["id"]!.GetValue<string>() == Plugin)!;
        Assert.Equal(stored ? "LOADED" : "DISABLED", listed["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_plugin_folder_placed_after_the_start_is_checked_and_a_broken_one_refused()
    {
        var (host, folder) = await StartAsync();
        await using var _ = host;
        using var __ = folder;
        var runtime = host.Services.GetRequiredService<IModuleRuntime>();

        // A second copy of the sample plugin: its id is held.
        var copy = Path.Combine(folder.FullName, "Crm.Tests.SamplePlugin2");
        Directory.CreateDirectory(copy);
        var refused = await runtime.LoadAsync(copy, null, CancellationToken.None);
        Assert.Equal(ModuleRunState.Refused, refused.State);
        Assert.Contains("Crm.Tests.SamplePlugin2.dll is missing", refused.Reason);

        // The folder already loaded answers with its state; one outside the modules folder is refused.
        Assert.Equal(ModuleRunState.Enabled, (await runtime.LoadAsync(SamplePluginFolder.PluginFolderName, null, CancellationToken.None)).State);
        var outside = await Assert.ThrowsAsync<ModuleRuntimeRefusedException>(() => runtime.LoadAsync(Path.GetTempPath(), null, CancellationToken.None));
        Assert.Equal("INVALID_VALUE", outside.Code);
    }

    [Fact]
    public async Task A_new_plugin_folder_copied_in_after_the_start_is_loaded_migrated_and_in_the_schema_with_no_restart()
    {
        // The built-in modules only; the sample plugin is copied in once the host runs.
        using var folder = new SamplePluginFolder(faults: null);
        var placed = Path.Combine(folder.FullName, SamplePluginFolder.PluginFolderName);
        var aside = Path.Combine(Path.GetTempPath(), $"crm-plugin-aside-{Guid.NewGuid():N}");
        Directory.Move(placed, aside);
        var settings = new Dictionary<string, string?>(FastPolling);
        foreach (var (key, value) in folder.Settings)
        {
            settings[key] = value;
        }

        await using var host = await CrmHost.StartAsync(engine, settings);
        Assert.Null(host.Services.GetRequiredService<ModuleCatalog>().Find(Plugin));
        Assert.Contains("VALIDATION", (await host.QueryAsync("{ quotes { totalCount } }")).ErrorCodes);
        Directory.Move(aside, placed);

        var runtime = host.Services.GetRequiredService<IModuleRuntime>();
        var status = await runtime.LoadAsync(placed, Plugin, CancellationToken.None);
        Assert.True(status.State == ModuleRunState.Enabled, $"{status.State}: {status.Reason}");
        Assert.Equal(Plugin, status.Id);
        Assert.Equal(["selection_lists", "deals"], status.DependsOn);
        // Nothing of it waits for a start (it has no endpoints); its two background services run.
        Assert.Null(status.Reason);
        Assert.All(host.Services.GetRequiredService<RuntimeHostedServices>().Of(Plugin), s => Assert.True(s.IsRunning));
        Assert.True(HasType(host.Services, "Quote"));

        // Its migrations ran (its seeded terms give validUntil), its record type is in the registry,
        // the metadata and the schema, and its records are written through its own container.
        var quote = (await host.MutateAsync("createQuote", "mutation { createQuote(input: { title: \"Hot\" }) { quote { id title validUntil } errors { code message } } }")).Ok()["quote"]!;
        Assert.Equal("Hot", quote["title"]!.GetValue<string>());
        Assert.NotNull(quote["validUntil"]);
        var read = (await host.QueryAsync("{ quotes { totalCount nodes { title } } entityTypes { name } }")).ShouldSucceed().Data!;
        Assert.Equal(1, read["quotes"]!["totalCount"]!.GetValue<int>());
        Assert.Contains("QUOTE", read["entityTypes"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        var listed = (await host.QueryAsync("{ modules { id state } }")).ShouldSucceed().Data!["modules"]!.AsArray().Single(m => m!["id"]!.GetValue<string>() == Plugin)!;
        Assert.Equal("LOADED", listed["state"]!.GetValue<string>());

        // The host's work outside a request reaches its services too: an export of its records runs as a job.
        var export = await host.ExportedJobAsync(CrmHost.AdminKey, "QUOTE", columns: ["title"]);
        // This host's own job runner may have taken it first: the job is waited for, whoever runs it.
        await host.RunJobsAsync();
        for (var waited = TimeSpan.Zero; (await host.JobAsync(export))!["state"]!.GetValue<string>() is "QUEUED" or "RUNNING"; waited += TimeSpan.FromMilliseconds(50))
        {
            Assert.True(waited < TimeSpan.FromSeconds(30), "The export did not end.");
            await Task.Delay(50);
        }

        var rows = ExportFiles.ReadCsv(await host.FileOfAsync(export, CrmHost.AdminKey));
        Assert.Equal("Hot", rows[1][0]);

        // Loaded once: asked again, the folder answers with its state.
        Assert.Equal(ModuleRunState.Enabled, (await runtime.LoadAsync(placed, Plugin, CancellationToken.None)).State);
        Assert.Single(host.Services.GetRequiredService<ModuleCatalog>().All, m => m.Id == Plugin);

        // Disabled and enabled like a module loaded at start.
        (await ChangeAsync(host, "disablePlugin", Plugin)).Ok();
        Assert.False(HasType(host.Services, "Quote"));
        (await ChangeAsync(host, "enablePlugin", Plugin)).Ok();
        Assert.Equal(1, (await host.QueryAsync("{ quotes { totalCount } }")).ShouldSucceed().Data!["quotes"]!["totalCount"]!.GetValue<int>());

        await using var restarted = host.WithWebHostBuilder(_ => { });
        Assert.Equal(ModuleState.Loaded, restarted.Services.GetRequiredService<ModuleCatalog>().Find(Plugin)!.State);
        Assert.True(HasType(restarted.Services, "Quote"));
    }

    /// <summary>A host of the built-in modules only, into whose modules folder the sample plugin is then copied and loaded, with no restart.</summary>
    private async Task<(CrmHost Host, SamplePluginFolder Folder, ModuleStatus Status)> StartThenLoadPluginAsync(IReadOnlyDictionary<string, string?>? more = null, object? faults = null,
        ModuleRunState expected = ModuleRunState.Enabled)
    {
        var folder = new SamplePluginFolder(faults);
        var placed = Path.Combine(folder.FullName, SamplePluginFolder.PluginFolderName);
        var aside = Path.Combine(Path.GetTempPath(), $"crm-plugin-aside-{Guid.NewGuid():N}");
        Directory.Move(placed, aside);
        var settings = new Dictionary<string, string?>(FastPolling);
        foreach (var (key, value) in folder.Settings.Concat(more ?? new Dictionary<string, string?>()))
        {
            settings[key] = value;
        }

        var host = await CrmHost.StartAsync(engine, settings);
        Assert.Null(host.Services.GetRequiredService<ModuleCatalog>().Find(Plugin));
        Directory.Move(aside, placed);
        var status = await host.Services.GetRequiredService<IModuleRuntime>().LoadAsync(placed, Plugin, CancellationToken.None);
        Assert.Equal(expected, status.State);
        if (expected == ModuleRunState.Enabled)
        {
            // Nothing of it waits for a start: its endpoints and background services are in service at once.
            Assert.Null(status.Reason);
        }

        return (host, folder, status);
    }

    private static int QuoteEventsSeen(IServiceProvider services)
    {
        var plugin = services.GetRequiredService<RuntimePlugins>().Find(Plugin)!;
        var seen = plugin.Services.GetRequiredService(plugin.Module.Assembly!.GetType("Crm.Tests.SamplePlugin.Quotes.QuoteEventsSeen", throwOnError: true)!);
        return (int)seen.GetType().GetProperty("Count")!.GetValue(seen)!;
    }

    private static int HotContactEventsSeen(IServiceProvider services)
    {
        var plugin = services.GetRequiredService<RuntimePlugins>().Find(Plugin)!;
        var seen = plugin.Services.GetRequiredService(plugin.Module.Assembly!.GetType("Crm.Tests.SamplePlugin.Faults.ContactEventsSeen", throwOnError: true)!);
        return (int)seen.GetType().GetProperty("Count")!.GetValue(seen)!;
    }

    [Fact]
    public async Task A_plugin_loaded_at_run_time_has_its_event_handlers_called_at_once_held_while_disabled_and_released_when_enabled()
    {
        var (host, folder, _) = await StartThenLoadPluginAsync();
        await using var _ = host;
        using var __ = folder;
        Assert.NotNull(host.Services.GetRequiredService<EventCatalog>().Find(ContactHandler));

        await host.CreateContactAsync(new { name = "Met after the install" });
        await host.DeliverAsync();
        Assert.Equal(1, HotContactEventsSeen(host.Services));

        (await ChangeAsync(host, "disablePlugin", Plugin)).Ok();
        await host.CreateContactAsync(new { name = "Met while disabled" });
        await host.DeliverAsync();
        Assert.Equal(1, HotContactEventsSeen(host.Services));
        var held = await host.QueryRowsAsync($"SELECT state, attempts FROM {host.Table("platform", "event_deliveries")} WHERE handler = '{ContactHandler}'");
        Assert.Equal(0L, Convert.ToInt64(Assert.Single(held)["attempts"], CultureInfo.InvariantCulture));

        (await ChangeAsync(host, "enablePlugin", Plugin)).Ok();
        await host.DeliverAsync();
        Assert.Equal(2, HotContactEventsSeen(host.Services));
        Assert.Empty(await host.QueryRowsAsync($"SELECT id FROM {host.Table("platform", "event_deliveries")} WHERE handler = '{ContactHandler}'"));
    }

    [Fact]
    public async Task A_plugin_loaded_at_run_time_has_its_own_outbox_delivered_at_once_to_its_handlers_and_the_platforms()
    {
        // Woken by writes (the tests' hosts otherwise deliver only when asked): the poll stays an hour, so only a wake-up delivers by itself.
        var (host, folder, _) = await StartThenLoadPluginAsync(new Dictionary<string, string?> { ["Events:WakeUp"] = "true" });
        await using var _ = host;
        using var __ = folder;

        var quote = (await host.MutateAsync("createQuote", "mutation { createQuote(input: { title: \"Delivered\" }) { quote { id } errors { code message } } }")).Ok()["quote"]!["id"]!.GetValue<string>();
        var waiting = $"SELECT id FROM {host.Table(Plugin, "outbox")} WHERE processed_at IS NULL";
        await host.DeliverAsync();
        Assert.Empty(await host.QueryRowsAsync(waiting));
        // Its own handler got its record's event, and so did the platform's (the timeline's history).
        Assert.Equal(1, QuoteEventsSeen(host.Services));
        Assert.Contains((await host.TimelineAsync("QUOTE", quote)).Nodes(), e => e["kind"]!.GetValue<string>() == "created");

        // Written by the next request, it is delivered without anyone asking: the commit (PostgreSQL: its outbox's notify trigger too) wakes the dispatcher for its outbox.
        (await host.MutateAsync("createQuote", "mutation { createQuote(input: { title: \"Woken\" }) { quote { id } errors { code message } } }")).Ok();
        await WaitUntilAsync(() => QuoteEventsSeen(host.Services) == 2, "the plugin's outbox was not delivered by the host's dispatcher");
    }

    [Fact]
    public async Task A_plugin_loaded_at_run_time_has_its_automation_kinds_in_the_catalog_and_in_rules_at_once_and_out_while_disabled()
    {
        var (host, folder, _) = await StartThenLoadPluginAsync();
        await using var _ = host;
        using var __ = folder;
        Assert.Contains("sample_plugin.offerQuote", await ActionKindsAsync(host));

        const string Create = "mutation($input: AutomationRuleInput!) { createAutomationRule(entityType: DEAL, input: $input) { rule { id } errors { code message path } } }";
        var input = new
        {
            name = "Offer on every new deal",
            trigger = new { kind = "records.created" },
            actions = new object[] { new { kind = "sample_plugin.offerQuote", @params = new { title = "Starter offer" } } },
        };
        var rule = (await host.MutateAsync("createAutomationRule", Create, new { input })).Ok()["rule"]!["id"]!.GetValue<string>();
        (await host.MutateAsync("activateAutomationRule", "mutation($id: ID!) { activateAutomationRule(id: $id) { errors { code message path } } }", new { id = rule })).Ok();

        var deal = await host.CreateDealAsync(new { title = "Automated" });
        await host.DeliverAsync();
        var quotes = (await host.QueryAsync("query($id: ID!) { deal(id: $id) { quotes { title } } }", new { id = deal })).ShouldSucceed().Data!["deal"]!["quotes"]!.AsArray();
        var offered = Assert.Single(quotes)!;
        Assert.Equal("Starter offer", offered["title"]!.GetValue<string>());

        (await ChangeAsync(host, "disablePlugin", Plugin)).Ok();
        Assert.DoesNotContain("sample_plugin.offerQuote", await ActionKindsAsync(host));
        var refused = await host.MutateAsync("createAutomationRule", Create, new { input });
        Assert.Equal("INVALID_VALUE", refused.ErrorCode());

        (await ChangeAsync(host, "enablePlugin", Plugin)).Ok();
        Assert.Contains("sample_plugin.offerQuote", await ActionKindsAsync(host));
        (await host.MutateAsync("createAutomationRule", Create, new { input })).Ok();
    }

    [Fact]
    public async Task A_plugin_loaded_at_run_time_runs_jobs_of_its_kinds_at_once_and_none_while_disabled()
    {
        var (host, folder, _) = await StartThenLoadPluginAsync();
        await using var _ = host;
        using var __ = folder;
        foreach (var title in new[] { "Counted one", "Counted two", "Other" })
        {
            (await host.MutateAsync("createQuote", "mutation($t: String!) { createQuote(input: { title: $t }) { quote { id } errors { code message } } }", new { t = title })).Ok();
        }

        const string Start = "mutation($p: String!) { sampleCountQuotes(prefix: $p) { job { id } errors { code message path } } }";
        var job = (await host.MutateAsync("sampleCountQuotes", Start, new { p = "Counted" })).Ok()["job"]!["id"]!.GetValue<string>();
        // This host's own job runner may have taken it first: the job is waited for, whoever runs it.
        await host.RunJobsAsync();
        for (var waited = TimeSpan.Zero; (await host.JobAsync(job))!["state"]!.GetValue<string>() is "QUEUED" or "RUNNING"; waited += TimeSpan.FromMilliseconds(50))
        {
            Assert.True(waited < TimeSpan.FromSeconds(30), "The plugin's job did not end.");
            await Task.Delay(50);
        }

        var ended = (await host.JobAsync(job))!;
        Assert.Equal(("SUCCEEDED", 2L), (ended["state"]!.GetValue<string>(), ended["done"]!.GetValue<long>()));
        // Its input is bounded by its kind's own check, before anything is stored (ten times the limit).
        Assert.Equal("TOO_LONG", (await host.MutateAsync("sampleCountQuotes", Start, new { p = new string('x', 2000) })).ErrorCode());

        // Disabled: its mutation leaves the schema and its kind the runner (a job of it stored before fails, NOT_FOUND, rather than runs).
        var runner = host.Services.GetRequiredService<JobRunner>();
        (await ChangeAsync(host, "disablePlugin", Plugin)).Ok();
        Assert.Null(runner.Kind("sample_plugin.count-quotes"));
        Assert.Contains("VALIDATION", (await host.QueryAsync(Start, new { p = "Counted" })).ErrorCodes);
        (await ChangeAsync(host, "enablePlugin", Plugin)).Ok();
        Assert.NotNull(runner.Kind("sample_plugin.count-quotes"));
        (await host.MutateAsync("sampleCountQuotes", Start, new { p = "Counted" })).Ok();
    }

    [Fact]
    public async Task A_plugin_loaded_at_run_time_has_its_activity_types_planned_items_and_timeline_kinds_at_once_out_while_disabled_and_back_when_enabled()
    {
        var (host, folder, _) = await StartThenLoadPluginAsync();
        await using var _ = host;
        using var __ = folder;
        async Task<List<string>> ActivityTypesAsync() => (await host.QueryAsync("{ activityTypes { id providerId } }")).ShouldSucceed()
            .Data!["activityTypes"]!.AsArray().Select(t => $"{t!["id"]!.GetValue<string>()}:{t["providerId"]!.GetValue<string>()}").ToList();
        Assert.Contains("QUOTE_REVIEW:sample_plugin", await ActivityTypesAsync());

        // Planned items: its draft quotes, in the feed of the user they are assigned to.
        var me = await host.NewUserWithKeyAsync("hot-planner");
        var role = await host.CreateRoleAsync("Hot quote planner", [new { entityType = "QUOTE", action = "READ", level = "OWN" }]);
        (await host.AssignAsync(role, userId: me.Id)).Ok();
        (await host.MutateAsync("createQuote", "mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } errors { code message } } }",
            new { input = new { title = "Planned after the install", assignedById = me.Id, validUntil = "2020-06-01" } })).Ok();
        async Task<List<string>> PlannedAsync() => (await host.QueryAsync("{ feed(first: 1, planned: 50) { planned { entityType title } } }", apiKey: me.Key)).ShouldSucceed()
            .Data!["feed"]!["planned"]!.AsArray().Select(i => $"{i!["entityType"]!.GetValue<string>()}:{i["title"]!.GetValue<string>()}").ToList();
        Assert.Contains("QUOTE:Planned after the install", await PlannedAsync());

        // Timeline kinds: its projection writes its own kind of entry on the quote and its deal.
        var deal = await host.CreateDealAsync(new { title = "Accepted after the install" });
        var quote = (await host.MutateAsync("createQuote", "mutation($deal: ID!) { createQuote(input: { title: \"Premium\", dealId: $deal, amount: 12.5, currencyId: \"EUR\" }) { quote { id } errors { code message } } }", new { deal }))
            .Ok()["quote"]!["id"]!.GetValue<string>();
        (await host.MutateAsync("acceptQuote", "mutation($id: ID!) { acceptQuote(id: $id) { quote { id } errors { code message } } }", new { id = quote })).Ok();
        await host.DeliverAsync();
        const string DealTimeline = "query($id: ID!) { timeline(entityType: DEAL, entityId: $id) { nodes { kind ... on QuoteAcceptedEntry { title onDeal } } } }";
        async Task<List<string>> DealEntriesAsync() => (await host.QueryAsync(DealTimeline, new { id = deal })).ShouldSucceed().Data!["timeline"]!["nodes"]!.AsArray()
            .Where(n => n!["kind"]!.GetValue<string>() == "quoteAccepted").Select(n => $"{n!["title"]!.GetValue<string>()}:{n["onDeal"]!.GetValue<bool>()}").ToList();
        Assert.Equal(["Premium:True"], await DealEntriesAsync());
        Assert.Contains((await host.TimelineAsync("QUOTE", quote)).Nodes(), e => e["kind"]!.GetValue<string>() == "quoteAccepted");

        (await ChangeAsync(host, "disablePlugin", Plugin)).Ok();
        Assert.DoesNotContain("QUOTE_REVIEW:sample_plugin", await ActivityTypesAsync());
        Assert.DoesNotContain("QUOTE:Planned after the install", await PlannedAsync());
        // Its kind stays readable while it is disabled: the entries written before it still show on the deal.
        Assert.Equal(["Premium:True"], await DealEntriesAsync());

        (await ChangeAsync(host, "enablePlugin", Plugin)).Ok();
        Assert.Contains("QUOTE_REVIEW:sample_plugin", await ActivityTypesAsync());
        Assert.Contains("QUOTE:Planned after the install", await PlannedAsync());
        var activity = await host.MutateAsync("createActivity", "mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { code message path } } }",
            new { input = new { typeId = "QUOTE_REVIEW", subject = "Review the hot quote", bindings = new[] { new { entityType = "QUOTE", id = quote } } } });
        activity.Ok();
    }

    private static int PingsSeen(IServiceProvider services)
    {
        var plugin = services.GetRequiredService<RuntimePlugins>().Find(Plugin)!;
        var seen = plugin.Services.GetRequiredService(plugin.Module.Assembly!.GetType("Crm.Tests.SamplePlugin.Quotes.QuotePingsSeen", throwOnError: true)!);
        return (int)seen.GetType().GetProperty("Count")!.GetValue(seen)!;
    }

    [Fact]
    public async Task A_plugin_loaded_at_run_time_has_its_scheduled_work_scheduled_by_its_start_up_task_and_run_at_once_skipped_while_disabled()
    {
        // Its start-up task schedules its work every second, as at start; the scheduler looks for due work every second.
        var (host, folder, _) = await StartThenLoadPluginAsync(ScheduledWorkTests.QuickScheduler, faults: new { pingCron = "* * * * * ?" });
        await using var _ = host;
        using var __ = folder;
        await WaitUntilAsync(() => PingsSeen(host.Services) >= 1, "the plugin's scheduled work did not run");
        Assert.NotNull(await host.Services.GetRequiredService<Scheduling.WorkScheduler>().NextDueAsync("sample_plugin/ping", "every", CancellationToken.None));

        (await ChangeAsync(host, "disablePlugin", Plugin)).Ok();
        await Task.Delay(1500); // a run that began before the disable ends
        var whileDisabled = PingsSeen(host.Services);
        await Task.Delay(3000);
        Assert.Equal(whileDisabled, PingsSeen(host.Services));

        (await ChangeAsync(host, "enablePlugin", Plugin)).Ok();
        await WaitUntilAsync(() => PingsSeen(host.Services) > whileDisabled, "the plugin's scheduled work did not run again once it was enabled");
    }

    [Fact]
    public async Task A_plugin_loaded_at_run_time_serves_its_live_source_at_once_and_holds_it_while_disabled()
    {
        var (host, folder, _) = await StartThenLoadPluginAsync(new Dictionary<string, string?> { ["Live:PollInterval"] = "00:00:00.2" });
        await using var _ = host;
        using var __ = folder;
        var quote = await host.CreateQuoteAsync("Live after the install");
        var start = await host.AddNoteAsync(quote, "start");
        await using var socket = await Subscriptions.GraphQLSocket.OpenAsync(host);
        await socket.SubscribeAsync("notes", QuoteNotes.Subscription, new { quoteId = quote, after = start });
        var next = await host.AddNoteAsync(quote, "after the install");
        Assert.Equal(next, (await socket.NextNoteAsync("notes")).Cursor);

        // Disabled, its source is not read (its mutation is gone; the note is written as another host of an older version would);
        // enabled, what came meanwhile goes out.
        (await ChangeAsync(host, "disablePlugin", Plugin)).Ok();
        await host.QueryRowsAsync($"INSERT INTO {host.Table(Plugin, "quote_notes")} (quote_id, text, created_at) VALUES ({quote}, 'while disabled', CURRENT_TIMESTAMP)");
        await Task.Delay(1000);
        (await ChangeAsync(host, "enablePlugin", Plugin)).Ok();
        var (_, held) = await socket.NextNoteAsync("notes");
        Assert.Equal("while disabled", held["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_disabled_built_in_modules_job_kinds_neither_start_nor_run_until_it_is_enabled()
    {
        var (host, folder) = await StartAsync();
        await using var _ = host;
        using var __ = folder;
        var runner = host.Services.GetRequiredService<JobRunner>();
        Assert.NotNull(runner.Kind("export.records"));

        // Before, the host's modules' kinds stayed while their module was disabled: a stored export job still ran.
        (await ChangeAsync(host, "disablePlugin", "export")).Ok();
        Assert.Null(runner.Kind("export.records"));
        (await ChangeAsync(host, "enablePlugin", "export")).Ok();
        Assert.NotNull(runner.Kind("export.records"));
    }

    [Fact]
    public async Task A_plugin_loaded_at_run_time_has_its_background_services_started_at_once_stopped_while_disabled_and_at_the_hosts_stop()
    {
        var (host, folder, _) = await StartThenLoadPluginAsync();
        using var __ = folder;
        var background = host.Services.GetRequiredService<RuntimeHostedServices>().Of(Plugin);
        Assert.Equal(2, background.Count);
        Assert.All(background, s => Assert.True(s.IsRunning));

        (await ChangeAsync(host, "disablePlugin", Plugin)).Ok();
        await WaitUntilAsync(() => background.All(s => !s.IsRunning), "the plugin's background services were not stopped when it was disabled");
        (await ChangeAsync(host, "enablePlugin", Plugin)).Ok();
        await WaitUntilAsync(() => background.All(s => s.IsRunning), "the plugin's background services were not started again when it was enabled");

        await host.DisposeAsync();
        Assert.All(background, s => Assert.False(s.IsRunning));
        Assert.All(background, s => Assert.True(s.Running.IsCompleted));
    }

    [Fact]
    public async Task A_plugin_loaded_at_run_time_serves_its_endpoints_at_once_404_while_disabled_and_again_when_enabled()
    {
        var (host, folder, _) = await StartThenLoadPluginAsync();
        await using var _ = host;
        using var __ = folder;
        using var client = host.CreateClient();

        async Task<(int Status, string Body)> GetAsync()
        {
            using var response = await client.GetAsync("/sample-plugin/pings");
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        // Its handler's service is the plugin's own (a singleton of its container).
        var served = await GetAsync();
        Assert.Equal(200, served.Status);
        Assert.Equal(Plugin, System.Text.Json.Nodes.JsonNode.Parse(served.Body)!["module"]!.GetValue<string>());

        (await ChangeAsync(host, "disablePlugin", Plugin)).Ok();
        Assert.Equal(404, (await GetAsync()).Status);
        (await ChangeAsync(host, "enablePlugin", Plugin)).Ok();
        Assert.Equal(200, (await GetAsync()).Status);

        // The host's own endpoints are untouched by the plugin's joining (mapped once, not again through the plugin's container).
        using var health = await client.GetAsync("/healthz");
        Assert.Equal(200, (int)health.StatusCode);
    }

    [Fact]
    public async Task A_plugin_loaded_at_run_time_whose_endpoint_contributor_throws_fails_alone_with_nothing_of_it_mapped()
    {
        // The contributor maps its endpoint, then throws: what it mapped must not reach the router.
        var (host, folder, status) = await StartThenLoadPluginAsync(faults: new { throwIn = "EndpointMapping" }, expected: ModuleRunState.Failed);
        await using var _ = host;
        using var __ = folder;
        Assert.Equal("its endpoints could not be mapped: InvalidOperationException: The sample plugin was told to throw in EndpointMapping.", status.Reason);
        using var client = host.CreateClient();
        using (var pings = await client.GetAsync("/sample-plugin/pings"))
        {
            Assert.Equal(404, (int)pings.StatusCode);
        }

        using (var ready = await client.GetAsync("/readyz"))
        {
            Assert.Equal(200, (int)ready.StatusCode);
        }

        // Its record types are out of the schema; every other module answers as before.
        var quotes = await host.QueryAsync("{ quotes(first: 1) { totalCount } }");
        Assert.NotNull(quotes.Errors);
        (await host.QueryAsync("{ deals(first: 1) { totalCount } contacts(first: 1) { totalCount } }")).ShouldSucceed();
        var listed = (await host.QueryAsync("{ modules { id state } }")).ShouldSucceed().Data!["modules"]!.AsArray();
        Assert.Equal("FAILED", listed.Single(m => m!["id"]!.GetValue<string>() == Plugin)!["state"]!.GetValue<string>());
        Assert.All(listed.Where(m => m!["id"]!.GetValue<string>() != Plugin), m => Assert.Equal("LOADED", m!["state"]!.GetValue<string>()));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        for (var waited = TimeSpan.Zero; !condition(); waited += TimeSpan.FromMilliseconds(50))
        {
            Assert.True(waited < TimeSpan.FromSeconds(15), failure);
            await Task.Delay(50);
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ModuleRuntimeOnSqlite(Xunit.Abstractions.ITestOutputHelper output) : ModuleRuntimeTests(Engine.Sqlite, output);

[Trait("Engine", "Postgres")]
public sealed class ModuleRuntimeOnPostgres(Xunit.Abstractions.ITestOutputHelper output) : ModuleRuntimeTests(Engine.Postgres, output);
