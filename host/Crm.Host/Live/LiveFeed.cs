using System.Collections.Concurrent;
using System.Globalization;
using Crm.PluginSdk.Live;
using Crm.PluginSdk.Security;

namespace Crm.Host.Live;

/// <summary>What a live feed hands its subscribers: each batch it read, in cursor order.</summary>
internal interface ILiveFeedSubscriber<TItem> where TItem : class
{
    /// <summary>Takes a batch without waiting (the feed serves every subscriber in turn).</summary>
    void Push(LiveBatch<TItem> batch);
}

/// <summary>
/// Items read from a live source, each with its one <see cref="LiveEvent"/>: the feed hands the
/// same events to every subscriber, so that those who share a selection and rights share the
/// event's execution and serialisation (see <see cref="LiveExecutionStrategy"/>).
/// </summary>
internal sealed class LiveBatch<TItem> where TItem : class
{
    public LiveBatch(IReadOnlyList<TItem> items, ILiveSource<TItem> source)
    {
        Items = items;
        var events = new LiveEvent[items.Count];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = new LiveEvent(source.CursorOf(items[i]).ToString(CultureInfo.InvariantCulture), items[i]);
        }

        Events = events;
    }

    public IReadOnlyList<TItem> Items { get; }

    /// <summary>The event of each item, in the same order.</summary>
    public IReadOnlyList<LiveEvent> Events { get; }

    /// <summary>
    /// The cursors of the batch's items that subscribers with the same rights (<see cref="LiveSharing.RightsKeyAcrossUsers"/>),
    /// or with one user and rights (<see cref="LiveSharing.RightsKey"/>), may see: asked of the source once per batch
    /// for all of them. Null under the first key when the check read who the subscriber is: then each user's key holds theirs.
    /// </summary>
    public ConcurrentDictionary<string, Lazy<Task<HashSet<long>?>>> Visible { get; } = new(StringComparer.Ordinal);
}

/// <summary>What a feed counts, whatever its items.</summary>
internal interface ILiveFeedCounters
{
    long Checks { get; }

    int Subscribers { get; }
}

/// <summary>
/// The one reader of a live source on this host: woken by its signal or its poll, it reads what
/// came after the last item it saw, once, and hands each batch to every subscriber. It reads only
/// while it has subscribers; the first to join (again) makes it start from the source's end.
/// </summary>
internal sealed class LiveFeed<TItem> : IAsyncDisposable, ILiveFeedCounters where TItem : class
{
    private readonly ILiveSource<TItem> _source;
    private readonly IServiceScopeFactory _scopes;
    private readonly LiveWakeUp _wakeUp;
    private readonly LiveOptions _options;
    private readonly ILogger _logger;
    private readonly Func<bool> _inService;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<ILiveFeedSubscriber<TItem>> _subscribers = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _last;
    private long _checks;

    public LiveFeed(ILiveSource<TItem> source, IServiceScopeFactory scopes, LiveWakeUp wakeUp, LiveOptions options, ILogger logger, Func<bool>? inService = null)
    {
        _inService = inService ?? (() => true);
        _source = source;
        _scopes = scopes;
        _wakeUp = wakeUp;
        _options = options;
        _logger = logger;
        _wakeUp.Register(source.Signal);
    }

    public ILiveSource<TItem> Source => _source;

    /// <summary>Rights checks of batches asked of the source since start (for tests: how much sharing saved).</summary>
    public long Checks => Interlocked.Read(ref _checks);

    /// <summary>The subscribers it serves now.</summary>
    public int Subscribers
    {
        get
        {
            lock (_subscribers)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Asks the source which of <paramref name="items"/> the actor of <paramref name="services"/> may see.</summary>
    public Task<IReadOnlyList<TItem>> VisibleAsync(IServiceProvider services, IReadOnlyList<TItem> items)
    {
        Interlocked.Increment(ref _checks);
        return _source.VisibleAsync(services, items, CancellationToken.None);
    }

    /// <summary>
    /// Adds a subscriber and returns the cursor from which the feed hands it items: every item
    /// after it reaches the subscriber through <see cref="ILiveFeedSubscriber{TItem}.Push"/>.
    /// </summary>
    public async Task<long> JoinAsync(ILiveFeedSubscriber<TItem> subscriber, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            bool idle;
            lock (_subscribers)
            {
                idle = _subscribers.Count == 0;
            }

            if (idle)
            {
                // Idle until now: what it last saw may be long past; a new subscriber starts at the end.
                _last = await ReadAsync((source, services) => source.LastCursorAsync(services, cancellationToken));
            }

            lock (_subscribers)
            {
                _subscribers.Add(subscriber);
            }

            _loop ??= Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
            return _last;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Leave(ILiveFeedSubscriber<TItem> subscriber)
    {
        lock (_subscribers)
        {
            _subscribers.Remove(subscriber);
        }
    }

    /// <summary>Items after <paramref name="after"/>, as the platform reads them (for a subscriber catching up).</summary>
    public Task<IReadOnlyList<TItem>> ReadAfterAsync(long after, CancellationToken cancellationToken) =>
        ReadAsync((source, services) => source.ReadAfterAsync(services, after, _options.BatchSize, cancellationToken));

    private async Task<T> ReadAsync<T>(Func<ILiveSource<TItem>, IServiceProvider, Task<T>> read)
    {
        await using var scope = _scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().ActAsSystem();
        return await read(_source, scope.ServiceProvider);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wakeUp.WaitAsync(_source.Signal, _options.PollInterval, stoppingToken);
                await _gate.WaitAsync(stoppingToken);
                try
                {
                    await ReadNewAsync(stoppingToken);
                }
                finally
                {
                    _gate.Release();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database away, say: subscribers keep their place, and the next poll tries again.
                _logger.LogWarning(ex, "Cannot read the live source {Signal}; trying again at the next poll.", _source.Signal);
            }
        }
    }

    private async Task ReadNewAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ILiveFeedSubscriber<TItem>[] subscribers;
            lock (_subscribers)
            {
                subscribers = [.. _subscribers];
            }

            // Its module disabled: nothing is read, and the place is kept, so that what came meanwhile goes out when it is enabled.
            if (subscribers.Length == 0 || !_inService())
            {
                return;
            }

            var items = await ReadAfterAsync(_last, cancellationToken);
            if (items.Count == 0)
            {
                return;
            }

            _last = _source.CursorOf(items[^1]);
            var batch = new LiveBatch<TItem>(items, _source);
            foreach (var subscriber in subscribers)
            {
                subscriber.Push(batch);
            }

            if (items.Count < _options.BatchSize)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stopping.Dispose();
        _gate.Dispose();
    }
}
