namespace Crm.Modules.Automation.Runs;

/// <summary>
/// Renews a hold in the background at a fixed beat until disposed or until a renewal says the hold is
/// gone (<see cref="Lost"/>). A renewal that fails (a busy database) is tried again at the next beat: a
/// grace holds three. What a run's lease (<see cref="RunLease"/>) and a process's outside step use.
/// </summary>
public sealed class Heartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _beating;
    private volatile bool _lost;

    private Heartbeat(TimeSpan every, TimeProvider clock, Func<CancellationToken, Task<bool>> renew) =>
        _beating = BeatAsync(every, clock, renew, _stop.Token);

    /// <summary>Whether a renewal found the hold gone.</summary>
    public bool Lost => _lost;

    /// <summary>Starts renewing every <paramref name="every"/>; <paramref name="renew"/> returns false when the hold is gone.</summary>
    public static Heartbeat Every(TimeSpan every, TimeProvider clock, Func<CancellationToken, Task<bool>> renew) => new(every, clock, renew);

    public void MarkLost() => _lost = true;

    private async Task BeatAsync(TimeSpan every, TimeProvider clock, Func<CancellationToken, Task<bool>> renew, CancellationToken stop)
    {
        // Beats on a fixed schedule from the start (not from each renewal's end), so a slow renewal or a
        // clock that jumped ahead makes the next beat come sooner, never later.
        var due = clock.GetUtcNow() + every;
        while (!stop.IsCancellationRequested && !_lost)
        {
            try
            {
                var wait = due - clock.GetUtcNow();
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, clock, stop);
                var now = clock.GetUtcNow();
                due = due + every > now ? due + every : now;
                if (!await renew(stop))
                {
                    _lost = true;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Tried again at the next beat.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _beating;
        _stop.Dispose();
    }
}
