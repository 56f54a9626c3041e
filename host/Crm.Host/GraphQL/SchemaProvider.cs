using System.Reflection;
using Crm.Host.Modules;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.GraphQL;
using GraphQL.Types;

namespace Crm.Host.GraphQL;

/// <summary>
/// Holds the current schema and replaces it whole. A request takes the schema once, when it
/// starts, and keeps it to the end, so a swap never shows a request half of a change. The schema
/// is composed from the modules in service: when one leaves service (a fault at run time), the
/// next request gets a schema without it.
/// </summary>
public sealed class SchemaProvider
{
    private readonly IServiceProvider rootServices;
    private readonly ModuleCatalog modules;
    private readonly ILogger<SchemaProvider> logger;

    public SchemaProvider(IServiceProvider rootServices, ModuleCatalog modules, ILogger<SchemaProvider> logger)
    {
        this.rootServices = rootServices;
        this.modules = modules;
        this.logger = logger;
        // Custom field definitions are part of the schema: a new set of them makes a new schema.
        if (rootServices.GetService<ICustomFieldCatalog>() is { } catalog)
        {
            catalog.Changed += _ => Rebuild();
        }
    }

    private sealed record Composed(ISchema Schema, long ModulesVersion);

    private readonly Lock _rebuildLock = new();
    private Composed? _current;
    private long _version;

    public ISchema Current => Volatile.Read(ref _current) is { } current && current.ModulesVersion == modules.Version ? current.Schema : Rebuild();

    /// <summary>Increases with every swap.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Parts from outside any module (a test's contributor, say) that failed: left out, as a module's would be.</summary>
    private readonly HashSet<Assembly> _failedParts = [];

    /// <summary>Composes a new schema from every contributor and swaps it in.</summary>
    public ISchema Rebuild()
    {
        lock (_rebuildLock)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var composed = ComposeLeavingOutWhatFails();
            Volatile.Write(ref _current, composed);
            var version = Interlocked.Increment(ref _version);
            logger.LogInformation("GraphQL schema version {Version} composed in {Elapsed} ms.", version,
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture));
            return composed.Schema;
        }
    }

    /// <summary>
    /// A module whose part of the schema throws (a contributor, a record type, or a name that makes
    /// the whole schema invalid) fails, with one log line, and the schema is composed without it.
    /// </summary>
    private Composed ComposeLeavingOutWhatFails()
    {
        while (true)
        {
            var version = modules.Version;
            var failure = TryCompose([], out var schema);
            if (failure is null)
            {
                if (modules.Version == version)
                {
                    return new Composed(schema!, version);
                }

                continue; // a part of a module could not be made and failed it: its other parts go too
            }

            if (failure is SchemaContributionException part && modules.OwnerOf(part.Module) is null && _failedParts.Add(part.Module))
            {
                logger.LogError("A part of the GraphQL schema from {Assembly} failed and is left out: {Reason}", part.Module.GetName().Name, failure.Message);
                continue;
            }

            FailTheModuleThatBreaksIt(failure);
        }
    }

    /// <summary>
    /// Which module breaks the schema is found by composing with the modules in service in load
    /// order, one more each time: the first whose part fails the composition is the one (two modules
    /// claiming one name: the second). A failure that names a module is not trusted to be its fault:
    /// the module it names may be the first of two claiming one name.
    /// </summary>
    private void FailTheModuleThatBreaksIt(Exception failure)
    {
        var inService = modules.Loaded;
        for (var count = 0; count <= inService.Count; count++)
        {
            if (TryCompose(inService.Skip(count), out _) is { } found)
            {
                if (count == 0)
                {
                    throw new InvalidOperationException("The host's own part of the GraphQL schema fails.", found);
                }

                var culprit = inService[count - 1];
                var reason = found is SchemaContributionException ? found.Message : ModuleCatalog.Describe(found);
                modules.Fail(culprit, $"its part of the GraphQL schema failed: {reason}", found.InnerException ?? found, logger);
                return;
            }
        }

        throw new InvalidOperationException("The GraphQL schema fails to compose with every module in service, but not with each added in turn.", failure);
    }

    /// <summary>
    /// The custom field definitions the schema shows: the catalog's current ones, or none with
    /// <c>GraphQL:CustomFields=false</c> (the committed schema, <c>crm schema export</c>, is the
    /// platform's own, without any database's custom fields).
    /// </summary>
    private CustomFieldSnapshot CustomFieldsToShow() =>
        rootServices.GetService<IConfiguration>()?["GraphQL:CustomFields"] is "false"
            ? CustomFieldSnapshot.Empty
            : rootServices.GetService<ICustomFieldCatalog>()?.Current ?? CustomFieldSnapshot.Empty;

    /// <summary>Composes without <paramref name="leftOut"/> (and what is out of service); returns what failed, or null.</summary>
    private Exception? TryCompose(IEnumerable<ModuleEntry> leftOut, out ISchema? schema)
    {
        var excluded = new HashSet<Assembly>(_failedParts);
        excluded.UnionWith(modules.AssembliesOutOfService());
        excluded.UnionWith(leftOut.Select(m => m.Assembly!));
        try
        {
            // The plugins loaded at run time add their contributors, and their services stand behind the host's.
            var plugins = rootServices.GetService<Modules.Runtime.RuntimePlugins>();
            var loaded = plugins?.Loaded ?? [];
            var contributors = rootServices.GetServices<ISchemaContributor>().Concat(loaded.SelectMany(p => p.Services.GetServices<ISchemaContributor>()));
            schema = new SchemaComposer(plugins?.Root ?? rootServices, CustomFieldsToShow()).Compose(contributors, excluded);
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            schema = null;
            return ex;
        }
    }
}
