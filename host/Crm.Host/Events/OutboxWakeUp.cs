namespace Crm.Host.Events;

/// <summary>
/// What wakes the dispatcher before its next poll: a commit in this process that wrote events
/// (through <c>CrmDatabaseSession</c>), or a notification from PostgreSQL that another writer did
/// (<see cref="OutboxListener"/>). Wake-ups that come while the dispatcher is busy are kept, and
/// merged: it then looks only at the outboxes they name.
/// </summary>
public sealed class OutboxWakeUp
{
    private readonly Lock _lock = new();
    private HashSet<string> _modules = [];
    private bool _all;
    private TaskCompletionSource _woken = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Events were committed to <paramref name="module"/>'s outbox.</summary>
    public void Wake(string module)
    {
        lock (_lock)
        {
            _modules.Add(module);
            _woken.TrySetResult();
        }
    }

    /// <summary>Events may be waiting in any outbox (a notification that named none, or listening began again after a gap).</summary>
    public void WakeAll()
    {
        lock (_lock)
        {
            _all = true;
            _woken.TrySetResult();
        }
    }

    /// <summary>What woke it since the last call, without waiting: null when nothing did.</summary>
    public Due? Take()
    {
        lock (_lock)
        {
            if (!_woken.Task.IsCompleted)
            {
                return null;
            }

            var due = _all ? Due.Everything : new Due(_modules, Retries: false);
            _modules = [];
            _all = false;
            _woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return due;
        }
    }

    /// <summary>Waits until woken or until <paramref name="poll"/> has passed (then everything is due, as a poll finds it).</summary>
    public async Task<Due> WaitAsync(TimeSpan poll, CancellationToken cancellationToken)
    {
        Task woken;
        lock (_lock)
        {
            woken = _woken.Task;
        }

        // The poll's end, the usual outcome when idle, is awaited without throwing (no exception per poll).
        await woken.WaitAsync(poll, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        if (!woken.IsCompleted)
        {
            WakeAll();
        }

        return Take() ?? Due.Everything;
    }

    /// <summary>The outboxes a round looks at (null: all of them), and whether it tries due retries too.</summary>
    public sealed record Due(IReadOnlySet<string>? Modules, bool Retries)
    {
        public static Due Everything { get; } = new(null, Retries: true);

        public bool Includes(string module) => Modules is null || Modules.Contains(module);

        public Due With(Due? other) => other is null ? this
            : Modules is null || other.Modules is null ? new Due(null, Retries || other.Retries)
            : new Due(Modules.Union(other.Modules).ToHashSet(), Retries || other.Retries);
    }
}
