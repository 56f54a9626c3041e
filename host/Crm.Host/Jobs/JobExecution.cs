using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using Crm.PluginSdk.Security;

namespace Crm.Host.Jobs;

/// <summary>Why a run stopped before its kind returned.</summary>
internal enum RunStop
{
    None,

    /// <summary>Its owner or an admin cancelled the job.</summary>
    Cancelled,

    /// <summary>Another host holds it now (this host's lease ran out); this run writes nothing more.</summary>
    Lost,

    /// <summary>This host is stopping: the job is left for another host to resume.</summary>
    HostStopping,
}

/// <summary>Sees each save of a run before it is stored (tests stop a host between a page's work and its checkpoint).</summary>
internal interface IJobSaveObserver
{
    Task SavingAsync(long jobId, JobProgress progress, CancellationToken cancellationToken);
}

/// <summary>
/// One run of a claimed job on this host: the kind's <see cref="JobRun"/> (saves fenced by the lease
/// token, the owner's scopes) and the heartbeat that keeps the lease and notices a cancel from another host.
/// </summary>
internal sealed class JobExecution : JobRun, IAsyncDisposable
{
    private readonly JobRow _job;
    private readonly IServiceScopeFactory _scopes;
    private readonly JobOptions _options;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _stop;
    private readonly Task _heartbeat;
    private readonly IReadOnlyList<IJobSaveObserver> _observers;
    private readonly CancellationTokenRegistration _hostStopping;
    private int _stopReason;

    public JobExecution(JobRow job, Guid token, IServiceScopeFactory scopes, JobOptions options, TimeProvider clock, string workFolder, IReadOnlyList<IJobSaveObserver> observers, CancellationToken hostStopping)
    {
        _job = job;
        Token = token;
        _scopes = scopes;
        _options = options;
        _clock = clock;
        _observers = observers;
        WorkFolder = workFolder;
        Directory.CreateDirectory(workFolder);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(hostStopping);
        _hostStopping = hostStopping.Register(() => Stop(RunStop.HostStopping));
        _heartbeat = BeatAsync();
    }

    public Guid Token { get; }

    public RunStop Stopped => (RunStop)Volatile.Read(ref _stopReason);

    public override long JobId => _job.Id;

    public override long OwnerId => _job.OwnerId;

    public override string? Checkpoint => _job.Checkpoint;

    public override CancellationToken CancellationToken => _stop.Token;

    public override string WorkFolder { get; }

    /// <summary>Stops the run for <paramref name="reason"/> (the first reason given is kept).</summary>
    public void Stop(RunStop reason)
    {
        if (Interlocked.CompareExchange(ref _stopReason, (int)reason, (int)RunStop.None) == (int)RunStop.None)
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run is over.
            }
        }
    }

    public override async Task SaveAsync(JobProgress progress, string? checkpoint)
    {
        ArgumentNullException.ThrowIfNull(progress);
        foreach (var observer in _observers)
        {
            await observer.SavingAsync(JobId, progress, _stop.Token);
        }

        _stop.Token.ThrowIfCancellationRequested();
        await using var scope = _scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<JobStore>();
        if (!await store.SaveAsync(JobId, Token, _options.LeaseDuration, progress, checkpoint, _stop.Token))
        {
            Stop(await store.CancelRequestedAsync(JobId, _stop.Token) ? RunStop.Cancelled : RunStop.Lost);
            _stop.Token.ThrowIfCancellationRequested();
        }

        _job.Checkpoint = checkpoint;
    }

    public override async Task<T> AsOwnerAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var scope = _scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var actor = services.GetRequiredService<CurrentActor>();
        // Without a Permissions module every user is an administrator (as for requests).
        var rights = services.GetService<IAccessRightsProvider>() is { } provider
            ? await provider.RightsAsync(OwnerId, _stop.Token)
            : AccessRights.Everything(OwnerId);
        if (rights is null)
        {
            throw new JobFailedException(ErrorCodes.Forbidden, "The job's owner no longer exists or is disabled.");
        }

        actor.SignIn(OwnerId, rights);
        actor.ActingThrough(ActorKind.User, "job");
        return await work(services);
    }

    /// <summary>Renews the lease every third of its duration; stops the run when it is lost or the job was cancelled elsewhere.</summary>
    private async Task BeatAsync()
    {
        var every = _options.LeaseDuration / 3;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, _clock, _stop.Token);
                await using var scope = _scopes.CreateAsyncScope();
                var store = scope.ServiceProvider.GetRequiredService<JobStore>();
                if (!await store.RenewAsync(JobId, Token, _options.LeaseDuration, _stop.Token))
                {
                    Stop(await store.CancelRequestedAsync(JobId, _stop.Token) ? RunStop.Cancelled : RunStop.Lost);
                    return;
                }

                if (await store.CancelRequestedAsync(JobId, _stop.Token))
                {
                    Stop(RunStop.Cancelled);
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return; // the run ended or was stopped
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The database is away: the next beat tries again while the lease has two more thirds.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _heartbeat;
        await _hostStopping.DisposeAsync();
        _stop.Dispose();
    }
}
