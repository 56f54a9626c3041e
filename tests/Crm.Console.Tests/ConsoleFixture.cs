using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Microsoft.Playwright;

namespace Crm.Console.Tests;

/// <summary>
/// One real host (in-process on Kestrel, SQLite, a loopback port) and one headless Chromium per
/// test class; each test opens its own browser context (its own storage: a signed-in user of its own).
/// </summary>
public class ConsoleFixture : IAsyncLifetime
{
    /// <summary>The flags without which chromium reaches for the network the machine does not have, or needs a sandbox it cannot make.</summary>
    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private CrmHost? _host;

    /// <summary>The largest upload: small, so that a file ten times larger is cheap to send.</summary>
    public const int MaxUploadBytes = 64 * 1024;

    /// <summary>Where the host keeps uploads and its jobs' files (exports, imports, bulk actions): a folder of this fixture's, removed with it.</summary>
    private readonly string _files = Directory.CreateTempSubdirectory("crm-console-files-").FullName;

    public CrmHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    public Uri BaseAddress => Host.ListeningAddress;

    /// <summary>
    /// Where the tests leave their screenshots: beside the test binaries, or, with
    /// <c>CRM_UPDATE_SCREENSHOTS=1</c>, in <c>host/Crm.Console/screenshots</c>, the ones the README shows
    /// (a plain test run leaves the working tree as it was).
    /// </summary>
    public static string ScreenshotDirectory => Environment.GetEnvironmentVariable("CRM_UPDATE_SCREENSHOTS") == "1"
        ? Path.Combine(TestPostgres.RepositoryRoot(), "host", "Crm.Console", "screenshots")
        : Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Settings of a fixture's own, over the ones every console host has.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            // A browser watches the timeline live: events are delivered and live streams woken as they are written.
            ["Events:WakeUp"] = "true",
            ["Events:PollInterval"] = "00:00:01",
            ["Live:WakeUp"] = "true",
            ["Jobs:FilesPath"] = Path.Combine(_files, "jobs"),
            ["Uploads:FilesPath"] = Path.Combine(_files, "uploads"),
            ["Uploads:MaxFileBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        // Expectations wait as long as actions do (15 s): Playwright's 5 s was too short for the first
        // page of a class while the host tests ran beside the browser tests on 2 cores.
        Assertions.SetDefaultExpectTimeout(15_000);
        _host = await CrmHost.StartListeningAsync(Engine.Sqlite, settings);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    public virtual async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        try
        {
            Directory.Delete(_files, recursive: true);
        }
        catch (IOException)
        {
            // Left to the OS's temp cleaning.
        }
    }

    /// <summary>Debian's chromium (never a browser download): CRM_TEST_CHROMIUM, else /usr/bin/chromium.</summary>
    private static string ChromiumPath()
    {
        var path = Environment.GetEnvironmentVariable("CRM_TEST_CHROMIUM") is { Length: > 0 } given ? given : "/usr/bin/chromium";
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"No chromium at {path}: install Debian's (apt-get install chromium) or set CRM_TEST_CHROMIUM.");
    }

    /// <summary>A new browser context at the host's address, at a desktop width unless told otherwise.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>A person with a password and a role of the given permissions (and the settings right when asked).</summary>
    public async Task<(string Id, string Email)> NewUserAsync(string prefix, object[] permissions, bool canConfigure = false, string language = "en")
    {
        var email = PermissionHelpers.NewEmail(prefix);
        var id = await Host.CreateUserAsync(new { email, password = PermissionHelpers.Password, name = prefix, language });
        var role = await Host.CreateRoleAsync(prefix, permissions, canConfigure);
        (await Host.AssignAsync(role, userId: id)).Ok();
        return (id, email);
    }

    /// <summary>Every action on every built-in type at ALL, as a sales manager has.</summary>
    public static object[] Everything(params string[] types) =>
        [.. types.SelectMany(type => new[] { "READ", "ADD", "UPDATE", "DELETE" }.Select(action => new { entityType = type, action, level = "ALL" }))];

    public static readonly string[] SalesTypes = ["LEAD", "CONTACT", "COMPANY", "DEAL", "ACTIVITY"];

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, $"{name}.png"), FullPage = false });
    }
}
