using System.Globalization;
using Crm.Host.Jobs;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Subscriptions;
using Crm.PluginSdk.Jobs;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Jobs;

/// <summary>
/// The job mechanism: a queued job and a running one are cancelled by their owner; starts in parallel
/// never pass the per-user limit; a job whose host stopped between writing a page and checkpointing it
/// is resumed by another host and its file holds every row exactly once.
/// </summary>
public abstract class JobTests(JobsHost fixture)
{
    private CrmHost Host => fixture.Host;

    private const string Cancel = "mutation($id: ID!) { cancelJob(id: $id) { job { id state cancelRequested } errors { code message path } } }";

    private async Task<(string Id, string Key)> ExporterAsync()
    {
        var role = await Host.CreateRoleAsync("jobs", [new { entityType = "DEAL", action = "READ", level = "ALL" }, new { entityType = "DEAL", action = "EXPORT", level = "ALL" }]);
        var (id, _, key) = await Host.NewUserWithKeyAsync("jobs");
        (await Host.AssignAsync(role, userId: id)).Ok();
        return (id, key);
    }

    [Fact]
    public async Task A_queued_job_is_cancelled_by_its_owner_only_and_never_runs()
    {
        var (_, key) = await ExporterAsync();
        var (_, stranger) = await ExporterAsync();
        var job = await Host.ExportedJobAsync(key, "DEAL", columns: ["title"]);

        Assert.Equal("NOT_FOUND", (await Host.MutateAsync("cancelJob", Cancel, new { id = job }, stranger)).ErrorCode());
        var cancelled = (await Host.MutateAsync("cancelJob", Cancel, new { id = job }, key)).Ok();
        Assert.Equal("CANCELLED", cancelled["job"]!["state"]!.GetValue<string>());
        await Host.RunJobsAsync();

        var after = (await Host.JobAsync(job, key))!;
        Assert.Equal(("CANCELLED", 0), (after["state"]!.GetValue<string>(), after["attempts"]!.GetValue<int>()));
        Assert.Equal("CONFLICT", (await Host.MutateAsync("cancelJob", Cancel, new { id = job }, key)).ErrorCode());
    }

    [Fact]
    public async Task A_running_job_is_cancelled_at_once()
    {
        var kind = Host.Services.GetServices<IJobKind>().OfType<BlockingJob>().Single();
        var job = await StartAsAdminAsync(BlockingJob.KindName);
        var running = Host.RunJobsAsync();
        await kind.Started.Task.WaitAsync(TimeSpan.FromMinutes(1));

        var cancelled = (await Host.MutateAsync("cancelJob", Cancel, new { id = job })).Ok();
        await running.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(cancelled["job"]!["cancelRequested"]!.GetValue<bool>());
        Assert.Equal("CANCELLED", (await Host.JobAsync(job))!["state"]!.GetValue<string>());
    }

    private async Task<string> StartAsAdminAsync(string kind)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().SignIn(1, isAdministrator: true);
        var start = await scope.ServiceProvider.GetRequiredService<IJobs>().StartAsync(kind, new BlockingJob.Parameters("x"), CancellationToken.None);
        Assert.Empty(start.Errors);
        return ((JobRow)start.Job!).Id.ToString(CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Parallel_starts_never_pass_the_unfinished_jobs_limit()
    {
        var (_, key) = await ExporterAsync();

        // Ten times the limit (5), twenty at a time.
        var starts = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Host.ExportAsync(key, "DEAL", columns: ["title"])));

        // Exactly the limit: a count after the insert could refuse every start (each seeing the others).
        var accepted = starts.Count(s => s["job"] is not null);
        Assert.Equal(5, accepted);
        Assert.All(starts.Where(s => s["job"] is null), s => Assert.Equal("LIMIT_EXCEEDED", s.ErrorCode()));
        var mine = (await Host.QueryAsync("{ myJobs(first: 100) { id state } }", apiKey: key)).ShouldSucceed().Data!["myJobs"]!.AsArray();
        Assert.Equal(accepted, mine.Count);
        foreach (var job in mine)
        {
            (await Host.MutateAsync("cancelJob", Cancel, new { id = job!["id"]!.GetValue<string>() }, key)).Ok();
        }
    }

    [Fact]
    public async Task A_job_whose_host_stopped_mid_page_is_resumed_by_another_host_and_writes_every_row_once()
    {
        var marker = Records.NewMarker("resume");
        var (_, key) = await ExporterAsync();
        var titles = Enumerable.Range(0, 14).Select(i => $"{marker} {i:00}").ToList();
        foreach (var title in titles)
        {
            await Host.CreateDealAsync(new { title });
        }

        // The first host writes the labels and two pages, then stops after writing the third page's rows but before its checkpoint.
        var stopper = new StopBeforeSave(saves: 3);
        var first = new CrmHost(fixture.Engine, Host.ConnectionString, JobsHost.SettingsFor(fixture.FilesPath), services: s => s.AddSingleton<IJobSaveObserver>(stopper));
        string job;
        await using (first)
        {
            _ = first.Server;
            job = await first.ExportedJobAsync(key, "DEAL", new { title = new { startsWith = marker } }, ["title"]);
            var running = first.RunJobsAsync();
            await stopper.Stopped.Task.WaitAsync(TimeSpan.FromMinutes(1));
            await first.DisposeAsync();
            await running.WaitAsync(TimeSpan.FromMinutes(1));
        }

        // As if it had died: its lease ran out.
        await Host.QueryRowsAsync($"UPDATE {Host.Table("platform", "jobs")} SET lease_until = @p0 WHERE id = @p1", new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), long.Parse(job, CultureInfo.InvariantCulture));
        Assert.Equal("RUNNING", (await Host.JobAsync(job, key))!["state"]!.GetValue<string>());
        await Host.RunJobsAsync();

        var resumed = (await Host.JobAsync(job, key))!;
        Assert.Equal(("SUCCEEDED", 2), (resumed["state"]!.GetValue<string>(), resumed["attempts"]!.GetValue<int>()));
        var rows = ExportFiles.ReadCsv(await Host.FileOfAsync(job, key));
        Assert.Equal(titles, rows.Skip(1).Select(r => r[0]));
    }

    [Fact]
    public async Task JobProgress_follows_a_job_from_queued_to_its_end_over_WebSocket()
    {
        var marker = Records.NewMarker("progress");
        var (_, key) = await ExporterAsync();
        for (var i = 0; i < 7; i++)
        {
            await Host.CreateDealAsync(new { title = $"{marker} {i}" });
        }

        var job = await Host.ExportedJobAsync(key, "DEAL", new { title = new { startsWith = marker } }, ["title"]);
        await using var socket = await GraphQLSocket.OpenAsync(Host, key);
        await socket.SubscribeAsync("p", "subscription($id: ID!) { jobProgress(id: $id) { state done total } }", new { id = job });
        Assert.Equal("QUEUED", (await socket.NextDataAsync("p"))["jobProgress"]!["state"]!.GetValue<string>());

        await Host.RunJobsAsync();
        var seen = new List<(string State, long Done)>();
        while ((await socket.ReceiveForAsync("p")) is { } message && message["type"]!.GetValue<string>() == "next")
        {
            var progress = message["payload"]!["data"]!["jobProgress"]!;
            seen.Add((progress["state"]!.GetValue<string>(), progress["done"]!.GetValue<long>()));
        }

        Assert.Equal(("SUCCEEDED", 7L), seen[^1]);
        Assert.Equal(seen.Select(s => s.Done).Order(), seen.Select(s => s.Done));
    }

    /// <summary>Holds the <paramref name="saves"/>th save of a run until the run is stopped (its host stopping), so that it is never stored.</summary>
    private sealed class StopBeforeSave(int saves) : IJobSaveObserver
    {
        private int _seen;

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task SavingAsync(long jobId, JobProgress progress, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _seen) == saves)
            {
                Stopped.SetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }
}

/// <summary>A job kind that runs until it is cancelled.</summary>
public sealed class BlockingJob : JobKind<BlockingJob.Parameters>
{
    public const string KindName = "test.block";

    public sealed record Parameters(string Name);

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override string Name => KindName;

    protected override Task<IReadOnlyList<Crm.PluginSdk.GraphQL.UserError>> ValidateAsync(IServiceProvider requestServices, Parameters parameters, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Crm.PluginSdk.GraphQL.UserError>>([]);

    protected override async Task<JobResult> RunAsync(JobContext<Parameters> context)
    {
        Started.TrySetResult();
        await Task.Delay(Timeout.Infinite, context.CancellationToken);
        return JobResult.Empty;
    }
}

/// <summary>A <see cref="JobsHost"/> that also runs <see cref="BlockingJob"/>s.</summary>
public abstract class BlockingJobsHost(Engine engine) : JobsHost(engine)
{
    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IJobKind, BlockingJob>();
}

public sealed class BlockingJobsSqliteHost() : BlockingJobsHost(Engine.Sqlite);

public sealed class BlockingJobsPostgresHost() : BlockingJobsHost(Engine.Postgres);

[Trait("Engine", "Sqlite")]
public sealed class JobsOnSqlite(BlockingJobsSqliteHost fixture) : JobTests(fixture), IClassFixture<BlockingJobsSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class JobsOnPostgres(BlockingJobsPostgresHost fixture) : JobTests(fixture), IClassFixture<BlockingJobsPostgresHost>;
