using GraphQL.Types;
using GraphQLParser.AST;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Crm.Host.GraphQL;

/// <summary>
/// Documents already parsed (and within <see cref="DocumentLimits"/>), by their text and operation
/// name, each with the schema GraphQL's own validation rules passed it against. Those rules
/// depend on nothing but the document, the operation and the schema, so they need not run again
/// while the schema stays; a swapped schema (a custom field, a module) validates the document
/// anew. What depends on the request — the caller's rights, variables, depth, cost, page sizes,
/// filters, root-field limits — is checked on every request, hit or not.
/// Bounded by <see cref="GraphQLEndpointOptions.DocumentCacheSize"/> characters of text; the least
/// recently used documents leave first.
/// </summary>
public sealed class DocumentCache : IDisposable
{
    private readonly MemoryCache? _cache;
    private readonly long _limit;

    public DocumentCache(IOptions<GraphQLEndpointOptions> options)
    {
        var size = options.Value.DocumentCacheSize;
        _limit = size;
        // Compaction frees a quarter when full: a stream of distinct documents evicts in bulk, not one by one.
        _cache = size <= 0 ? null : new MemoryCache(new MemoryCacheOptions { SizeLimit = size, CompactionPercentage = 0.25, TrackStatistics = true });
    }

    /// <summary>A parsed document; <see cref="IsValidFor"/> says whether GraphQL's rules passed it against a schema.</summary>
    public sealed class Entry(GraphQLDocument document, ISchema? validatedAgainst)
    {
        // Weak: an entry must not keep a schema that was swapped out alive.
        private readonly WeakReference<ISchema>? _validatedAgainst = validatedAgainst is null ? null : new(validatedAgainst);

        public GraphQLDocument Document { get; } = document;

        public bool IsValidFor(ISchema schema) => _validatedAgainst is not null && _validatedAgainst.TryGetTarget(out var validated) && ReferenceEquals(validated, schema);
    }

    private readonly record struct Key(string Query, string? OperationName);

    /// <summary>Documents held now (for tests and diagnosis).</summary>
    public long Count => _cache?.Count ?? 0;

    /// <summary>Characters of the documents held now, at most <see cref="GraphQLEndpointOptions.DocumentCacheSize"/>.</summary>
    public long Size => _cache?.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    public Entry? Find(string query, string? operationName) =>
        _cache is not null && _cache.TryGetValue(new Key(query, operationName), out Entry? entry) ? entry : null;

    /// <summary>Keeps a document that passed GraphQL's validation rules against <paramref name="schema"/>.</summary>
    public void RememberValid(string query, string? operationName, GraphQLDocument document, ISchema schema)
    {
        if (_cache is null)
        {
            return;
        }

        // A document larger than the whole cache is refused by MemoryCache itself. One that does not
        // fit would be refused too while MemoryCache compacts in the background; make room first, so
        // a full cache still keeps what just ran.
        var size = query.Length + (operationName?.Length ?? 0);
        if (size <= _limit && Size + size > _limit)
        {
            _cache.Compact(0.25);
        }

        _cache.Set(new Key(query, operationName), new Entry(document, schema), new MemoryCacheEntryOptions { Size = size });
    }

    public void Dispose() => _cache?.Dispose();
}
