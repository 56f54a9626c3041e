using Crm.Host.Security;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Live;
using Crm.PluginSdk.Security;
using GraphQL;

namespace Crm.Host.Live;

/// <summary>An observer of live events that waits for each to be executed and sent before the next (see <see cref="LiveExecutionStrategy"/>).</summary>
internal interface ILiveEventObserver : IObserver<object?>
{
    Task OnNextAsync(LiveEvent liveEvent, CancellationToken cancellationToken);

    Task OnErrorAsync(Exception error);
}

/// <summary>
/// One subscriber of a live feed, as GraphQL.NET's source stream. It joins the feed first, so that
/// everything after the feed's cursor reaches it, then catches up on what it missed (from
/// <c>after</c> to the feed's cursor), then delivers what the feed pushes, skipping what it has
/// delivered already: nothing missing, nothing twice. Before each batch it signs the subscriber in
/// again (a revoked key ends the subscription; changed rights apply at once) and sends only the
/// items the source says they may see.
/// </summary>
internal sealed class LiveSubscription<TItem>(
    LiveFeed<TItem> feed,
    long? after,
    Func<TItem, bool> wanted,
    string authorization,
    IServiceScopeFactory scopes,
    LiveOptions options,
    ILogger logger) : IObservable<object?>, ILiveFeedSubscriber<TItem> where TItem : class
{
    private readonly Queue<LiveBatch<TItem>> _queue = new();
    private readonly SemaphoreSlim _pushed = new(0);
    private int _queued;
    private bool _overflowed;
    private int _subscribed;

    public IDisposable Subscribe(IObserver<object?> observer)
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 1)
        {
            throw new InvalidOperationException("A live subscription has one observer.");
        }

        var stop = new CancellationTokenSource();
        _ = Task.Run(() => RunAsync(observer, stop.Token), CancellationToken.None);
        return new Unsubscriber(this, stop);
    }

    public void Push(LiveBatch<TItem> batch)
    {
        lock (_queue)
        {
            if (_overflowed)
            {
                return;
            }

            if (_queued + batch.Items.Count > options.MaxQueuedItems)
            {
                _overflowed = true;
                _queue.Clear();
            }
            else
            {
                _queue.Enqueue(batch);
                _queued += batch.Items.Count;
            }
        }

        _pushed.Release();
    }

    private async Task RunAsync(IObserver<object?> observer, CancellationToken cancellationToken)
    {
        try
        {
            var joined = await feed.JoinAsync(this, cancellationToken);
            var delivered = after ?? joined;
            var caughtUp = 0;
            for (var cursor = delivered; cursor < joined;)
            {
                // Only what came up to the reader's position is missed: later items reach this
                // subscriber through the reader, so they neither count towards the limit nor come twice.
                var missed = (await feed.ReadAfterAsync(cursor, cancellationToken)).Where(i => feed.Source.CursorOf(i) <= joined).ToList();
                if (missed.Count == 0)
                {
                    break;
                }

                caughtUp += missed.Count;
                if (caughtUp > options.MaxCatchUpItems)
                {
                    throw new LiveEndedException(ErrorCodes.LimitExceeded,
                        $"More than {options.MaxCatchUpItems} events (Live:MaxCatchUpItems) came after the cursor given as 'after': read them with a query, then subscribe again from the last.");
                }

                delivered = await DeliverAsync(observer, new LiveBatch<TItem>(missed, feed.Source), delivered, cancellationToken);
                cursor = feed.Source.CursorOf(missed[^1]);
            }

            while (true)
            {
                await _pushed.WaitAsync(cancellationToken);
                LiveBatch<TItem> batch;
                lock (_queue)
                {
                    if (_overflowed)
                    {
                        throw new LiveEndedException(ErrorCodes.LimitExceeded,
                            $"More than {options.MaxQueuedItems} events (Live:MaxQueuedItems) waited for this subscriber: subscribe again with the cursor of the last event received.");
                    }

                    batch = _queue.Dequeue();
                    _queued -= batch.Items.Count;
                }

                delivered = await DeliverAsync(observer, batch, delivered, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Unsubscribed.
        }
        catch (LiveEndedException ended)
        {
            await EndAsync(observer, new ExecutionError(ended.Message) { Code = ended.Code });
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "A subscription to the live source {Signal} failed.", feed.Source.Signal);
            await EndAsync(observer, new ExecutionError("Internal error; the server log has the details.") { Code = ErrorCodes.Internal });
        }
        finally
        {
            feed.Leave(this);
        }
    }

    private static Task EndAsync(IObserver<object?> observer, ExecutionError error)
    {
        if (observer is ILiveEventObserver waiting)
        {
            return waiting.OnErrorAsync(error);
        }

        observer.OnError(error);
        return Task.CompletedTask;
    }

    /// <summary>Sends the items of <paramref name="batch"/> after <paramref name="delivered"/> that the subscriber wants and may see; returns the new position.</summary>
    private async Task<long> DeliverAsync(IObserver<object?> observer, LiveBatch<TItem> batch, long delivered, CancellationToken cancellationToken)
    {
        var source = feed.Source;
        var items = batch.Items;
        var first = 0;
        while (first < items.Count && source.CursorOf(items[first]) <= delivered)
        {
            first++;
        }

        if (first == items.Count)
        {
            return delivered;
        }

        var chosen = new List<int>();
        for (var i = first; i < items.Count; i++)
        {
            if (wanted(items[i]))
            {
                chosen.Add(i);
            }
        }

        if (chosen.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            var actor = scope.ServiceProvider.GetRequiredService<CurrentActor>();
            if (await scope.ServiceProvider.GetRequiredService<BearerAuthenticator>().SignInAsync(authorization, actor, scope.ServiceProvider, cancellationToken) is { } refusal)
            {
                throw new LiveEndedException(ErrorCodes.Unauthenticated, $"The connection's credential is no longer accepted: {refusal.Message}");
            }

            var visible = await VisibleAsync(batch, actor, cancellationToken);
            foreach (var i in chosen)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!visible.Contains(source.CursorOf(items[i])))
                {
                    continue;
                }

                if (observer is ILiveEventObserver waiting)
                {
                    // Waited for: the events of a subscription are executed one after the other, in order.
                    await waiting.OnNextAsync(batch.Events[i], cancellationToken);
                }
                else
                {
                    observer.OnNext(batch.Events[i]);
                }
            }
        }

        return source.CursorOf(items[^1]);
    }

    /// <summary>
    /// The cursors of the batch the subscriber may see with their rights of now, asked once per batch
    /// in a scope of its own (signed in with those rights), so that no subscriber's leaving cuts it
    /// short for the others: for every subscriber with the same rights by value when the check read
    /// nothing of who the subscriber is (<see cref="IdentityReads"/>: no OWN or department level
    /// reached, say), else for every subscriber with the same user and rights.
    /// </summary>
    private async Task<HashSet<long>> VisibleAsync(LiveBatch<TItem> batch, CurrentActor subscriber, CancellationToken cancellationToken)
    {
        var userId = subscriber.UserId!.Value;
        var rights = subscriber.Rights;
        var ownKey = LiveSharing.RightsKey(subscriber);
        var acrossUsers = batch.Visible.GetOrAdd(LiveSharing.RightsKeyAcrossUsers(rights), _ => new Lazy<Task<HashSet<long>?>>(async () =>
        {
            var (visible, identityRead) = await CheckAsync(batch, userId, rights);
            if (!identityRead)
            {
                return visible;
            }

            // Added before the others learn they must look under their own key.
            batch.Visible.TryAdd(ownKey, new Lazy<Task<HashSet<long>?>>(Task.FromResult<HashSet<long>?>(visible)));
            return null;
        }));
        if (await acrossUsers.Value.WaitAsync(cancellationToken) is { } shared)
        {
            return shared;
        }

        var own = batch.Visible.GetOrAdd(ownKey, _ => new Lazy<Task<HashSet<long>?>>(async () => (await CheckAsync(batch, userId, rights)).Visible));
        return (await own.Value.WaitAsync(cancellationToken))!;
    }

    private async Task<(HashSet<long> Visible, bool IdentityRead)> CheckAsync(LiveBatch<TItem> batch, long userId, AccessRights rights)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().SignIn(userId, rights);
        var reads = IdentityReads.Track();
        var visible = await feed.VisibleAsync(scope.ServiceProvider, batch.Items);
        return (visible.Select(feed.Source.CursorOf).ToHashSet(), reads.Any);
    }

    private void Leave() => feed.Leave(this);

    private sealed class LiveEndedException(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }

    private sealed class Unsubscriber(LiveSubscription<TItem> subscription, CancellationTokenSource stop) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                stop.Cancel();
                // Not disposed: the subscriber's work may still be looking at its token.
                subscription.Leave();
            }
        }
    }
}
