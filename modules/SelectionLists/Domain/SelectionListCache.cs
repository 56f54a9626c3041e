using Crm.Modules.SelectionLists.Data;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>
/// Every list's items, read once and kept across requests until the lists' version changes: at
/// once for changes made on this host, within <c>SelectionLists:PollInterval</c> for changes made by
/// another (the SDK's versioned-cache poller calls <see cref="PollAsync"/>), as custom field definitions and access rights
/// are kept. A request served from it costs no SQL statement.
/// </summary>
public sealed class SelectionListCache(IServiceScopeFactory scopes, ILogger<SelectionListCache> logger) : ISingletonService, IVersionedCache
{
    string IVersionedCache.Name => "Selection lists";

    private sealed record Snapshot(long Version, IReadOnlyDictionary<string, List<SelectionListItem>> Lists);

    private Snapshot? _current;
    private long _generation;

    /// <summary>The items of every list by list id, in their order. Shared: callers must not change them.</summary>
    public async ValueTask<IReadOnlyDictionary<string, List<SelectionListItem>>> ListsAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _current) is { } current)
        {
            return current.Lists;
        }

        var generation = Interlocked.Read(ref _generation);
        var loaded = await LoadAsync(cancellationToken);
        // Kept only when nothing changed meanwhile, else the next request reads again.
        if (Interlocked.Read(ref _generation) == generation)
        {
            Interlocked.CompareExchange(ref _current, loaded, null);
        }

        return loaded.Lists;
    }

    /// <summary>Forgets the lists: a change was made (on this host) or seen (from another).</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        Volatile.Write(ref _current, null);
    }

    /// <summary>Compares the stored version with the one the kept lists were read at (one SQL statement; none when nothing is kept).</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _current) is not { } current)
        {
            return;
        }

        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SelectionListsDbContext>();
        var stored = await db.Versions.AsNoTracking().Where(v => v.Id == 1).Select(v => v.Version).SingleAsync(cancellationToken);
        // Only the lists compared are dropped: ones read meanwhile (after a change here) may be newer.
        if (stored != current.Version && Interlocked.CompareExchange(ref _current, null, current) == current)
        {
            Interlocked.Increment(ref _generation);
            logger.LogDebug("Selection lists: version {Version} (kept {Kept}); reading them again.", stored, current.Version);
        }
    }

    /// <summary>The items of every list as <paramref name="db"/> sees them (its own uncommitted changes included).</summary>
    public static async Task<Dictionary<string, List<SelectionListItem>>> ReadAsync(SelectionListsDbContext db, CancellationToken cancellationToken)
    {
        var items = await db.Items.AsNoTracking().OrderBy(i => i.EntityId).ThenBy(i => i.Sort).ThenBy(i => i.StatusId).ToListAsync(cancellationToken);
        return items.GroupBy(i => i.EntityId).ToDictionary(g => g.Key, g => g.Select(i => i.ToPublic()).ToList(), StringComparer.Ordinal);
    }

    private async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SelectionListsDbContext>();
        // The version first, then the items, without a transaction of its own (on SQLite one would
        // wait for the write transaction of the very request that asks): items changed in between
        // are kept under the older version, which the next comparison finds outdated.
        var version = await db.Versions.AsNoTracking().Where(v => v.Id == 1).Select(v => v.Version).SingleAsync(cancellationToken);
        return new Snapshot(version, await ReadAsync(db, cancellationToken));
    }
}
