using System.Globalization;
using Crm.Host.Security;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Live;
using Crm.PluginSdk.Security;
using GraphQL;

namespace Crm.Host.Live;

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
    private readonly Queue<IReadOnlyList<TItem>> _queue = new();
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

    public void Push(IReadOnlyList<TItem> items)
    {
        lock (_queue)
        {
            if (_overflowed)
            {
                return;
            }

            if (_queued + items.Count > options.MaxQueuedItems)
            {
                _overflowed = true;
                _queue.Clear();
            }
            else
            {
                _queue.Enqueue(items);
                _queued += items.Count;
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

                delivered = await DeliverAsync(observer, missed, delivered, cancellationToken);
                cursor = feed.Source.CursorOf(missed[^1]);
            }

            while (true)
            {
                await _pushed.WaitAsync(cancellationToken);
                IReadOnlyList<TItem> items;
                lock (_queue)
                {
                    if (_overflowed)
                    {
                        throw new LiveEndedException(ErrorCodes.LimitExceeded,
                            $"More than {options.MaxQueuedItems} events (Live:MaxQueuedItems) waited for this subscriber: subscribe again with the cursor of the last event received.");
                    }

                    items = _queue.Dequeue();
                    _queued -= items.Count;
                }

                delivered = await DeliverAsync(observer, items, delivered, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Unsubscribed.
        }
        catch (LiveEndedException ended)
        {
            observer.OnError(new ExecutionError(ended.Message) { Code = ended.Code });
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "A subscription to the live source {Signal} failed.", feed.Source.Signal);
            observer.OnError(new ExecutionError("Internal error; the server log has the details.") { Code = ErrorCodes.Internal });
        }
        finally
        {
            feed.Leave(this);
        }
    }

    /// <summary>Sends the items of <paramref name="items"/> after <paramref name="delivered"/> that the subscriber wants and may see; returns the new position.</summary>
    private async Task<long> DeliverAsync(IObserver<object?> observer, IReadOnlyList<TItem> items, long delivered, CancellationToken cancellationToken)
    {
        var source = feed.Source;
        var fresh = items.Where(i => source.CursorOf(i) > delivered).ToList();
        if (fresh.Count == 0)
        {
            return delivered;
        }

        var wantedItems = fresh.Where(wanted).ToList();
        if (wantedItems.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            var actor = scope.ServiceProvider.GetRequiredService<CurrentActor>();
            if (await scope.ServiceProvider.GetRequiredService<BearerAuthenticator>().SignInAsync(authorization, actor, scope.ServiceProvider, cancellationToken) is { } refusal)
            {
                throw new LiveEndedException(ErrorCodes.Unauthenticated, $"The connection's credential is no longer accepted: {refusal.Message}");
            }

            foreach (var item in await source.VisibleAsync(scope.ServiceProvider, wantedItems, cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                observer.OnNext(new LiveEvent(source.CursorOf(item).ToString(CultureInfo.InvariantCulture), item));
            }
        }

        return source.CursorOf(fresh[^1]);
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
