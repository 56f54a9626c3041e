using Crm.Host.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Jobs;

/// <summary>Tells this host's <c>jobProgress</c> subscribers that a job changed here (a save, an outcome, a cancel).</summary>
internal sealed class JobSignals
{
    public event Action<long>? Changed;

    public void Raise(long jobId) => Changed?.Invoke(jobId);
}

/// <summary>
/// One <c>jobProgress(id:)</c> subscription: the job as it is, then again whenever it changed, until it
/// ends (then the stream completes). A change made on this host wakes it at once; one made on another
/// host is seen at the next <see cref="JobOptions.ProgressPollInterval"/>.
/// </summary>
internal sealed class JobProgressStream(long jobId, IServiceScopeFactory scopes, JobSignals signals, TimeSpan poll) : IObservable<object?>
{
    public IDisposable Subscribe(IObserver<object?> observer)
    {
        var stop = new CancellationTokenSource();
        _ = FollowAsync(observer, stop);
        return new Unsubscriber(stop);
    }

    private async Task FollowAsync(IObserver<object?> observer, CancellationTokenSource stopping)
    {
        using var owned = stopping;
        var stop = stopping.Token;
        using var wake = new SemaphoreSlim(0, 1);
        void OnChanged(long id)
        {
            if (id == jobId && wake.CurrentCount == 0)
            {
                try
                {
                    wake.Release();
                }
                catch (SemaphoreFullException)
                {
                    // Woken already.
                }
            }
        }

        signals.Changed += OnChanged;
        try
        {
            JobRow? last = null;
            while (true)
            {
                JobRow? job;
                await using (var scope = scopes.CreateAsyncScope())
                {
                    job = await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobId, stop);
                }

                if (job is null)
                {
                    observer.OnCompleted();
                    return;
                }

                if (last is null || Differs(last, job))
                {
                    observer.OnNext(job);
                    last = job;
                }

                if (JobRow.IsFinished(job.State))
                {
                    observer.OnCompleted();
                    return;
                }

                await wake.WaitAsync(poll, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The subscriber left.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            observer.OnError(ex);
        }
        finally
        {
            signals.Changed -= OnChanged;
        }
    }

    private static bool Differs(JobRow a, JobRow b) =>
        a.State != b.State || a.Done != b.Done || a.Total != b.Total || a.Counts != b.Counts || a.CancelRequested != b.CancelRequested
        || a.Attempts != b.Attempts || a.ResultFile != b.ResultFile;

    private sealed class Unsubscriber(CancellationTokenSource stop) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The follower ended first (the job ended) and disposed its source.
            }
        }
    }
}
