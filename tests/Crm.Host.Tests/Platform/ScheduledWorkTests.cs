using System.Collections.Concurrent;
using Crm.Host.Scheduling;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Platform;

/// <summary>A scheduled work handler of the tests: notes each piece of work it runs, and on which host.</summary>
public sealed class ProbeHandler(ProbeHandler.HostTag tag) : IScheduledWorkHandler
{
    public const string Name = "tests/probe";

    /// <summary>Every run, by key, in the order they came; keys are unique per test.</summary>
    public static ConcurrentDictionary<string, ConcurrentQueue<(ScheduledWork Work, string Host)>> Runs { get; } = new();

    public Task HandleAsync(ScheduledWork work, CancellationToken cancellationToken)
    {
        Runs.GetOrAdd(work.Key, _ => new()).Enqueue((work, tag.Name));
        return Task.CompletedTask;
    }

    public static int Count(string key) => Runs.TryGetValue(key, out var runs) ? runs.Count : 0;

    /// <summary>Which host a handler runs on.</summary>
    public sealed record HostTag(string Name);

    /// <summary>Gives a test host the probe handler (as a module's would be found by convention), and its tag.</summary>
    public static Action<IServiceCollection> On(string host) => services =>
    {
        services.AddSingleton(new HostTag(host));
        services.AddScoped<ProbeHandler>();
        services.AddSingleton(new ScheduledWorkHandlerRegistration("tests", Name, typeof(ProbeHandler)));
    };
}

/// <summary>
/// The platform's scheduler (IWorkScheduler on Quartz): work fires once at its time, survives a
/// restart, fires once across two hosts on one PostgreSQL, recurs on CRON until cancelled; its
/// bounds are refused before anything is stored.
/// </summary>
public abstract class ScheduledWorkTests(Engine engine, Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Short waits, so that a host sees work another scheduled within a second.</summary>
    public static readonly IReadOnlyDictionary<string, string?> QuickScheduler = new Dictionary<string, string?>
    {
        ["Scheduling:IdleWaitTime"] = "00:00:01",
        ["Scheduling:ClusterCheckinInterval"] = "00:00:01",
        ["Scheduling:ClusterCheckinMisfireThreshold"] = "00:00:02",
    };

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static string NewKey() => "k-" + Guid.NewGuid().ToString("N");

    /// <summary>A new database that outlives its hosts (a host started by <see cref="CrmHost.StartAsync"/> deletes its SQLite file when disposed).</summary>
    internal static async Task<string> NewDatabaseAsync(Engine engine) => engine == Engine.Postgres
        ? await TestPostgres.CreateDatabaseAsync()
        : $"Data Source={Path.Combine(Directory.CreateTempSubdirectory("crm-test-sqlite-").FullName, "crm.db")}";

    /// <summary>The folder of a SQLite database, which its last host deletes; null on PostgreSQL.</summary>
    internal string? SqliteFolder(string connection) =>
        engine == Engine.Sqlite ? Path.GetDirectoryName(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connection).DataSource) : null;

    private static IWorkScheduler Scheduler(CrmHost host) => host.Services.GetRequiredService<IWorkScheduler>();

    /// <summary>Polls until <paramref name="done"/> holds, failing after <see cref="Patience"/>.</summary>
    internal static async Task EventuallyAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not within {Patience}: {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>The Quartz triggers stored for a key: none once its work ran (or was cancelled).</summary>
    private static async Task<long> StoredTriggersAsync(CrmHost host, string key)
    {
        return await CountAsync(host, $"SELECT COUNT(*) AS n FROM {host.Table("platform", "qrtz_triggers")} WHERE trigger_name = @p0", key);
    }

    internal static async Task<long> CountAsync(CrmHost host, string sql, params object[] parameters) =>
        Convert.ToInt64((await host.QueryRowsAsync(sql, parameters)).Single()["n"], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Work_fires_once_at_its_time_with_its_payload()
    {
        await using var host = await CrmHost.StartAsync(engine, QuickScheduler, ProbeHandler.On("a"));
        output.WriteLine($"The scheduler's start took {host.Services.GetRequiredService<WorkScheduler>().StartCost.TotalMilliseconds:F0} ms.");
        var key = NewKey();
        var due = DateTimeOffset.UtcNow.AddSeconds(1);
        await Scheduler(host).ScheduleAsync(ProbeHandler.Name, key, due, """{"n":1}""", CancellationToken.None);
        Assert.Equal(1, await StoredTriggersAsync(host, key));

        await EventuallyAsync(async () => ProbeHandler.Count(key) > 0 && await StoredTriggersAsync(host, key) == 0, "the work ran and its trigger is gone");
        var (work, _) = Assert.Single(ProbeHandler.Runs[key]);
        Assert.Equal(ProbeHandler.Name, work.Handler);
        Assert.Equal("""{"n":1}""", work.Payload);
        Assert.Equal(1, work.Attempt);
        Assert.Equal(due.ToUnixTimeMilliseconds(), work.DueAt.ToUnixTimeMilliseconds());
    }

    [Theory]
    [InlineData("Scheduling:ThreadCount", "1000", "Scheduling:ThreadCount must be 1 to 100 (is 1000).")]
    [InlineData("Scheduling:IdleWaitTime", "00:00:00.100", "Scheduling:IdleWaitTime must be 1 second to 10 minutes (is 00:00:00.1000000).")]
    public async Task A_setting_that_cannot_work_stops_the_start_naming_it(string setting, string value, string reason)
    {
        var failed = await CrmProcess.RunAsync(CrmProcess.HostAssembly, ["--urls", "http://127.0.0.1:0", $"--{setting}={value}"], new Dictionary<string, string?>
        {
            ["Database__Provider"] = engine.ToString(),
            ["ConnectionStrings__Crm"] = await NewDatabaseAsync(engine),
        });
        Assert.True(failed.ExitCode == 1, failed.ToString());
        Assert.Contains(reason, failed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scheduling_again_replaces_and_cancelling_removes()
    {
        await using var host = await CrmHost.StartAsync(engine, QuickScheduler, ProbeHandler.On("a"));
        var scheduler = Scheduler(host);
        var key = NewKey();
        await scheduler.ScheduleAsync(ProbeHandler.Name, key, DateTimeOffset.UtcNow.AddHours(1), "first", CancellationToken.None);
        await scheduler.ScheduleAsync(ProbeHandler.Name, key, DateTimeOffset.UtcNow.AddHours(2), "second", CancellationToken.None);
        Assert.Equal(1, await StoredTriggersAsync(host, key));

        Assert.True(await scheduler.CancelAsync(ProbeHandler.Name, key, CancellationToken.None));
        Assert.False(await scheduler.CancelAsync(ProbeHandler.Name, key, CancellationToken.None));
        Assert.Equal(0, await StoredTriggersAsync(host, key));
    }

    [Fact]
    public async Task Limits_and_unknown_handlers_are_refused_before_anything_is_stored()
    {
        await using var host = await CrmHost.StartAsync(engine, QuickScheduler, ProbeHandler.On("a"));
        var scheduler = Scheduler(host);
        var due = DateTimeOffset.UtcNow.AddHours(1);
        var longKey = new string('k', IWorkScheduler.MaxKeyLength * 10);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => scheduler.ScheduleAsync(ProbeHandler.Name, longKey, due, "", CancellationToken.None));
        Assert.Contains($"1 to {IWorkScheduler.MaxKeyLength} characters", error.Message);

        var key = NewKey();
        error = await Assert.ThrowsAsync<ArgumentException>(() =>
            scheduler.ScheduleAsync(ProbeHandler.Name, key, due, new string('p', IWorkScheduler.MaxPayloadLength * 10), CancellationToken.None));
        Assert.Contains($"at most {IWorkScheduler.MaxPayloadLength} characters", error.Message);

        error = await Assert.ThrowsAsync<ArgumentException>(() => scheduler.ScheduleAsync("tests/nobody", key, due, "", CancellationToken.None));
        Assert.Contains("'tests/nobody'", error.Message);

        error = await Assert.ThrowsAsync<ArgumentException>(() => scheduler.ScheduleRecurringAsync(ProbeHandler.Name, key, "every minute", "", CancellationToken.None));
        Assert.Contains("CRON", error.Message);
        Assert.Equal(0, await StoredTriggersAsync(host, key));

        // The largest key and payload are taken.
        var largest = new string('k', IWorkScheduler.MaxKeyLength);
        await scheduler.ScheduleAsync(ProbeHandler.Name, largest, due, new string('p', IWorkScheduler.MaxPayloadLength), CancellationToken.None);
        Assert.Equal(1, await StoredTriggersAsync(host, largest));
    }

    [Fact]
    public async Task Recurring_work_fires_on_its_cron_until_cancelled()
    {
        await using var host = await CrmHost.StartAsync(engine, QuickScheduler, ProbeHandler.On("a"));
        var key = NewKey();
        await Scheduler(host).ScheduleRecurringAsync(ProbeHandler.Name, key, "0/1 * * * * ?", "tick", CancellationToken.None);
        await EventuallyAsync(() => Task.FromResult(ProbeHandler.Count(key) >= 2), "two firings");
        Assert.True(await Scheduler(host).CancelAsync(ProbeHandler.Name, key, CancellationToken.None));
        Assert.Equal(0, await StoredTriggersAsync(host, key));
        Assert.All(ProbeHandler.Runs[key], run => Assert.Equal("tick", run.Work.Payload));
        // Each firing is its own due time.
        Assert.Equal(ProbeHandler.Runs[key].Count, ProbeHandler.Runs[key].Select(r => r.Work.DueAt).Distinct().Count());
    }

    [Fact]
    public async Task Work_outlives_its_host_and_fires_once_on_the_next()
    {
        var key = NewKey();
        var connection = await NewDatabaseAsync(engine);
        var first = new CrmHost(engine, connection, QuickScheduler, services: ProbeHandler.On("first"));
        _ = first.Server;
        await Scheduler(first).ScheduleAsync(ProbeHandler.Name, key, DateTimeOffset.UtcNow.AddSeconds(2), "later", CancellationToken.None);
        await first.DisposeAsync();
        Assert.Equal(0, ProbeHandler.Count(key));

        await using var second = new CrmHost(engine, connection, QuickScheduler, SqliteFolder(connection), ProbeHandler.On("second"));
        _ = second.Server;
        await EventuallyAsync(async () => ProbeHandler.Count(key) > 0 && await StoredTriggersAsync(second, key) == 0, "the work ran on the second host");
        var (work, ranOn) = Assert.Single(ProbeHandler.Runs[key]);
        Assert.Equal("second", ranOn);
        Assert.Equal("later", work.Payload);
    }

    [Fact]
    public async Task Work_whose_handler_is_gone_is_dropped_and_the_host_goes_on()
    {
        var key = NewKey();
        var connection = await NewDatabaseAsync(engine);
        var first = new CrmHost(engine, connection, QuickScheduler, services: ProbeHandler.On("first"));
        _ = first.Server;
        await Scheduler(first).ScheduleAsync(ProbeHandler.Name, key, DateTimeOffset.UtcNow.AddSeconds(2), "orphan", CancellationToken.None);
        await first.DisposeAsync();

        // The next host has no such handler (its module was removed).
        await using var second = new CrmHost(engine, connection, QuickScheduler, SqliteFolder(connection));
        _ = second.Server;
        await EventuallyAsync(async () => await StoredTriggersAsync(second, key) == 0, "the orphaned work was dropped");
        Assert.Equal(0, ProbeHandler.Count(key));
        (await second.QueryAsync("{ __typename }")).ShouldSucceed();
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ScheduledWorkTestsOnSqlite(Xunit.Abstractions.ITestOutputHelper output) : ScheduledWorkTests(Engine.Sqlite, output);

[Trait("Engine", "Postgres")]
public sealed class ScheduledWorkTestsOnPostgres(Xunit.Abstractions.ITestOutputHelper output) : ScheduledWorkTests(Engine.Postgres, output)
{
    [Fact]
    public async Task Two_hosts_on_one_database_fire_each_piece_of_work_once()
    {
        await using var a = await CrmHost.StartAsync(Engine.Postgres, QuickScheduler, ProbeHandler.On("a"));
        await using var b = new CrmHost(Engine.Postgres, a.ConnectionString, QuickScheduler, services: ProbeHandler.On("b"));
        _ = b.Server;
        var keys = Enumerable.Range(0, 20).Select(_ => "k-" + Guid.NewGuid().ToString("N")).ToList();
        var due = DateTimeOffset.UtcNow.AddSeconds(2);
        // Half scheduled through each host, all due at once: both hosts compete for them.
        for (var i = 0; i < keys.Count; i++)
        {
            await (i % 2 == 0 ? a : b).Services.GetRequiredService<IWorkScheduler>().ScheduleAsync(ProbeHandler.Name, keys[i], due, i.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
        }

        await EventuallyAsync(async () => keys.All(k => ProbeHandler.Count(k) > 0)
            && await CountAsync(a, "SELECT COUNT(*) AS n FROM platform.qrtz_triggers") == 0, "every piece of work ran");
        Assert.All(keys, k => Assert.Single(ProbeHandler.Runs[k]));
    }
}
