using System.Collections.Concurrent;
using System.Text.Json;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Crm.Host.Jobs;

/// <summary>
/// Runs stored jobs on this host: claims queued jobs (and jobs whose host's lease ran out) while it has
/// a free slot (<see cref="JobOptions.MaxConcurrentJobs"/>), runs each with its kind, records the
/// outcome, and deletes files whose retention ended. Woken at once by a job started on this host;
/// otherwise it looks every <see cref="JobOptions.PollInterval"/>.
/// </summary>
internal sealed class JobRunner(
    Modules.Runtime.RuntimePlugins plugins,
    Modules.ModuleCatalog modules,
    IEnumerable<IJobKind> kinds,
    IEnumerable<IJobSaveObserver> observers,
    IOptions<JobOptions> options,
    JobFiles files,
    TimeProvider clock,
    ILogger<JobRunner> logger) : BackgroundService
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentJobs);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentDictionary<long, JobExecution> _running = new();
    private readonly ConcurrentDictionary<Task, bool> _runs = new();
    private readonly IReadOnlyList<IJobSaveObserver> _observers = [.. observers];
    private CancellationToken _stopping = CancellationToken.None;
    private DateTime _lastSweep = DateTime.MinValue;

    /// <summary>
    /// The kind of that name, of a module in service: the host's modules' (the platform's own always), then
    /// those of the plugins loaded at run time. A module disabled starts and runs no job of its kinds until
    /// it is enabled: a stored job of one fails NOT_FOUND when it comes to run, as it would on a host
    /// without the module (waiting instead would hold a runner's slot, or need a state jobs do not have).
    /// </summary>
    public IJobKind? Kind(string name) => kinds.FirstOrDefault(k => k.Name == name && modules.InService(k.GetType()))
        ?? plugins.Loaded.Where(p => p.Module.State == Modules.ModuleState.Loaded).SelectMany(p => p.JobKinds).FirstOrDefault(k => k.Name == name);

    /// <summary>A job was stored on this host: look for work now rather than at the next poll.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Woken already.
            }
        }
    }

    /// <summary>Stops the job's run if it runs on this host (a cancel from another host reaches it with its next heartbeat or save).</summary>
    public void Cancel(long jobId)
    {
        if (_running.TryGetValue(jobId, out var run))
        {
            run.Stop(RunStop.Cancelled);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        if (!options.Value.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await StartDueAsync(stoppingToken);
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogWarning(ex, "Looking for jobs failed; trying again in {Interval}.", options.Value.PollInterval);
            }

            try
            {
                await _wake.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(_runs.Keys);
    }

    /// <summary>Claims and starts jobs while a slot is free and a job is due; returns how many it started.</summary>
    private async Task<int> StartDueAsync(CancellationToken cancellationToken)
    {
        var started = 0;
        while (await _slots.WaitAsync(0, cancellationToken))
        {
            var token = Guid.NewGuid();
            JobRow? job;
            try
            {
                await using var scope = plugins.Scopes.CreateAsyncScope();
                job = await scope.ServiceProvider.GetRequiredService<JobStore>().ClaimAsync(token, options.Value.LeaseDuration, cancellationToken);
            }
            catch
            {
                _slots.Release();
                throw;
            }

            if (job is null)
            {
                _slots.Release();
                return started;
            }

            var run = RunAsync(job, token);
            _runs[run] = true;
            _ = run.ContinueWith(t => _runs.TryRemove(t, out _), TaskScheduler.Default);
            started++;
        }

        return started;
    }

    /// <summary>
    /// Runs every due job on this host until none is left, waiting for each: what tests call instead of
    /// waiting for the poll (they turn the loop off with <c>Jobs:Enabled=false</c>).
    /// </summary>
    public async Task RunDueAsync(CancellationToken cancellationToken = default)
    {
        // A stopping host starts nothing more (its services are going away).
        while (!_stopping.IsCancellationRequested)
        {
            var started = await StartDueAsync(cancellationToken);
            if (started == 0 && _runs.Keys.All(run => run.IsCompleted))
            {
                return;
            }

            await Task.WhenAll(_runs.Keys);
        }
    }

    private async Task RunAsync(JobRow job, Guid token)
    {
        await Task.Yield();
        try
        {
            await using var execution = new JobExecution(job, token, plugins.Scopes, options.Value, clock, files.FolderOf(job.Id), _observers, _stopping);
            _running[job.Id] = execution;
            try
            {
                await RunKindAsync(job, execution);
            }
            finally
            {
                _running.TryRemove(job.Id, out _);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Recording the outcome failed (the database is away): the lease runs out and another run resumes the job.
            logger.LogError(ex, "Job {JobId} ({Kind}): its outcome could not be recorded; it will be resumed.", job.Id, job.Kind);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task RunKindAsync(JobRow job, JobExecution execution)
    {
        var token = execution.Token;
        var retention = clock.GetUtcNow().UtcDateTime + options.Value.FileRetention;
        await using var scope = plugins.Scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<JobStore>();
        if (Kind(job.Kind) is not { } kind)
        {
            await store.EndAsync(job.Id, token, JobState.Failed, ErrorCodes.NotFound, $"No module of this server runs jobs of kind '{job.Kind}'.", retention, CancellationToken.None);
            return;
        }

        try
        {
            using var parameters = JsonDocument.Parse(job.Parameters);
            var result = await kind.RunAsync(execution, parameters.RootElement);
            if (result.FileName is { } file && (Path.GetFileName(file) != file || !File.Exists(Path.Combine(execution.WorkFolder, file))))
            {
                throw new InvalidOperationException($"The job kind '{kind.Name}' named a result file '{file}' that is not in its work folder.");
            }

            retention = clock.GetUtcNow().UtcDateTime + options.Value.FileRetention;
            if (!await store.SucceedAsync(job.Id, token, result, result.FileName is null ? null : retention, CancellationToken.None))
            {
                logger.LogWarning("Job {JobId} ({Kind}) finished after another host took it over; its outcome is that host's.", job.Id, job.Kind);
            }
        }
        catch (OperationCanceledException) when (execution.CancellationToken.IsCancellationRequested)
        {
            switch (execution.Stopped)
            {
                case RunStop.Cancelled:
                    await store.EndAsync(job.Id, token, JobState.Cancelled, null, null, retention, CancellationToken.None);
                    break;
                case RunStop.HostStopping:
                    await store.ReleaseAsync(job.Id, token, CancellationToken.None);
                    break;
                default:
                    logger.LogWarning("Job {JobId} ({Kind}) was taken over by another host; this run stopped.", job.Id, job.Kind);
                    break;
            }
        }
        catch (JobFailedException ex)
        {
            await store.EndAsync(job.Id, token, JobState.Failed, ex.Code, ex.Message, retention, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "Job {JobId} ({Kind}) failed.", job.Id, job.Kind);
            await store.EndAsync(job.Id, token, JobState.Failed, ErrorCodes.Internal, "The job failed on an internal error; the server's log has the details.", retention, CancellationToken.None);
        }
    }

    /// <summary>Deletes the folders of jobs whose retention ended (a hundred a round, at most once a minute).</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (now - _lastSweep < TimeSpan.FromMinutes(1))
        {
            return;
        }

        _lastSweep = now;
        await using var scope = plugins.Scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Data.PlatformDbContext>();
        var due = await db.Jobs.Where(j => j.ResultExpiresAt < now).OrderBy(j => j.ResultExpiresAt).Select(j => j.Id).Take(100).ToListAsync(cancellationToken);
        foreach (var id in due)
        {
            files.Delete(id);
        }

        if (due.Count > 0)
        {
            await db.Jobs.Where(j => due.Contains(j.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.ResultExpiresAt, (DateTime?)null).SetProperty(j => j.ResultFile, (string?)null), cancellationToken);
        }
    }
}
