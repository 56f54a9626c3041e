using System.Runtime.ExceptionServices;
using GraphQL.DataLoader;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// Collects the keys that sibling fields ask for and fetches them with one call, the first
/// time any of them is awaited. GraphQL.NET awaits <see cref="IDataLoaderResult"/>s only after
/// every other pending field of the level ran, which is what lets all keys gather first.
/// One instance lives for one request (see <see cref="BatchLoaderScope"/>); results are cached for it.
/// </summary>
public sealed class BatchLoader<TKey, TValue>(Func<IReadOnlyCollection<TKey>, CancellationToken, Task<IReadOnlyDictionary<TKey, TValue>>> fetch)
    where TKey : notnull
{
    private readonly Dictionary<TKey, TValue?> _loaded = [];
    private readonly Dictionary<TKey, ExceptionDispatchInfo> _failed = [];
    private readonly HashSet<TKey> _pending = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public IDataLoaderResult<TValue?> Load(TKey key)
    {
        lock (_pending)
        {
            if (!_loaded.ContainsKey(key) && !_failed.ContainsKey(key))
            {
                _pending.Add(key);
            }
        }

        return new Result(this, key);
    }

    /// <summary>
    /// Takes <paramref name="value"/> (null: known to be absent) as loaded for <paramref name="key"/>,
    /// as if a batch had fetched it: a read that already had it in hand (a reference joined into its
    /// parent's statement) spares the batch its statement.
    /// </summary>
    internal void Prime(TKey key, TValue? value)
    {
        lock (_pending)
        {
            if (!_loaded.ContainsKey(key) && !_failed.ContainsKey(key))
            {
                _loaded[key] = value;
                _pending.Remove(key);
            }
        }
    }

    private async Task<TValue?> GetAsync(TKey key, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            TKey[] batch;
            lock (_pending)
            {
                if (_loaded.TryGetValue(key, out var cached))
                {
                    return cached;
                }

                _failed.GetValueOrDefault(key)?.Throw();

                // A key loaded again while its batch was in flight is pending and cached by now.
                batch = [.. _pending.Where(k => !_loaded.ContainsKey(k))];
                _pending.Clear();
            }

            IReadOnlyDictionary<TKey, TValue> fetched;
            try
            {
                fetched = await fetch(batch, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Every key of the batch fails alike; otherwise the others would read as missing.
                var failure = ExceptionDispatchInfo.Capture(ex);
                lock (_pending)
                {
                    foreach (var k in batch)
                    {
                        _failed[k] = failure;
                    }
                }

                throw;
            }

            lock (_pending)
            {
                foreach (var k in batch)
                {
                    _loaded[k] = fetched.TryGetValue(k, out var value) ? value : default;
                }

                return _loaded.TryGetValue(key, out var result) ? result : default;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed class Result(BatchLoader<TKey, TValue> loader, TKey key) : IDataLoaderResult<TValue?>
    {
        public Task<TValue?> GetResultAsync(CancellationToken cancellationToken = default) => loader.GetAsync(key, cancellationToken);

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }
}

/// <summary>
/// A data-loader result computed from another one's value. When the continuation itself
/// returns a data-loader result, GraphQL.NET defers that one too, so chained loads (link
/// ids, then the linked records) still batch level by level.
/// </summary>
public sealed class ChainedResult<TSource>(IDataLoaderResult<TSource> source, Func<TSource, object?> then) : IDataLoaderResult
{
    public async Task<object?> GetResultAsync(CancellationToken cancellationToken = default) =>
        then(await source.GetResultAsync(cancellationToken));
}

/// <summary>The batch loaders of one request, by name; a scoped service.</summary>
public sealed class BatchLoaderScope
{
    private readonly Dictionary<string, object> _loaders = new(StringComparer.Ordinal);

    public BatchLoader<TKey, TValue> GetOrAdd<TKey, TValue>(string name, Func<IReadOnlyCollection<TKey>, CancellationToken, Task<IReadOnlyDictionary<TKey, TValue>>> fetch)
        where TKey : notnull
    {
        lock (_loaders)
        {
            if (!_loaders.TryGetValue(name, out var loader))
            {
                loader = new BatchLoader<TKey, TValue>(fetch);
                _loaders[name] = loader;
            }

            return (BatchLoader<TKey, TValue>)loader;
        }
    }

    /// <summary>
    /// Forgets every loader and what it loaded. For a scope that outlives one execution (a live
    /// subscription's): each event then reads records as they are now, not as an earlier event
    /// loaded them. A load in flight keeps its loader and completes.
    /// </summary>
    internal void Clear()
    {
        lock (_loaders)
        {
            _loaders.Clear();
        }
    }
}
