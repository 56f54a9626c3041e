using Crm.Modules.CustomFields.Data;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.CustomFields.Domain;

/// <summary>
/// The definitions in force, read whole into an immutable snapshot. A change made here reloads
/// it at once; a change made by another host is seen when the SDK's versioned-cache poller calls
/// <see cref="RefreshAsync"/>, which compares the stored version with the snapshot's.
/// </summary>
public sealed class CustomFieldCatalog(IServiceProvider rootServices, ILogger<CustomFieldCatalog> logger) : ICustomFieldCatalog, ISingletonService, IVersionedCache
{
    string IVersionedCache.Name => "Custom fields";

    Task IVersionedCache.PrepareAsync(CancellationToken cancellationToken) => ReconcileIndexesAsync(cancellationToken);

    Task IVersionedCache.PollAsync(CancellationToken cancellationToken) => RefreshAsync(cancellationToken);

    private readonly SemaphoreSlim _reload = new(1, 1);
    private CustomFieldSnapshot? _current;

    public event Action<CustomFieldSnapshot>? Changed;

    public CustomFieldSnapshot Current
    {
        get
        {
            if (Volatile.Read(ref _current) is { } current)
            {
                return current;
            }

            // First use, at start-up (the schema is composed from it right after migrations).
            _reload.Wait();
            try
            {
                return _current ??= LoadAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
            finally
            {
                _reload.Release();
            }
        }
    }

    /// <summary>
    /// Reads the stored version; when it differs from the snapshot's, reloads and announces the
    /// change. Returns once the announcement (the schema swap) is done, also when another caller
    /// made it: a mutation answers only after the schema shows its change.
    /// </summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            using var scope = rootServices.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<CustomFieldsDbContext>();
            var version = await db.Versions.AsNoTracking().Select(v => v.Version).SingleAsync(cancellationToken);
            if (_current is not null && _current.Version == version)
            {
                return false;
            }

            var changed = await LoadAsync(cancellationToken);
            Volatile.Write(ref _current, changed);
            logger.LogInformation("Custom fields: version {Version}, {Count} fields.", changed.Version, changed.All.Count());
            Changed?.Invoke(changed);
            return true;
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>
    /// Makes every record type's custom field indexes match the definitions: at start-up, so that
    /// an index whose build was interrupted (or a field created while this host was away) is made.
    /// </summary>
    public async Task ReconcileIndexesAsync(CancellationToken cancellationToken)
    {
        using var scope = rootServices.CreateScope();
        var snapshot = Current;
        foreach (var definition in scope.ServiceProvider.GetRequiredService<IEntityRegistry>().Types.OfType<ICrmEntityDefinition>().Where(d => d.SupportsCustomFields))
        {
            try
            {
                await definition.SyncCustomFieldIndexesAsync(scope.ServiceProvider, snapshot.For(definition.Name), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Another host may be building the same index right now; the next start tries again.
                logger.LogWarning(ex, "Custom fields: could not bring the indexes of {EntityType} up to date.", definition.Name);
            }
        }
    }

    private async Task<CustomFieldSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        using var scope = rootServices.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CustomFieldsDbContext>();
        // One transaction: the version and the definitions belong together.
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var version = await db.Versions.AsNoTracking().Select(v => v.Version).SingleAsync(cancellationToken);
        var definitions = await db.Definitions.AsNoTracking().ToListAsync(cancellationToken);
        return new CustomFieldSnapshot(version, definitions.Select(d => d.ToSpec()));
    }
}
