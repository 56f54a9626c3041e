using Crm.Host.Tests.Quotes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>
/// A host whose modules folder is a test's own (the built-in modules linked, nothing else), so that
/// a plugin can be installed into it without touching the build's folder.
/// </summary>
public sealed class PluginsConsoleFixture : ConsoleFixture
{
    private readonly string _modules = LinkedBuiltInModules();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Modules:Path"] = _modules };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(_modules, recursive: true); // links are removed, not followed
        }
        catch (IOException)
        {
            // Left to the OS's temp cleaning.
        }
    }

    private static string LinkedBuiltInModules()
    {
        var folder = Directory.CreateTempSubdirectory("crm-console-plugins-").FullName;
        foreach (var module in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "modules")))
        {
            Directory.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(module)), module);
        }

        return folder;
    }
}

/// <summary>
/// The Plugins page as an admin uses it: a built-in module disabled (its record type leaves the
/// menu at once) and enabled again, a refusal shown; and the Quotes plugin, signed by its
/// publisher and published to a feed folder, installed from the page once its publisher is trusted.
/// </summary>
[Trait("Engine", "Sqlite")]
[Trait("Category", "Browser")]
public sealed class PluginsTests(PluginsConsoleFixture fixture) : IClassFixture<PluginsConsoleFixture>
{
    [Fact]
    public async Task A_module_disabled_on_the_Plugins_page_leaves_the_menu_and_comes_back_when_enabled()
    {
        var page = await SignedInAdminAsync("Piotr");
        var menu = page.GetByRole(AriaRole.Navigation);
        await Expect(menu.GetByRole(AriaRole.Link, new() { Name = "Leads", Exact = true })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Plugins" }).ClickAsync();
        var installed = page.GetByRole(AriaRole.Table, new() { Name = "Installed modules and plugins" });
        await Expect(Row(installed, "leads")).ToContainTextAsync("Enabled");
        await Expect(Row(installed, "leads")).ToContainTextAsync("Built in");

        // Refused while modules in service depend on it: the API's reason shown.
        await page.GetByRole(AriaRole.Button, new() { Name = "Disable selection_lists" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("depends on it");

        await page.GetByRole(AriaRole.Button, new() { Name = "Disable leads" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("leads is disabled.");
        await Expect(Row(installed, "leads")).ToContainTextAsync("Disabled");
        await Expect(menu.GetByRole(AriaRole.Link, new() { Name = "Leads", Exact = true })).ToHaveCountAsync(0);
        await ConsoleFixture.ScreenshotAsync(page, "admin-plugins");

        await page.GetByRole(AriaRole.Button, new() { Name = "Enable leads" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("leads is enabled.");
        await Expect(menu.GetByRole(AriaRole.Link, new() { Name = "Leads", Exact = true })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_Quotes_plugin_is_installed_from_a_signed_feed_once_its_publisher_is_trusted()
    {
        var feed = await QuotesFeed.PublishedAsync();
        var page = await SignedInAdminAsync("Paulina");
        await page.GotoAsync("/admin/plugins");
        var feeds = page.GetByRole(AriaRole.Form, new() { Name = "Add the feed" });

        // A feed that cannot be read says why; the others still answer.
        var missing = Path.Combine(Path.GetTempPath(), "crm-no-feed-" + Guid.NewGuid().ToString("N"));
        await feeds.GetByLabel("URL or folder").FillAsync(missing);
        await feeds.GetByRole(AriaRole.Button, new() { Name = "Add the feed" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Feeds" })).ToContainTextAsync("Cannot be read");
        await feeds.GetByLabel("URL or folder").FillAsync(feed.Folder);
        await feeds.GetByRole(AriaRole.Button, new() { Name = "Add the feed" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The feed was added.");
        var available = page.GetByRole(AriaRole.Table, new() { Name = "Available from the feeds" });
        await Expect(Row(available, "acme_quotes")).ToContainTextAsync("Acme Quotes");
        await Expect(Row(available, "acme_quotes")).ToContainTextAsync("deals");

        // Not trusted yet: the install is refused with the API's reason.
        await page.GetByRole(AriaRole.Button, new() { Name = "Install Acme Quotes 1.0.0" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Grant and install" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The publisher 'acme' of 'acme_quotes' is not trusted");

        var publishers = page.GetByRole(AriaRole.Form, new() { Name = "Trust the publisher" });
        await publishers.GetByLabel("Publisher").FillAsync("acme");
        await publishers.GetByLabel("Public key (base64)").FillAsync(feed.PublicKey);
        await publishers.GetByRole(AriaRole.Button, new() { Name = "Trust the publisher" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The publisher acme is trusted.");

        // What it asks for is shown before it is installed.
        await page.GetByRole(AriaRole.Button, new() { Name = "Install Acme Quotes 1.0.0" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Install Acme Quotes 1.0.0" });
        await Expect(dialog).ToContainTextAsync("It asks to be granted:");
        await Expect(dialog).ToContainTextAsync("Asks for nothing");
        await Expect(dialog).ToContainTextAsync("selection_lists");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Grant and install" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Acme Quotes is installed: the list below shows its state.");
        var installed = page.GetByRole(AriaRole.Table, new() { Name = "Installed modules and plugins" });
        // Loaded with no restart: enabled at once (its types reach the menu of users with rights on them; this one has none).
        await Expect(Row(installed, "acme_quotes")).ToContainTextAsync("Enabled");
        await Expect(Row(available, "acme_quotes")).ToContainTextAsync("Installed");

        // Uninstalled with its data: the warning says it is for good, and the state what the next start does.
        await page.GetByRole(AriaRole.Button, new() { Name = "Uninstall Acme Quotes" }).ClickAsync();
        var uninstall = page.GetByRole(AriaRole.Dialog, new() { Name = "Uninstall Acme Quotes" });
        await uninstall.GetByLabel("Delete its data too").CheckAsync();
        await Expect(uninstall.GetByRole(AriaRole.Alert)).ToContainTextAsync("cannot be undone");
        await uninstall.GetByRole(AriaRole.Button, new() { Name = "Uninstall" }).ClickAsync();
        await Expect(Row(installed, "acme_quotes")).ToContainTextAsync("uninstall with its data at the next start");
        await page.Context.CloseAsync();
    }

    private static ILocator Row(ILocator table, string id) => table.Locator($"tr[data-plugin=\"{id}\"], tr:has(code:text-is(\"{id}\"))").First;

    private async Task<IPage> SignedInAdminAsync(string name)
    {
        var (_, email) = await fixture.NewUserAsync(name, ConsoleFixture.Everything(ConsoleFixture.SalesTypes), canConfigure: true);
        var page = await fixture.NewPageAsync();
        await page.SignInAsync(email);
        return page;
    }
}
