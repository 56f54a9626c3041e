using Crm.PluginSdk.GraphQL;
using GraphQL.Types;

namespace Crm.Host.GraphQL;

/// <summary>
/// Holds the current schema and replaces it whole. A request takes the schema once, when it
/// starts, and keeps it to the end, so a swap never shows a request half of a change.
/// </summary>
public sealed class SchemaProvider
{
    private readonly IServiceProvider rootServices;
    private readonly ILogger<SchemaProvider> logger;

    public SchemaProvider(IServiceProvider rootServices, ILogger<SchemaProvider> logger)
    {
        this.rootServices = rootServices;
        this.logger = logger;
        // Custom field definitions are part of the schema: a new set of them makes a new schema.
        if (rootServices.GetService<Crm.PluginSdk.CustomFields.ICustomFieldCatalog>() is { } catalog)
        {
            catalog.Changed += _ => Rebuild();
        }
    }

    private readonly Lock _rebuildLock = new();
    private ISchema? _current;
    private long _version;

    public ISchema Current => Volatile.Read(ref _current) ?? Rebuild();

    /// <summary>Increases with every swap.</summary>
    public long Version => Interlocked.Read(ref _version);

    private readonly HashSet<System.Reflection.Assembly> _refused = [];

    /// <summary>A module whose part of the schema throws is left out of it, with one log line, as a broken module is at loading.</summary>
    private ISchema ComposeLeavingOutWhatFails()
    {
        while (true)
        {
            try
            {
                return new SchemaComposer(rootServices).Compose(rootServices.GetServices<ISchemaContributor>(), _refused);
            }
            catch (SchemaContributionException ex) when (_refused.Add(ex.Module))
            {
                logger.LogError("Module {Module} refused: its part of the GraphQL schema failed: {Reason}", ex.Module.GetName().Name, ex.Message);
            }
        }
    }

    /// <summary>Composes a new schema from every contributor and swaps it in.</summary>
    public ISchema Rebuild()
    {
        lock (_rebuildLock)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var schema = ComposeLeavingOutWhatFails();
            Volatile.Write(ref _current, schema);
            var version = Interlocked.Increment(ref _version);
            logger.LogInformation("GraphQL schema version {Version} composed in {Elapsed} ms.", version,
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture));
            return schema;
        }
    }
}
