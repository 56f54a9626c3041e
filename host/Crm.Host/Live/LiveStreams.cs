using System.Collections.Concurrent;
using Crm.PluginSdk.Live;
using GraphQL;
using Microsoft.Extensions.Options;

namespace Crm.Host.Live;

/// <summary>The credential a WebSocket was opened with, in the scope of each of its operations: subscribers are signed in again with it before each delivery.</summary>
public sealed class LiveSubscriberCredential
{
    /// <summary>The <c>Authorization</c> value (<c>Bearer ...</c>) of the connection; null outside a WebSocket.</summary>
    public string? Authorization { get; set; }
}

/// <summary>
/// The host's side of the SDK's live fields: one <see cref="LiveFeed{TItem}"/> per source (by its
/// signal) for the whole host, and a <see cref="LiveSubscription{TItem}"/> per subscriber.
/// </summary>
internal sealed class LiveStreams(
    Modules.Runtime.RuntimePlugins plugins,
    Modules.ModuleCatalog modules,
    LiveWakeUp wakeUp,
    IOptions<LiveOptions> options,
    ILoggerFactory loggers) : ILiveStreams, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, IAsyncDisposable> _feeds = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<LiveStreams>();

    // Scopes that reach the plugins loaded at run time, asked for each scope: a source of a plugin loaded after the host started reads its own services.
    private readonly IServiceScopeFactory _scopes = new CurrentScopes(plugins);

    /// <summary>The feeds this host reads now (for tests: one per source, whatever the subscribers).</summary>
    public int FeedCount => _feeds.Count;

    /// <summary>Rights checks of batches asked of the sources since start, all feeds together (for tests: how much sharing saved).</summary>
    public long VisibilityChecks => _feeds.Values.OfType<ILiveFeedCounters>().Sum(f => f.Checks);

    /// <summary>The subscribers of all feeds now (for tests: those of an earlier test have left).</summary>
    public int Subscribers => _feeds.Values.OfType<ILiveFeedCounters>().Sum(f => f.Subscribers);

    public IObservable<object?> Open<TItem>(ILiveSource<TItem> source, long? after, Func<TItem, bool> wanted, IResolveFieldContext context) where TItem : class
    {
        var authorization = context.RequestServices?.GetService<LiveSubscriberCredential>()?.Authorization
            ?? throw new ExecutionError("Subscriptions are served over WebSocket only (graphql-transport-ws on /graphql).") { Code = "BAD_REQUEST" };
        // A disabled module's feed reads nothing; its subscribers get what came meanwhile once it is enabled.
        var feed = _feeds.GetOrAdd(source.Signal, _ => new LiveFeed<TItem>(source, _scopes, wakeUp, options.Value, _logger, () => modules.InService(source.GetType()))) as LiveFeed<TItem>
            ?? throw new InvalidOperationException($"Two live sources of different item types share the signal '{source.Signal}'.");
        return new LiveSubscription<TItem>(feed, after, wanted, authorization, _scopes, options.Value, _logger);
    }

    private sealed class CurrentScopes(Modules.Runtime.RuntimePlugins plugins) : IServiceScopeFactory
    {
        public IServiceScope CreateScope() => plugins.Scopes.CreateScope();
    }

    // Registered as itself and as ILiveStreams: the container may dispose it twice.
    public async ValueTask DisposeAsync()
    {
        foreach (var signal in _feeds.Keys)
        {
            if (_feeds.TryRemove(signal, out var feed))
            {
                await feed.DisposeAsync();
            }
        }
    }
}
