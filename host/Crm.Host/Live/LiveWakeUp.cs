namespace Crm.Host.Live;

/// <summary>
/// What wakes a live source's reader before its poll: PostgreSQL's notification that a writer on
/// any host committed items (<see cref="Events.OutboxListener"/> listens on
/// <see cref="Crm.PluginSdk.Live.LiveSignal.Channel"/> too). A wake-up that comes while the reader is
/// busy is kept for its next wait.
/// </summary>
public sealed class LiveWakeUp
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TaskCompletionSource> _signals = new(StringComparer.Ordinal);

    /// <summary>Items of the source <paramref name="signal"/> were committed. Only sources a reader waits on are kept (so any number of names costs nothing).</summary>
    public void Wake(string signal)
    {
        lock (_lock)
        {
            if (_signals.TryGetValue(signal, out var woken))
            {
                woken.TrySetResult();
            }
        }
    }

    /// <summary>Listening began (again): anything may have been missed.</summary>
    public void WakeAll()
    {
        lock (_lock)
        {
            foreach (var woken in _signals.Values)
            {
                woken.TrySetResult();
            }
        }
    }

    /// <summary>Makes <paramref name="signal"/> a name that is kept; before its reader's first read, so that nothing committed after it is missed.</summary>
    public void Register(string signal)
    {
        lock (_lock)
        {
            _signals.TryAdd(signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    /// <summary>Waits until <paramref name="signal"/> is raised or <paramref name="poll"/> has passed.</summary>
    public async Task WaitAsync(string signal, TimeSpan poll, CancellationToken cancellationToken)
    {
        Task woken;
        lock (_lock)
        {
            if (!_signals.TryGetValue(signal, out var source))
            {
                source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _signals[signal] = source;
            }

            woken = source.Task;
        }

        // The poll's end is the usual outcome when idle: awaited without throwing (a TimeoutException
        // a second per reader showed in every trace and first-chance exception count).
        await woken.WaitAsync(poll, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();

        lock (_lock)
        {
            if (_signals[signal].Task.IsCompleted)
            {
                _signals[signal] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }
}
