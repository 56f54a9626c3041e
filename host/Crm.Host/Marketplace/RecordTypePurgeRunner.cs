using Crm.Host.Data;
using Crm.Host.Modules;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Marketplace;

/// <summary>
/// The second half of an uninstall with purge: once a host's modules are loaded at its start,
/// every <see cref="IRecordTypeDataOwner"/> (modules', plugins' and the host's own) deletes what it
/// holds about the record types of plugins uninstalled with their data (<see cref="RecordTypePurge"/>),
/// then those rows go. <see cref="PluginStartup"/> has dropped the plugin's own tables before.
/// </summary>
/// <remarks>
/// Idempotent: a host stopped midway leaves the rows, and its next start (or another host's)
/// purges again, finding nothing the second time; two hosts starting at once delete the same
/// rows, and the second finds them gone. A type whose plugin is still installed (the uninstall is
/// not applied yet: its row in <c>plugin_installs</c> is there) waits. A type name another
/// module registers now (a plugin installed since, under another id, bringing a type of the same
/// name) is not purged: its rows are that module's now, and cannot be told from the old ones.
/// </remarks>
public sealed class RecordTypePurgeRunner(IServiceProvider services, IEntityRegistry registry, ILogger<RecordTypePurgeRunner> logger)
{
    /// <summary>The longest record type name recorded for a purge (the modules' <c>entity_type</c> columns hold 64).</summary>
    public const int MaxTypeNameLength = 100;

    /// <summary>Purges what is pending; a module whose purge fails is logged and the types stay pending, for the next start.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateSystemScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var pending = await db.RecordTypePurges.AsNoTracking().ToListAsync(cancellationToken);
        if (pending.Count == 0)
        {
            return;
        }

        var installed = (await db.PluginInstalls.AsNoTracking().Select(i => i.ModuleId).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var purgedAny = false;
        foreach (var plugin in pending.GroupBy(p => p.ModuleId).Where(g => !installed.Contains(g.Key)))
        {
            var types = plugin.Select(p => p.RecordType).Where(t => registry.Find(t) is null).ToList();
            foreach (var taken in plugin.Select(p => p.RecordType).Except(types))
            {
                logger.LogWarning("Record type {Type} of the uninstalled plugin {Plugin} is not purged: another module registers it now", taken, plugin.Key);
            }

            purgedAny |= types.Count > 0; // a purge that failed midway may have changed rows too
            if (!await PurgeAsync(scope.ServiceProvider, plugin.Key, types, cancellationToken))
            {
                continue;
            }

            await db.RecordTypePurges.Where(p => p.ModuleId == plugin.Key).ExecuteDeleteAsync(cancellationToken);
        }

        if (purgedAny)
        {
            // What modules keep in memory (custom field definitions, rights) was loaded before the purge changed it:
            // read again now, before the schema is composed, rather than at the first poll.
            foreach (var cache in services.GetServices<Crm.PluginSdk.Modules.IVersionedCache>())
            {
                await cache.PollAsync(cancellationToken);
            }
        }
    }

    private async Task<bool> PurgeAsync(IServiceProvider scope, string plugin, IReadOnlyCollection<string> types, CancellationToken cancellationToken)
    {
        if (types.Count == 0)
        {
            return true;
        }

        var rows = 0;
        var ok = true;
        using var allRights = scope.GetService<CurrentActor>()?.WithAllRights();
        foreach (var owner in scope.GetServices<IRecordTypeDataOwner>())
        {
            try
            {
                rows += await owner.PurgeRecordTypesAsync(scope, types, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                // The others go on; this plugin's types stay pending, and the next start purges again.
                ok = false;
                logger.LogError(ex, "{Owner} could not purge the record types {Types} of the uninstalled plugin {Plugin}; the next start tries again: {Reason}", owner.GetType().Name, string.Join(", ", types), plugin, ex.Message);
            }
        }

        logger.LogInformation("Record types {Types} of the uninstalled plugin {Plugin} purged from the other modules: {Rows} rows", string.Join(", ", types), plugin, rows);
        return ok;
    }
}
