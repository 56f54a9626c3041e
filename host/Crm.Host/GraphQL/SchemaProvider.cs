using Crm.PluginSdk.GraphQL;
using GraphQL.Types;

namespace Crm.Host.GraphQL;

/// <summary>
/// Holds the current schema and replaces it whole. A request takes the schema once, when it
/// starts, and keeps it to the end, so a swap never shows a request half of a change.
/// </summary>
public sealed class SchemaProvider(IServiceProvider rootServices, ILogger<SchemaProvider> logger)
{
    private readonly Lock _rebuildLock = new();
    private ISchema? _current;
    private long _version;

    public ISchema Current => Volatile.Read(ref _current) ?? Rebuild();

    /// <summary>Increases with every swap.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Composes a new schema from every contributor and swaps it in.</summary>
    public ISchema Rebuild()
    {
        lock (_rebuildLock)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var schema = new SchemaComposer(rootServices).Compose(rootServices.GetServices<ISchemaContributor>());
            Volatile.Write(ref _current, schema);
            var version = Interlocked.Increment(ref _version);
            logger.LogInformation("GraphQL schema version {Version} composed in {Elapsed} ms.", version,
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture));
            return schema;
        }
    }
}
