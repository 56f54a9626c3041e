using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Data;
using Crm.Host.Marketplace;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Marketplace;

/// <summary>
/// Feeds, trusted publishers and installs through GraphQL, on hosts that share one database and
/// restart (upgrades and uninstalls apply at a host's next start). The package is the tests'
/// sample plugin as built, packed and signed here and published to a feed folder.
/// </summary>
public abstract class MarketplaceTests(Engine engine) : IDisposable
{
    private const string PluginFields = "id version publisher builtIn state reason capabilities pendingAction pendingVersion purgeData feed";

    private readonly TestPackages _packages = new();

    /// <summary>What the hosts logged at Error and above: a race's losers find a key taken, which is no error.</summary>
    private readonly Crm.Host.Tests.Automation.ErrorLog _errors = new();
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
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        _packages.Dispose();
    }

    /// <summary>A modules folder of the built-in modules (linked), without the sample plugin.</summary>
    private string ModulesFolder()
    {
        var folder = Directory.CreateTempSubdirectory("crm-marketplace-modules-").FullName;
        _folders.Add(folder);
        foreach (var module in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "modules")))
        {
            Directory.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(module)), module);
        }

        return folder;
    }

    private async Task<CrmHost> StartAsync(string modulesFolder)
    {
        var settings = new Dictionary<string, string?> { ["Modules:Path"] = modulesFolder };
        CrmHost host;
        if (_hosts.Count == 0)
        {
            host = await CrmHost.StartAsync(engine, settings, services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(_errors));
        }
        else
        {
            // Another host (or this one restarted) on the first one's database.
            host = new CrmHost(engine, _hosts[0].ConnectionString, settings, services: services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(_errors));
            _ = host.Server;
        }

        _hosts.Add(host);
        return host;
    }

    private static async Task<JsonNode> MutateAsync(CrmHost host, string field, string arguments, object variables, string selection)
    {
        // Each $name in the arguments is written in place as a literal (JSON's strings and booleans are GraphQL's).
        foreach (var property in variables.GetType().GetProperties().OrderByDescending(p => p.Name.Length))
        {
            arguments = arguments.Replace("$" + property.Name, System.Text.Json.JsonSerializer.Serialize(property.GetValue(variables)), StringComparison.Ordinal);
        }

        var response = await host.QueryAsync($"mutation {{ {field}({arguments}) {{ {selection} errors {{ code message }} }} }}");
        Assert.Empty(response.Errors);
        return response.Data![field]!;
    }

    private static async Task<JsonNode> OkAsync(CrmHost host, string field, string arguments, object variables, string selection)
    {
        var payload = await MutateAsync(host, field, arguments, variables, selection);
        Assert.Empty(payload["errors"]!.AsArray());
        return payload;
    }

    private static async Task<(string Code, string Message)> RefusedAsync(CrmHost host, string field, string arguments, object variables, string selection = "plugin { id }")
    {
        var payload = await MutateAsync(host, field, arguments, variables, selection);
        var error = Assert.Single(payload["errors"]!.AsArray())!;
        return (error["code"]!.GetValue<string>(), error["message"]!.GetValue<string>());
    }

    private static Task<(string Code, string Message)> InstallRefusedAsync(CrmHost host, string version) =>
        RefusedAsync(host, "installPlugin", "id: $id, version: $version", new { id = TestPackages.PluginId, version });

    private static async Task<JsonNode?> InstalledAsync(CrmHost host, string id)
    {
        var response = (await host.QueryAsync($"{{ marketplace {{ installed {{ {PluginFields} }} }} }}")).ShouldSucceed();
        return response.Data!["marketplace"]!["installed"]!.AsArray().FirstOrDefault(p => p!["id"]!.GetValue<string>() == id);
    }

    private static async Task<int> PluginTablesAsync(CrmHost host)
    {
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        return host.Engine == Engine.Postgres
            ? await db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM information_schema.tables WHERE table_schema = 'sample_plugin'").SingleAsync()
            : await db.Database.SqlQuery<int>($"SELECT count(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name LIKE 'sample\\_plugin\\_%' ESCAPE '\\'").SingleAsync();
    }

    private async Task TrustAndAddFeedAsync(CrmHost host)
    {
        await OkAsync(host, "addPluginFeed", "url: $url", new { url = _packages.Feed }, "feed { id url problem }");
        await OkAsync(host, "trustPublisher", "publisher: $publisher, publicKey: $key", new { publisher = TestPackages.Publisher, key = _packages.PublicKey }, "trustedPublisher { publisher keyId }");
    }

    [Fact]
    public async Task Install_upgrade_and_uninstall_with_and_without_purge_and_two_hosts_agree()
    {
        _packages.Publish(_packages.Signed());
        _packages.Publish(_packages.Signed(TestPackages.Manifest("0.2.0"), faults: new { version = "0.2.0" }));
        var modulesA = ModulesFolder();
        var hostA = await StartAsync(modulesA);
        // Another host of the deployment, running while the plugin is installed through the first.
        var running = await StartAsync(ModulesFolder());
        await OkAsync(hostA, "addPluginFeed", "url: $url", new { url = _packages.Feed }, "feed { id }");

        // Not trusted yet: refused before the package is even fetched.
        var (code, message) = await InstallRefusedAsync(hostA, "0.1.0");
        Assert.Equal(MarketplaceErrors.UnknownPublisher, code);
        Assert.Contains("'sample'", message, StringComparison.Ordinal);

        await OkAsync(hostA, "trustPublisher", "publisher: $publisher, publicKey: $key", new { publisher = TestPackages.Publisher, key = _packages.PublicKey }, "trustedPublisher { publisher }");
        var market = (await hostA.QueryAsync("{ marketplace { feeds { url problem } trustedPublishers { publisher keyId } available { id version publisher capabilities dependencies { id range } } } }")).ShouldSucceed().Data!["marketplace"]!;
        Assert.Null(market["feeds"]![0]!["problem"]);
        Assert.Equal(["0.1.0", "0.2.0"], market["available"]!.AsArray().Select(a => a!["version"]!.GetValue<string>()));
        Assert.Equal("READ_ALL_RECORDS", market["available"]![0]!["capabilities"]![0]!.GetValue<string>());

        var installed = (await OkAsync(hostA, "installPlugin", "id: $id, version: $version", new { id = TestPackages.PluginId, version = "0.1.0" }, $"plugin {{ {PluginFields} }}"))["plugin"]!;
        Assert.True(installed["state"]!.GetValue<string>() == "ENABLED", $"Installed {installed["state"]}: {installed["reason"]}");
        Assert.Equal(("0.1.0", "ENABLED", false), (installed["version"]!.GetValue<string>(), installed["state"]!.GetValue<string>(), installed["builtIn"]!.GetValue<bool>()));
        // Nothing of the sample plugin waits for a start (it has no endpoints; its background services started with its load).
        Assert.Null(installed["reason"]);
        Assert.Equal("READ_ALL_RECORDS", installed["capabilities"]![0]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(modulesA, TestPackages.Assembly, TestPackages.Assembly + ".dll")));
        Assert.Equal(MarketplaceErrors.AlreadyInstalled, (await InstallRefusedAsync(hostA, "0.1.0")).Code);

        // In service with no restart: its tables made, its record type listed, its records written and read.
        Assert.True(await PluginTablesAsync(hostA) > 0);
        var created = (await hostA.QueryAsync("mutation { createQuote(input: { title: \"Installed\" }) { quote { id validUntil } errors { code message } } }")).ShouldSucceed().Data!["createQuote"]!;
        Assert.Empty(created["errors"]!.AsArray());
        Assert.NotNull(created["quote"]!["validUntil"]);
        var read = (await hostA.QueryAsync("{ quotes { totalCount } entityTypes { name } }")).ShouldSucceed().Data!;
        Assert.Equal(1, read["quotes"]!["totalCount"]!.GetValue<int>());
        Assert.Contains("QUOTE", read["entityTypes"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));

        // The running host follows at its next poll: fetched from the feed, verified and loaded there too.
        for (var waited = TimeSpan.Zero; (await InstalledAsync(running, TestPackages.PluginId))?["state"]?.GetValue<string>() != "ENABLED"; waited += TimeSpan.FromMilliseconds(100))
        {
            Assert.True(waited < TimeSpan.FromSeconds(30), $"The other host did not load the plugin: {await InstalledAsync(running, TestPackages.PluginId)}");
            await Task.Delay(100);
        }

        Assert.Equal(1, (await running.QueryAsync("{ quotes { totalCount } }")).ShouldSucceed().Data!["quotes"]!["totalCount"]!.GetValue<int>());

        // Restarted, it loads the plugin; a second host with no copy of its own fetches it from the feed.
        var restartedA = await StartAsync(modulesA);
        Assert.Equal("ENABLED", (await InstalledAsync(restartedA, TestPackages.PluginId))!["state"]!.GetValue<string>());
        (await restartedA.QueryAsync("{ quotes { totalCount } }")).ShouldSucceed();
        var hostB = await StartAsync(ModulesFolder());
        Assert.Equal(("ENABLED", "0.1.0"), ((await InstalledAsync(hostB, TestPackages.PluginId))!["state"]!.GetValue<string>(), (await InstalledAsync(hostB, TestPackages.PluginId))!["version"]!.GetValue<string>()));
        (await hostB.QueryAsync("{ quotes { totalCount } }")).ShouldSucceed();
        Assert.True(await PluginTablesAsync(hostB) > 0);

        var upgrade = (await OkAsync(restartedA, "upgradePlugin", "id: $id, version: $version", new { id = TestPackages.PluginId, version = "0.2.0" }, $"plugin {{ {PluginFields} }}"))["plugin"]!;
        Assert.Equal(("PENDING_RESTART", "UPGRADE", "0.2.0"), (upgrade["state"]!.GetValue<string>(), upgrade["pendingAction"]!.GetValue<string>(), upgrade["pendingVersion"]!.GetValue<string>()));
        var upgraded = await StartAsync(modulesA);
        var afterUpgrade = (await upgraded.QueryAsync("{ modules { id version state } }")).ShouldSucceed().Data!["modules"]!.AsArray().Single(m => m!["id"]!.GetValue<string>() == TestPackages.PluginId)!;
        Assert.Equal(("0.2.0", "LOADED"), (afterUpgrade["version"]!.GetValue<string>(), afterUpgrade["state"]!.GetValue<string>()));
        Assert.Equal("NONE", (await InstalledAsync(upgraded, TestPackages.PluginId))!["pendingAction"]!.GetValue<string>());

        // Uninstalled keeping the data: the folder goes at the next start, the tables stay.
        var kept = (await OkAsync(upgraded, "uninstallPlugin", "id: $id", new { id = TestPackages.PluginId }, $"plugin {{ {PluginFields} }}"))["plugin"]!;
        Assert.Equal(("UNINSTALL", false), (kept["pendingAction"]!.GetValue<string>(), kept["purgeData"]!.GetValue<bool>()));
        var uninstalled = await StartAsync(modulesA);
        Assert.Null(await InstalledAsync(uninstalled, TestPackages.PluginId));
        Assert.False(Directory.Exists(Path.Combine(modulesA, TestPackages.Assembly)));
        Assert.True(await PluginTablesAsync(uninstalled) > 0);

        // Installed again (its old tables are its own again), then uninstalled with its data.
        await OkAsync(uninstalled, "installPlugin", "id: $id", new { id = TestPackages.PluginId }, "plugin { version }");
        Assert.Equal("0.2.0", (await InstalledAsync(uninstalled, TestPackages.PluginId))!["version"]!.GetValue<string>());
        await OkAsync(uninstalled, "uninstallPlugin", "id: $id, purgeData: true", new { id = TestPackages.PluginId }, "plugin { purgeData }");
        var purged = await StartAsync(modulesA);
        Assert.Null(await InstalledAsync(purged, TestPackages.PluginId));
        Assert.Equal(0, await PluginTablesAsync(purged));
        Assert.Contains("Crm.Modules.Deals", Directory.GetDirectories(modulesA).Select(Path.GetFileName));
    }

    /// <summary>Rows naming <paramref name="type"/> in every table of every module that has an <c>entity_type</c> column, by table.</summary>
    private static async Task<Dictionary<string, long>> RowsNamingAsync(CrmHost host, string type)
    {
        var tables = await host.QueryRowsAsync(host.Engine == Engine.Postgres
            ? "SELECT table_schema || '.' || table_name AS t FROM information_schema.columns WHERE column_name = 'entity_type' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
            : "SELECT m.name AS t FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'entity_type'");
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables.Select(r => (string)r["t"]!))
        {
            counts[table] = Convert.ToInt64((await host.QueryRowsAsync($"SELECT count(*) AS n FROM {table} WHERE entity_type = @p0", type)).Single()["n"], System.Globalization.CultureInfo.InvariantCulture);
        }

        return counts;
    }

    private static async Task<string[]> IntegrationTypesAsync(CrmHost host, string role) =>
        Convert.ToString(Assert.Single(await host.QueryRowsAsync($"SELECT integration_types FROM {host.Table("permissions", "roles")} WHERE name = @p0", role))["integration_types"],
            CultureInfo.InvariantCulture)!.Split(',');

    private static JsonNode Ok(GraphQLResponse response, string field)
    {
        var payload = response.ShouldSucceed().Data![field]!;
        Assert.True(payload["errors"]!.AsArray().Count == 0, $"{field}: {payload["errors"]}");
        return payload;
    }

    [Fact]
    public async Task Uninstalled_with_its_data_no_row_of_any_module_names_its_record_types_and_other_types_keep_theirs()
    {
        _packages.Publish(_packages.Signed());
        var modules = ModulesFolder();
        var host = await StartAsync(modules);
        await TrustAndAddFeedAsync(host);
        await OkAsync(host, "installPlugin", "id: $id", new { id = TestPackages.PluginId }, "plugin { state }");

        // The same rows in other modules for a quote (the plugin's) and a contact (a built-in module's).
        var marker = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var quote = Ok(await host.QueryAsync("mutation($t: String!) { createQuote(input: { title: $t }) { quote { id } errors { code message } } }", new { t = "Purged " + marker }), "createQuote")["quote"]!["id"]!.GetValue<string>();
        var contact = await host.CreateContactAsync(new { name = "Kept " + marker });
        // The contact links to the quote through custom CRM links (one value, and a list with another contact), and an
        // integration's role, made once the plugin is loaded, was given the quote type.
        var other = await host.CreateContactAsync(new { name = "Other " + marker });
        var oneLink = (await host.CreateFieldAsync(new { entityType = "CONTACT", code = $"UF_CRM_PG_ONE_{marker}", type = "CRM", label = "Quote", settings = new { recordTypes = new[] { "QUOTE" } } }))["fieldName"]!.GetValue<string>();
        var manyLinks = (await host.CreateFieldAsync(new { entityType = "CONTACT", code = $"UF_CRM_PG_MANY_{marker}", type = "CRM", label = "Related", multiple = true }))["fieldName"]!.GetValue<string>();
        var twoTypes = (await host.CreateFieldAsync(new { entityType = "CONTACT", code = $"UF_CRM_PG_TWO_{marker}", type = "CRM", label = "Quote or contact", multiple = true,
            settings = new { recordTypes = new[] { "QUOTE", "CONTACT" } } }))["fieldName"]!.GetValue<string>();
        Ok(await host.QueryAsync($"mutation($id: ID!, $input: UpdateContactInput!) {{ updateContact(id: $id, input: $input) {{ errors {{ code message }} }} }}", new
        {
            id = contact,
            input = new Dictionary<string, object?>
            {
                [oneLink] = new { entityType = "QUOTE", id = quote },
                [manyLinks] = new[] { new { entityType = "QUOTE", id = quote }, new { entityType = "CONTACT", id = other } },
                [twoTypes] = new[] { new { entityType = "QUOTE", id = quote }, new { entityType = "CONTACT", id = other } },
            },
        }), "updateContact");
        var integrationRole = $"Integration: Purge {marker}";
        var quoteActivity = "";
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IIntegrationUsers>().EnsureAsync("purge-" + marker.ToLowerInvariant(), "Purge " + marker, CancellationToken.None);
        }

        Assert.Contains("quote", await IntegrationTypesAsync(host, integrationRole));
        foreach (var (type, id, column) in new[] { ("QUOTE", quote, "title"), ("CONTACT", contact, "name") })
        {
            Ok(await host.QueryAsync("mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) { customField { id } errors { code message } } }",
                new { input = new { entityType = type, code = $"UF_CRM_PG_{type}_{marker}", type = "STRING", label = "Tier" } }), "createCustomField");
            Ok(await host.QueryAsync($"mutation($id: ID!) {{ addComment(entityType: {type}, entityId: $id, text: \"Noted\") {{ errors {{ code message }} }} }}", new { id }), "addComment");
            var activity = Ok(await host.QueryAsync("mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { code message } } }",
                new { input = new { typeId = "CALL", subject = "Call about it", bindings = new[] { new { entityType = type, id } } } }), "createActivity")["activity"]!["id"]!.GetValue<string>();
            quoteActivity = type == "QUOTE" ? activity : quoteActivity;
            Ok(await host.QueryAsync("mutation($input: CreateViewInput!) { createView(input: $input) { view { id } errors { code message } } }",
                new { input = new { entityType = type.ToLowerInvariant(), name = "Mine " + marker, columns = new[] { new { field = column } } } }), "createView");
            Ok(await host.QueryAsync("mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } errors { code message } } }",
                new { input = new { name = $"Readers of {type} {marker}", permissions = new[] { new { entityType = type, action = "READ", level = "ALL" } } } }), "createRole");
            Ok(await host.QueryAsync($"mutation($input: AutomationRuleInput!) {{ createAutomationRule(entityType: {type}, input: $input) {{ rule {{ id }} errors {{ code message }} }} }}",
                new { input = new { name = "Noted " + marker, trigger = new { kind = "records.created" }, actions = new[] { new { kind = "timeline.addComment", @params = new { text = "New" } } } } }), "createAutomationRule");
        }

        // The timeline writes its entries from the events, a moment later: waited for, so that the running host writes none after the purge.
        var quotesBefore = await RowsNamingAsync(host, "quote");
        for (var stable = 0; stable < 4; await Task.Delay(500))
        {
            var now = await RowsNamingAsync(host, "quote");
            stable = now.Values.Sum() == quotesBefore.Values.Sum() ? stable + 1 : 0;
            quotesBefore = now;
        }

        var contactsBefore = await RowsNamingAsync(host, "contact");
        string[] written = ["custom_fields_definitions", "timeline_comments", "activities_activity_bindings", "views_views", "permissions_role_permissions", "automation_rules"];
        Assert.All(written, t => Assert.True(quotesBefore.Single(c => c.Key.Replace('.', '_') == t).Value > 0, $"No row of {t} names a quote: {string.Join(", ", quotesBefore)}"));

        await OkAsync(host, "uninstallPlugin", "id: $id, purgeData: true", new { id = TestPackages.PluginId }, "plugin { purgeData }");
        using (var scope = host.Services.CreateScope())
        {
            var recorded = await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().RecordTypePurges.AsNoTracking().Select(p => p.ModuleId + ":" + p.RecordType).ToListAsync();
            // Both of the plugin's types (its fault probe's too), from its assembly, and nothing else.
            Assert.Equal([TestPackages.PluginId + ":fault_probe", TestPackages.PluginId + ":quote"], recorded.Order(StringComparer.Ordinal));
        }

        var purged = await StartAsync(modules);
        Assert.Null(await InstalledAsync(purged, TestPackages.PluginId));
        Assert.Equal(0, await PluginTablesAsync(purged));
        Assert.True(_errors.Entries.IsEmpty, string.Join("\n", _errors.Entries));
        var quotesAfter = await RowsNamingAsync(purged, "quote");
        Assert.True(quotesAfter.Values.All(n => n == 0), $"Rows still name quotes: {string.Join(", ", quotesAfter.Where(c => c.Value > 0))}: "
            + string.Join("; ", (await purged.QueryRowsAsync($"SELECT * FROM {purged.Table("timeline", "entries")} WHERE entity_type = 'quote'")).Select(r => string.Join(", ", r.Select(c => $"{c.Key}={c.Value}")))));
        // The contact's rows are all there (its activity, comment, field, view, right and rule), in every table, but for
        // the link that could point only at quotes: deleted, as an empty list of types would allow any.
        var contactsAfter = await RowsNamingAsync(purged, "contact");
        Assert.All(written, t => Assert.Equal(contactsBefore.Single(c => c.Key.Replace('.', '_') == t).Value - (t == "custom_fields_definitions" ? 1 : 0),
            contactsAfter.Single(c => c.Key.Replace('.', '_') == t).Value));
        var linkFields = (await purged.QueryRowsAsync($"SELECT code, settings FROM {purged.Table("custom_fields", "definitions")} WHERE entity_type = 'contact' AND code IN (@p0, @p1, @p2)",
                $"UF_CRM_PG_ONE_{marker}", $"UF_CRM_PG_MANY_{marker}", $"UF_CRM_PG_TWO_{marker}"))
            .ToDictionary(r => (string)r["code"]!, r => Convert.ToString(r["settings"], CultureInfo.InvariantCulture)!);
        Assert.Equal([$"UF_CRM_PG_MANY_{marker}", $"UF_CRM_PG_TWO_{marker}"], linkFields.Keys.Order(StringComparer.Ordinal));
        Assert.All(linkFields.Values, settings => Assert.DoesNotContain("quote", settings, StringComparison.OrdinalIgnoreCase));
        Assert.Contains("contact", linkFields[$"UF_CRM_PG_TWO_{marker}"], StringComparison.Ordinal);
        Assert.Equal(contact, (await purged.QueryAsync("query($id: ID!) { contact(id: $id) { id } }", new { id = contact })).ShouldSucceed().Data!["contact"]!["id"]!.GetValue<string>());
        // No custom link names a quote any more (the list keeps the other contact), and the contact's history says the links went.
        var links = (await purged.QueryAsync($"query($id: ID!) {{ contact(id: $id) {{ {manyLinks} {{ id }} {twoTypes} {{ id }} }} }}", new { id = contact })).ShouldSucceed().Data!["contact"]!;
        Assert.Equal([other], links[manyLinks]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));
        Assert.Equal([other], links[twoTypes]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));
        var linkTypes = (await purged.QueryAsync($"{{ entityTypes {{ name fields {{ name recordTypes }} }} }}")).ShouldSucceed().Data!["entityTypes"]!.AsArray()
            .Single(t => t!["name"]!.GetValue<string>() == "CONTACT")!["fields"]!.AsArray();
        Assert.DoesNotContain(linkTypes, f => f!["name"]!.GetValue<string>() == oneLink);
        Assert.Equal(["CONTACT"], linkTypes.Single(f => f!["name"]!.GetValue<string>() == twoTypes)!["recordTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Empty(await purged.QueryRowsAsync($"SELECT id FROM {purged.Table("contacts", "contacts")} WHERE CAST(custom_fields AS TEXT) LIKE '%quote:%'"));
        var history = await purged.QueryRowsAsync($"SELECT payload FROM {purged.Table("contacts", "outbox")} WHERE entity_id = @p0 ORDER BY id DESC", long.Parse(contact, CultureInfo.InvariantCulture));
        Assert.Contains(history, r => Convert.ToString(r["payload"], CultureInfo.InvariantCulture)!.Contains(oneLink, StringComparison.Ordinal)
            && Convert.ToString(r["payload"], CultureInfo.InvariantCulture)!.Contains("quote:", StringComparison.Ordinal));
        Assert.DoesNotContain("quote", await IntegrationTypesAsync(purged, integrationRole));
        // The activity bound only to the quote went, with its "deleted" event: its history ends as a delete's does.
        Assert.Single(await purged.QueryRowsAsync($"SELECT id FROM {purged.Table("activities", "outbox")} WHERE entity_type = 'activity' AND entity_id = @p0 AND kind = 'record.deleted'",
            long.Parse(quoteActivity, CultureInfo.InvariantCulture)));

        using (var scope = purged.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            Assert.Empty(await db.RecordTypePurges.AsNoTracking().ToListAsync());
            // Done again (a host stopped midway, or two at once): nothing is left to find, and the pending row goes.
            db.RecordTypePurges.Add(new RecordTypePurge { ModuleId = TestPackages.PluginId, RecordType = "quote", RequestedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
            await purged.Services.GetRequiredService<RecordTypePurgeRunner>().RunAsync(CancellationToken.None);
            Assert.Empty(await db.RecordTypePurges.AsNoTracking().ToListAsync());
        }

        // (Only the tables written here: the timeline's entries about the contact may still be arriving from its events.)
        var contactsAgain = await RowsNamingAsync(purged, "contact");
        Assert.All(written, t => Assert.Equal(contactsAfter.Single(c => c.Key.Replace('.', '_') == t).Value, contactsAgain.Single(c => c.Key.Replace('.', '_') == t).Value));
    }

    [Fact]
    public async Task A_tampered_foreign_or_incompatible_package_or_a_missing_dependency_is_refused_and_nothing_is_installed()
    {
        var (otherKey, _) = PublisherKeys.Generate();
        _packages.Publish(TestPackages.Tampered(_packages.Signed(TestPackages.Manifest("0.3.0")), "lib/Crm.Tests.SamplePlugin.deps.json", "{}"));
        _packages.Publish(_packages.Signed(TestPackages.Manifest("0.4.0"), privateKey: otherKey));
        _packages.Publish(_packages.Signed(TestPackages.Manifest("0.5.0") with { SdkVersionRange = "[2.0.0, 3.0.0)" }));
        _packages.Publish(_packages.Signed(TestPackages.Manifest("0.6.0") with { Dependencies = [new PackageDependency("deals", "[0.1.0, 1.0.0)"), new PackageDependency("acme_missing", "1.0.0")] }));
        _packages.Publish(_packages.Signed(TestPackages.Manifest("0.7.0") with { Dependencies = [new PackageDependency("deals", "[9.0.0, )")] }));
        var modules = ModulesFolder();
        var host = await StartAsync(modules);
        await TrustAndAddFeedAsync(host);

        var tampered = await InstallRefusedAsync(host, "0.3.0");
        Assert.Equal(MarketplaceErrors.PackageRefused, tampered.Code);
        Assert.Contains("changed after it was signed", tampered.Message, StringComparison.Ordinal);

        var foreign = await InstallRefusedAsync(host, "0.4.0");
        Assert.Equal(MarketplaceErrors.PackageRefused, foreign.Code);
        Assert.Contains("not the trusted key's", foreign.Message, StringComparison.Ordinal);

        var sdk = await InstallRefusedAsync(host, "0.5.0");
        Assert.Equal(MarketplaceErrors.SdkMismatch, sdk.Code);
        Assert.Contains("[2.0.0, 3.0.0)", sdk.Message, StringComparison.Ordinal);
        Assert.Contains("0.1.0", sdk.Message, StringComparison.Ordinal);

        var missing = await InstallRefusedAsync(host, "0.6.0");
        Assert.Equal(MarketplaceErrors.MissingDependency, missing.Code);
        Assert.Contains("'acme_missing'", missing.Message, StringComparison.Ordinal);

        var outOfRange = await InstallRefusedAsync(host, "0.7.0");
        Assert.Equal(MarketplaceErrors.MissingDependency, outOfRange.Code);
        Assert.Contains("9.0.0", outOfRange.Message, StringComparison.Ordinal);
        Assert.Contains("this host has 0.1.0", outOfRange.Message, StringComparison.Ordinal);

        Assert.Equal(MarketplaceErrors.NotInFeed, (await InstallRefusedAsync(host, "9.9.9")).Code);
        Assert.Null(await InstalledAsync(host, TestPackages.PluginId));
        Assert.Equal(["Crm.Modules."], Directory.GetDirectories(modules).Select(d => Path.GetFileName(d)![..12]).Distinct());

        // Its manifest.json names another id than its assembly's module: undone, and nothing waits for the restart.
        _packages.Publish(_packages.Signed(TestPackages.Manifest("0.9.0") with { Id = "sample_renamed" }));
        var renamed = await RefusedAsync(host, "installPlugin", "id: $id", new { id = "sample_renamed" });
        Assert.Equal(MarketplaceErrors.LoadRefused, renamed.Code);
        Assert.Contains("'sample_plugin'", renamed.Message, StringComparison.Ordinal);
        Assert.Null(await InstalledAsync(host, "sample_renamed"));
        Assert.DoesNotContain(host.Services.GetRequiredService<Crm.Host.Modules.Runtime.IModuleRuntime>().Modules, m => m.Id == TestPackages.PluginId);

        // Twenty admins installing one plugin at once: one install, nineteen refusals, one folder.
        _packages.Publish(_packages.Signed(TestPackages.Manifest("0.8.0")));
        _errors.Entries.Clear();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            MutateAsync(host, "installPlugin", "id: $id, version: $version", new { id = TestPackages.PluginId, version = "0.8.0" }, "plugin { version }")));
        Assert.Empty(_errors.Entries);
        Assert.Single(results, r => r["errors"]!.AsArray().Count == 0);
        Assert.All(results.Where(r => r["errors"]!.AsArray().Count > 0), r => Assert.Equal(MarketplaceErrors.AlreadyInstalled, r["errors"]![0]!["code"]!.GetValue<string>()));
        var once = (await InstalledAsync(host, TestPackages.PluginId))!;
        Assert.Equal(("0.8.0", "ENABLED"), (once["version"]!.GetValue<string>(), once["state"]!.GetValue<string>()));
        Assert.Single(host.Services.GetRequiredService<Crm.Host.Modules.ModuleCatalog>().All, m => m.Id == TestPackages.PluginId);
        (await host.QueryAsync("{ quotes { totalCount } }")).ShouldSucceed();
        Assert.Single(Directory.GetDirectories(modules), d => Path.GetFileName(d) == TestPackages.Assembly);
        Assert.Empty(Directory.GetDirectories(Path.Combine(modules, PluginFolders.StagingFolderName)));
    }

    [Fact]
    public async Task A_plugin_that_throws_while_it_is_loaded_is_failed_with_the_reason_and_the_host_keeps_answering()
    {
        _packages.Publish(_packages.Signed(faults: new { throwIn = "DataMigration" }));
        var host = await StartAsync(ModulesFolder());
        await TrustAndAddFeedAsync(host);

        var plugin = (await OkAsync(host, "installPlugin", "id: $id", new { id = TestPackages.PluginId }, $"plugin {{ {PluginFields} }}"))["plugin"]!;
        Assert.Equal("FAILED", plugin["state"]!.GetValue<string>());
        Assert.Contains("a data migration of it failed", plugin["reason"]!.GetValue<string>(), StringComparison.Ordinal);

        // Nothing of it registered: its types are not in the schema; the rest of the host answers, and it is listed as failed.
        Assert.Contains("VALIDATION", (await host.QueryAsync("{ quotes { totalCount } }")).ErrorCodes);
        (await host.QueryAsync("{ deals { totalCount } }")).ShouldSucceed();
        Assert.Equal("FAILED", (await InstalledAsync(host, TestPackages.PluginId))!["state"]!.GetValue<string>());
        using var client = host.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task Arguments_ten_times_their_limits_and_bad_feeds_or_keys_are_refused_and_only_admins_may_act()
    {
        var host = await StartAsync(ModulesFolder());
        Assert.Equal("TOO_LONG", (await RefusedAsync(host, "addPluginFeed", "url: $url", new { url = "https://example.com/" + new string('a', 10 * PackageLimits.MaxFeedLength) }, "feed { id }")).Code);
        Assert.Equal("INVALID_VALUE", (await RefusedAsync(host, "addPluginFeed", "url: $url", new { url = "relative/folder" }, "feed { id }")).Code);
        Assert.Equal("INVALID_VALUE", (await RefusedAsync(host, "addPluginFeed", "url: $url", new { url = "https://user:secret@example.com/feed" }, "feed { id }")).Code);
        Assert.Equal("TOO_LONG", (await RefusedAsync(host, "trustPublisher", "publisher: $publisher, publicKey: $key", new { publisher = new string('a', 10 * 30), key = _packages.PublicKey }, "trustedPublisher { publisher }")).Code);
        Assert.Equal("TOO_LONG", (await RefusedAsync(host, "trustPublisher", "publisher: $publisher, publicKey: $key", new { publisher = "acme", key = new string('A', 10 * PackageLimits.MaxPublicKeyLength) }, "trustedPublisher { publisher }")).Code);
        Assert.Equal("INVALID_VALUE", (await RefusedAsync(host, "trustPublisher", "publisher: $publisher, publicKey: $key", new { publisher = "acme", key = "bm90IGEga2V5" }, "trustedPublisher { publisher }")).Code);
        Assert.Equal("INVALID_VALUE", (await RefusedAsync(host, "installPlugin", "id: $id", new { id = "Not An Id" })).Code);

        // Twenty admins trusting one publisher at once end with one row, and the feed limit holds.
        _errors.Entries.Clear();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => OkAsync(host, "trustPublisher", "publisher: $publisher, publicKey: $key", new { publisher = "acme", key = _packages.PublicKey }, "trustedPublisher { publisher }")));
        Assert.Empty(_errors.Entries);
        Assert.Single((await host.QueryAsync("{ marketplace { trustedPublishers { publisher } } }")).ShouldSucceed().Data!["marketplace"]!["trustedPublishers"]!.AsArray());
        // A feed added again is refused as a conflict, which is no error in the log.
        await OkAsync(host, "addPluginFeed", "url: $url", new { url = "https://feeds.example.com/0" }, "feed { id }");
        Assert.Equal("CONFLICT", (await RefusedAsync(host, "addPluginFeed", "url: $url", new { url = "https://feeds.example.com/0" }, "feed { id }")).Code);
        Assert.Empty(_errors.Entries);
        // Ten times the limit of feeds, added at once: exactly the limit is kept, the rest refused.
        var adds = await Task.WhenAll(Enumerable.Range(1, 10 * PackageLimits.MaxFeeds).Select(i => MutateAsync(host, "addPluginFeed", "url: $url", new { url = $"https://feeds.example.com/{i}" }, "feed { id }")));
        Assert.Equal(PackageLimits.MaxFeeds - 1, adds.Count(a => a["errors"]!.AsArray().Count == 0));
        Assert.All(adds.Where(a => a["errors"]!.AsArray().Count > 0), a => Assert.Equal("LIMIT_EXCEEDED", a["errors"]![0]!["code"]!.GetValue<string>()));
        Assert.Equal("LIMIT_EXCEEDED", (await RefusedAsync(host, "addPluginFeed", "url: $url", new { url = "https://feeds.example.com/one-more" }, "feed { id }")).Code);
        var unreachable = (await host.QueryAsync("{ marketplace { feeds { url } } }")).ShouldSucceed().Data!["marketplace"]!["feeds"]!.AsArray();
        Assert.Equal(PackageLimits.MaxFeeds, unreachable.Count);

        var anonymous = await host.QueryAsync("{ marketplace { feeds { url } } }", apiKey: null);
        Assert.NotEmpty(anonymous.Errors);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class MarketplaceOnSqlite() : MarketplaceTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class MarketplaceOnPostgres() : MarketplaceTests(Engine.Postgres);
