using Crm.PluginSdk.Data;
using Crm.PluginSdk.Scheduling;
using Microsoft.Extensions.Options;
using Quartz;

namespace Crm.Host.Scheduling;

/// <summary>
/// The platform's <see cref="IWorkScheduler"/> on Quartz: one scheduler per host, on Quartz's ADO.NET
/// store in the platform's database (its tables made by the platform's migrations), clustered on
/// PostgreSQL so that the hosts of a deployment fire each piece of work once and take over the work of
/// a host that died; single-node on SQLite. A piece of work is one Quartz job and trigger, both keyed
/// (group: the handler's full name, name: the module's key), so scheduling again replaces it.
/// The scheduler is built on first use (a module may schedule while the platform starts) and runs
/// from the host's start to its stop.
/// </summary>
public sealed class WorkScheduler(
    IServiceProvider services,
    ScheduledWorkHandlers handlers,
    DatabaseOptions database,
    IOptions<SchedulingOptions> options,
    ILoggerFactory loggers) : IWorkScheduler, IHostedService, IAsyncDisposable
{
    /// <summary>The scheduler's name: every host of a deployment shares it (Quartz's SCHED_NAME), each with its own instance id.</summary>
    public const string SchedulerName = "crm";

    internal const string PayloadKey = "payload";

    private readonly SemaphoreSlim _building = new(1, 1);
    private ISchedulerFactory? _factory;
    private IScheduler? _scheduler;
    private bool _stopped;
    // Made at once: a logger factory disposed with the host's services refuses to make one later.
    private readonly ILogger _log = loggers.CreateLogger<WorkScheduler>();
    // Never disposed: it has no timer, and a late reader of its token must not find it disposed.
    private readonly CancellationTokenSource _stopping = new();
    private Task? _retrying;

    /// <summary>How long a host whose scheduler could not start (a read-only or unreachable database) waits before trying again.</summary>
    public static readonly TimeSpan StartRetryInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long building and starting the scheduler took at this host's start (what scheduling costs a start).</summary>
    public TimeSpan StartCost { get; private set; }

    public async Task ScheduleAsync(string handler, string key, DateTimeOffset dueAt, string payload, CancellationToken cancellationToken)
    {
        Check(handler, key, payload);
        var (job, triggerKey) = Job(handler, key, payload);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(triggerKey)
            .ForJob(job)
            .StartAt(dueAt)
            // Late work (a host down at its time) runs at once, once.
            .WithSchedule(SimpleScheduleBuilder.Create().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        var scheduler = await SchedulerAsync(cancellationToken);
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, cancellationToken);
    }

    public string? CronProblem(string cronExpression)
    {
        try
        {
            _ = CronScheduleBuilder.Create(cronExpression);
            return null;
        }
        catch (FormatException ex)
        {
            return $"'{cronExpression}' is not a Quartz CRON expression: {ex.Message}";
        }
    }

    public async Task ScheduleRecurringAsync(string handler, string key, string cronExpression, string payload, CancellationToken cancellationToken)
    {
        Check(handler, key, payload);
        if (CronProblem(cronExpression) is { } problem)
        {
            throw new ArgumentException(problem, nameof(cronExpression));
        }

        var schedule = CronScheduleBuilder.Create(cronExpression);

        var (job, triggerKey) = Job(handler, key, payload);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(triggerKey)
            .ForJob(job)
            // Firings missed while every host was down run once at once, then the schedule goes on.
            .WithSchedule(schedule.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        var scheduler = await SchedulerAsync(cancellationToken);
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, cancellationToken);
    }

    public async Task<bool> CancelAsync(string handler, string key, CancellationToken cancellationToken)
    {
        Check(handler, key, "");
        var scheduler = await SchedulerAsync(cancellationToken);
        return await scheduler.DeleteJob(new JobKey(key, handler), cancellationToken);
    }

    /// <summary>The next time the work under <paramref name="key"/> is due; null when there is none (tests, diagnostics).</summary>
    public async Task<DateTimeOffset?> NextDueAsync(string handler, string key, CancellationToken cancellationToken)
    {
        var scheduler = await SchedulerAsync(cancellationToken);
        var trigger = await scheduler.GetTrigger(new TriggerKey(key, handler), cancellationToken);
        return trigger?.NextFireTimeUtc;
    }

    private static (IJobDetail Job, TriggerKey Trigger) Job(string handler, string key, string payload)
    {
        var job = JobBuilder.Create<ScheduledWorkJob>()
            .WithIdentity(key, handler)
            // A host that dies while running the work leaves it to another, which runs it again.
            .RequestRecovery()
            .UsingJobData(PayloadKey, payload)
            .Build();
        return (job, new TriggerKey(key, handler));
    }

    private void Check(string handler, string key, string payload)
    {
        if (handlers.Find(handler) is null)
        {
            throw new ArgumentException($"No scheduled work handler is named '{handler}' (moduleId/name, from [ScheduledWorkHandler]).", nameof(handler));
        }

        if (string.IsNullOrEmpty(key) || key.Length > IWorkScheduler.MaxKeyLength)
        {
            throw new ArgumentException($"A scheduled work key must have 1 to {IWorkScheduler.MaxKeyLength} characters (has {key?.Length ?? 0}).", nameof(key));
        }

        if (payload.Length > IWorkScheduler.MaxPayloadLength)
        {
            throw new ArgumentException($"A scheduled work payload must have at most {IWorkScheduler.MaxPayloadLength} characters (has {payload.Length}).", nameof(payload));
        }
    }

    private async Task<IScheduler> SchedulerAsync(CancellationToken cancellationToken)
    {
        if (_scheduler is { } built)
        {
            return built;
        }

        await _building.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_scheduler is null)
            {
                _factory = QuartzSetup.Build(services, database, options.Value, loggers);
                _scheduler = await _factory.GetScheduler(cancellationToken);
            }

            return _scheduler;
        }
        finally
        {
            _building.Release();
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (await TryStartAsync(cancellationToken))
        {
            StartCost = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            services.GetService<Hosting.PlatformInitializer>()?.Phases.Done("scheduler started");
            return;
        }

        // A database that cannot take the scheduler's writes now (read-only, unreachable) must not
        // keep the host from serving what it can: scheduled work waits, and the start is tried again.
        _retrying = Task.Run(() => RetryStartAsync(_stopping.Token), CancellationToken.None);
        services.GetService<Hosting.PlatformInitializer>()?.Phases.Done("scheduler not started yet");
    }

    private async Task<bool> TryStartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var scheduler = await SchedulerAsync(cancellationToken);
            await scheduler.Start(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            _log.LogWarning(ex, "The scheduler could not start ({Reason}): scheduled work waits, and the start is tried again every {Interval}.", ex.Message, StartRetryInterval);
            await DiscardAsync();
            return false;
        }
    }

    /// <summary>Drops a scheduler that failed to start, so that the next try builds a new one.</summary>
    private async Task DiscardAsync()
    {
        await _building.WaitAsync(CancellationToken.None);
        try
        {
            if (_scheduler is { } failed)
            {
                try
                {
                    await failed.Shutdown(waitForJobsToComplete: false, CancellationToken.None);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    _log.LogDebug(ex, "A scheduler that failed to start did not shut down cleanly.");
                }
            }

            _scheduler = null;
            _factory = null;
        }
        finally
        {
            _building.Release();
        }
    }

    private async Task RetryStartAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(StartRetryInterval, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (await TryStartAsync(stopping))
            {
                _log.LogInformation("The scheduler started.");
                return;
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }

        if (_retrying is { } retrying)
        {
            await retrying.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _building.WaitAsync(CancellationToken.None);
        try
        {
            // Once: the host stops it, then disposes it.
            var wasStopped = _stopped;
            _stopped = true;
            if (!wasStopped && _scheduler is { } scheduler)
            {
                try
                {
                    // Work in flight finishes (its handler's transaction commits or rolls back) unless the stop is hurried.
                    await scheduler.Shutdown(waitForJobsToComplete: !cancellationToken.IsCancellationRequested, cancellationToken);
                }
                catch (ObjectDisposedException ex)
                {
                    // Disposed with the host's services rather than stopped by the host: what Quartz
                    // used is gone already, and nothing is left to shut down cleanly.
                    _log.LogDebug(ex, "The scheduler shut down after the services it used.");
                }
            }
        }
        finally
        {
            _building.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(new CancellationToken(canceled: true));
        try
        {
            if (_factory is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
            else if (_factory is IDisposable plain)
            {
                plain.Dispose();
            }
        }
        catch (ObjectDisposedException ex)
        {
            _log.LogDebug(ex, "The scheduler's factory was disposed after the services it used.");
        }
    }
}
