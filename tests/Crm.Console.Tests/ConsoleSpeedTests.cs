using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Crm.Console.Tests;

/// <summary>A test that runs only when CRM_MEASURE_CONSOLE=1: it takes minutes and measures rather than checks.</summary>
public sealed class MeasurementFactAttribute : FactAttribute
{
    public MeasurementFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CRM_MEASURE_CONSOLE") != "1")
        {
            Skip = "a measurement: run with CRM_MEASURE_CONSOLE=1";
        }
    }
}

/// <summary>
/// The console's speed as the README reports it: the gzipped bundle, time to first paint of the
/// sign-in page, and time to an interactive list of deals on a database of 10,000 (seeded by
/// <c>crm seed</c>), served by the host as it runs (a process of its own), in Chromium's timing.
/// </summary>
[Trait("Engine", "Sqlite")]
[Trait("Category", "Measurement")]
public sealed class ConsoleSpeedTests(ConsoleFixture fixture, ITestOutputHelper output) : IClassFixture<ConsoleFixture>
{
    private const int Deals = 10_000;

    [MeasurementFact]
    public async Task First_paint_and_an_interactive_list_of_10000_deals()
    {
        var webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot", "console");
        long raw = 0, gzipped = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(webRoot, "assets")).Append(Path.Combine(webRoot, "index.html")))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            using var buffer = new MemoryStream();
            await using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                await gzip.WriteAsync(bytes);
            }

            raw += bytes.Length;
            gzipped += buffer.Length;
        }

        output.WriteLine($"bundle: {raw / 1024.0:F1} KiB, gzipped {gzipped / 1024.0:F1} KiB (index.html, JS and CSS)");

        var directory = Directory.CreateTempSubdirectory("crm-console-speed-").FullName;
        var connection = $"Data Source={Path.Combine(directory, "crm.db")}";
        const string key = "console-speed-admin-key-0123456789";
        var settings = new Dictionary<string, string?> { ["Database__Provider"] = "Sqlite", ["ConnectionStrings__Crm"] = connection, ["CRM_ADMIN_API_KEY"] = key, ["Logging__LogLevel__Default"] = "Warning" };
        var seeded = await CrmProcess.RunAsync(CrmProcess.CliAssembly, ["seed", "--companies", "500", "--contacts", "1000", "--deals", Deals.ToString(CultureInfo.InvariantCulture)], settings);
        Assert.True(seeded.ExitCode == 0, seeded.ToString());

        var port = FreePort();
        await using var host = CrmProcess.Start(CrmProcess.HostAssembly, ["--urls", $"http://127.0.0.1:{port}"], settings);
        var address = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient { BaseAddress = address };
        await WaitReadyAsync(http);
        var email = PermissionHelpers.NewEmail("speed");
        await AdminAsync(http, key, "mutation($input: CreateUserInput!) { createUser(input: $input) { errors { message } } }",
            new { input = new { email, password = PermissionHelpers.Password, name = "Speed" } });
        // The bootstrap administrator's rights: a role with every deal right at ALL.
        var role = await AdminAsync(http, key, "mutation($input: CreateRoleInput!) { createRole(input: $input) { role { id } errors { message } } }",
            new { input = new { name = "speed", permissions = ConsoleFixture.Everything("DEAL") } });
        var users = await AdminAsync(http, key, "{ users(first: 200) { id email } }", null);
        var userId = users["users"]!.AsArray().First(u => u!["email"]!.GetValue<string>() == email)!["id"]!.GetValue<string>();
        await AdminAsync(http, key, PermissionHelpers.AssignMutation, new { roleId = role["createRole"]!["role"]!["id"]!.GetValue<string>(), userId });

        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        var paint = await page.EvaluateAsync<double>("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1");
        output.WriteLine($"sign-in page: first contentful paint {paint:F0} ms after navigation start (cold cache)");
        await page.SignInAsync(email);

        // A full load of the list page (warm asset cache, signed in): until 50 rows of deals are shown.
        for (var round = 1; round <= 3; round++)
        {
            await page.GotoAsync("/records/deal");
            await Expect(page.Locator("table tbody tr")).ToHaveCountAsync(50, new() { Timeout = 60_000 });
            var interactive = await page.EvaluateAsync<double>("performance.now()");
            var firstPaint = await page.EvaluateAsync<double>("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1");
            output.WriteLine($"deal list of {Deals} deals, round {round}: first contentful paint {firstPaint:F0} ms, 50 rows shown {interactive:F0} ms after navigation start");
        }

        await context.CloseAsync();
        await host.StopAsync();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitReadyAsync(HttpClient http)
    {
        for (var i = 0; i < 600; i++)
        {
            try
            {
                if ((await http.GetAsync("readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("the host did not get ready");
    }

    private static async Task<JsonNode> AdminAsync(HttpClient http, string key, string query, object? variables)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "graphql") { Content = JsonContent.Create(new { query, variables }) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(body["errors"] is null, body.ToJsonString());
        return body["data"]!;
    }
}
