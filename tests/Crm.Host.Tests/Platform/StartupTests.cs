using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Host.Tests.Infrastructure;
using Npgsql;

namespace Crm.Host.Tests.Platform;

/// <summary>
/// The built host, started as a newcomer starts it: on a busy port, with a bad setting, without
/// its database, for the first time and again. A start that fails says why in one line on
/// stderr and exits with 1 (no stack trace, nothing from the background services); one that
/// succeeds says where to open the platform.
/// </summary>
public abstract partial class StartupTests(Engine engine) : IAsyncLifetime
{
    private readonly List<string> _directories = [];
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await NewDatabaseAsync();

    public Task DisposeAsync()
    {
        foreach (var directory in _directories)
        {
            Directory.Delete(directory, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_busy_port_is_one_line_and_exit_code_1_and_the_next_start_still_shows_the_key()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var failed = await CrmProcess.RunAsync(CrmProcess.HostAssembly, ["--urls", $"http://127.0.0.1:{port}"], Settings());

        Assert.True(failed.ExitCode == 1, failed.ToString());
        var line = Assert.Single(Lines(failed.Stderr));
        Assert.Equal($"Crm.Host cannot start: http://127.0.0.1:{port} is already in use: another program (perhaps another Crm.Host) listens there. "
            + "Stop it, or choose another address with --urls http://127.0.0.1:PORT.", line);
        AssertQuiet(failed);

        // The key this start made was never shown: the next start makes one and shows it (and it works).
        var (_, key, _) = await StartAndStopAsync(Settings());
        Assert.NotNull(key);
    }

    [Fact]
    public async Task A_short_admin_key_is_one_line_and_exit_code_1()
    {
        var failed = await CrmProcess.RunAsync(CrmProcess.HostAssembly, ["--urls", "http://127.0.0.1:0"], Settings(("CRM_ADMIN_API_KEY", "too-short")));

        Assert.True(failed.ExitCode == 1, failed.ToString());
        Assert.Equal("Crm.Host cannot start: CRM_ADMIN_API_KEY must be at least 16 characters long (it has 9).", Assert.Single(Lines(failed.Stderr)));
        AssertQuiet(failed);
    }

    [Fact]
    public async Task A_setting_of_the_wrong_type_is_one_line_naming_it()
    {
        var failed = await CrmProcess.RunAsync(CrmProcess.HostAssembly, ["--urls", "http://127.0.0.1:0", "--Limits:MaxDepth=twelve"], Settings());

        Assert.True(failed.ExitCode == 1, failed.ToString());
        Assert.Equal("Crm.Host cannot start: Failed to convert configuration value 'twelve' at 'Limits:MaxDepth' to type 'System.Int32': correct the setting.",
            Assert.Single(Lines(failed.Stderr)));
        AssertQuiet(failed);
    }

    [Fact]
    public async Task A_scripts_limit_that_cannot_work_is_one_line_naming_it()
    {
        var failed = await CrmProcess.RunAsync(CrmProcess.HostAssembly, ["--urls", "http://127.0.0.1:0", "--Scripts:Timeout=00:00:00"], Settings());

        Assert.True(failed.ExitCode == 1, failed.ToString());
        Assert.Contains("Scripts:Timeout must be positive and at most one minute.", Assert.Single(Lines(failed.Stderr)));
        AssertQuiet(failed);
    }

    [Fact]
    public async Task A_database_that_cannot_be_reached_is_one_line_and_exit_code_1()
    {
        string unreachable;
        if (engine == Engine.Postgres)
        {
            // A port that nothing listens on: taken, then given back.
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            unreachable = new NpgsqlConnectionStringBuilder(_connectionString) { Port = port }.ToString();
        }
        else
        {
            // The file is a folder: SQLite cannot open it.
            var folder = NewDirectory();
            unreachable = $"Data Source={folder}";
        }

        var failed = await CrmProcess.RunAsync(CrmProcess.HostAssembly, ["--urls", "http://127.0.0.1:0"], Settings(("ConnectionStrings__Crm", unreachable)));

        Assert.True(failed.ExitCode == 1, failed.ToString());
        var line = Assert.Single(Lines(failed.Stderr));
        Assert.StartsWith("Crm.Host cannot start: the database cannot be reached: ", line, StringComparison.Ordinal);
        Assert.EndsWith("Check Database:Provider and ConnectionStrings:Crm.", line, StringComparison.Ordinal);
        AssertQuiet(failed);
    }

    [Fact]
    public async Task The_first_start_prints_a_ready_to_open_link_with_the_key_and_later_starts_say_how_to_get_one_again()
    {
        var (url, key, first) = await StartAndStopAsync(Settings());

        Assert.NotNull(key);
        Assert.Contains($"Crm.Platform is ready at {url}", first.Stdout, StringComparison.Ordinal);
        Assert.Contains($"      {url}/graphql?apiKey={key}", first.Stdout, StringComparison.Ordinal);

        var (_, noKey, later) = await StartAndStopAsync(Settings());

        Assert.Null(noKey);
        Assert.DoesNotContain(key, later.Stdout, StringComparison.Ordinal);
        Assert.Contains("Lost the administrator's key (it was shown on the first start)? Start the host once with", later.Stdout, StringComparison.Ordinal);
        Assert.Contains("CRM_ADMIN_API_KEY set to a new key of 16 or more characters: it is registered", later.Stdout, StringComparison.Ordinal);

        // Which works: the variable's key is registered and signs in.
        const string recovered = "recovered-admin-key-0123456789";
        var (_, _, withVariable) = await StartAndStopAsync(Settings(("CRM_ADMIN_API_KEY", recovered)), afterStart: url => AssertKeyWorksAsync(url, recovered));
        Assert.Contains($"/graphql?apiKey=<CRM_ADMIN_API_KEY>", withVariable.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(recovered, withVariable.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Starts the host on a port of its choosing, reads what it announces, runs <paramref name="afterStart"/>, stops it as Ctrl+C would.</summary>
    private static async Task<(string Url, string? Key, ProcessResult Output)> StartAndStopAsync(
        IReadOnlyDictionary<string, string?> settings, Func<string, Task>? afterStart = null)
    {
        await using var host = CrmProcess.Start(CrmProcess.HostAssembly, ["--urls", "http://127.0.0.1:0"], settings);
        await host.WaitForOutputAsync("Press Ctrl+C to stop.");
        var announced = host.Stdout;
        var url = ReadyAt().Match(announced) is { Success: true } ready ? ready.Groups["url"].Value : throw new Xunit.Sdk.XunitException($"No address announced:\n{announced}");
        var key = KeyLink().Match(announced) is { Success: true } link ? link.Groups["key"].Value : null;
        if (key is not null)
        {
            Assert.StartsWith($"{url}/graphql?apiKey=", KeyLink().Match(announced).Value.Trim(), StringComparison.Ordinal);
        }

        if (afterStart is not null)
        {
            await afterStart(url);
        }
        else if (key is not null)
        {
            await AssertKeyWorksAsync(url, key);
        }

        var stopped = await host.StopAsync();
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        AssertQuiet(stopped);
        Assert.Empty(stopped.Stderr.Trim());
        return (url, key, stopped);
    }

    private static async Task AssertKeyWorksAsync(string url, string key)
    {
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.PostAsync("/graphql", new StringContent(JsonSerializer.Serialize(new { query = "{ me { id isAdministrator } }" }), Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.OK && body["errors"] is null, body.ToJsonString());
        Assert.True(body["data"]!["me"]!["isAdministrator"]!.GetValue<bool>(), body.ToJsonString());
    }

    /// <summary>No stack trace, no log line of a failure: the background services stopped quietly.</summary>
    private static void AssertQuiet(ProcessResult result)
    {
        var all = result.Stdout + result.Stderr;
        foreach (var noise in new[] { "Exception", "   at ", "fail:", "crit:", "warn:" })
        {
            Assert.False(all.Contains(noise, StringComparison.Ordinal), $"'{noise}' printed:\n{result}");
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private Dictionary<string, string?> Settings(params (string Name, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Database__Provider"] = engine.ToString(),
            ["ConnectionStrings__Crm"] = _connectionString,
        };
        foreach (var (name, value) in more)
        {
            settings[name] = value;
        }

        return settings;
    }

    private async Task<string> NewDatabaseAsync() => engine == Engine.Postgres
        ? await TestPostgres.CreateDatabaseAsync()
        : $"Data Source={Path.Combine(NewDirectory(), "crm.db")}";

    private string NewDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("crm-test-startup-").FullName;
        _directories.Add(directory);
        return directory;
    }

    [GeneratedRegex(@"Crm\.Platform is ready at (?<url>http://\S+)")]
    private static partial Regex ReadyAt();

    [GeneratedRegex(@"\S+/graphql\?apiKey=(?<key>crm_[A-Za-z0-9_-]+)")]
    private static partial Regex KeyLink();
}

[Trait("Engine", "Sqlite")]
public sealed class StartupOnSqlite() : StartupTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class StartupOnPostgres() : StartupTests(Engine.Postgres);
