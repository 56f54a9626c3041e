using System.Diagnostics;
using Crm.PluginSdk.Modules;

namespace Crm.Modules.Permissions.SignIn;

/// <summary>
/// The host's overall budget for password checks, which each keep a core busy for a good part
/// of a second: at most <see cref="SignInSettings.ConcurrentPasswordChecks"/> run at once and
/// <see cref="SignInSettings.QueuedPasswordChecks"/> wait (without holding a thread); any more
/// are refused at once. So a flood of sign-ins, from however many addresses, leaves the other
/// cores to every other request.
/// </summary>
public sealed class PasswordCheckGate : ISingletonService, IDisposable
{
    private readonly SignInSettings _settings;
    private readonly SignInMetrics _metrics;
    private readonly SemaphoreSlim _running;
    private int _admitted;

    // A moving average of how long one check takes here, for telling refused callers when to retry.
    private long _averageTicks = TimeSpan.FromMilliseconds(500).Ticks;

    public PasswordCheckGate(SignInSettings settings, SignInMetrics metrics)
    {
        _settings = settings;
        _metrics = metrics;
        _running = new SemaphoreSlim(settings.ConcurrentPasswordChecks, settings.ConcurrentPasswordChecks);
    }

    /// <summary>How long a refused caller should wait: the checks running and waiting now, at the average pace.</summary>
    public TimeSpan RetryAfter =>
        TimeSpan.FromTicks(Interlocked.Read(ref _averageTicks) * Math.Max(1, Volatile.Read(ref _admitted)) / _settings.ConcurrentPasswordChecks);

    /// <summary>A turn to check passwords (wait for it, then dispose it), or null when too many wait already.</summary>
    public async Task<Turn?> EnterAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _admitted) > _settings.ConcurrentPasswordChecks + _settings.QueuedPasswordChecks)
        {
            Interlocked.Decrement(ref _admitted);
            return null;
        }

        try
        {
            await _running.WaitAsync(cancellationToken);
        }
        catch
        {
            Interlocked.Decrement(ref _admitted);
            throw;
        }

        return new Turn(this);
    }

    /// <summary>A running slot: the password checks of one sign-in are made through it.</summary>
    public sealed class Turn(PasswordCheckGate gate) : IDisposable
    {
        private bool _disposed;

        public bool Verify(string password, string storedHash) => gate.Measure(() => PasswordHasher.Verify(password, storedHash));

        public string Hash(string password) => gate.Measure(() => PasswordHasher.Hash(password));

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            gate._running.Release();
            Interlocked.Decrement(ref gate._admitted);
        }
    }

    private T Measure<T>(Func<T> check)
    {
        _metrics.ActivePasswordChecks.Add(1);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return check();
        }
        finally
        {
            var took = Stopwatch.GetElapsedTime(started).Ticks;
            _metrics.ActivePasswordChecks.Add(-1);
            _metrics.PasswordChecks.Add(1);
            // One eighth of each new measurement: steady, yet follows a slower or faster machine.
            var average = Interlocked.Read(ref _averageTicks);
            Interlocked.Exchange(ref _averageTicks, average + (took - average) / 8);
        }
    }

    public void Dispose() => _running.Dispose();
}
