using Crm.Modules.Duplicates.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Duplicates.Keys;

/// <summary>
/// Once the host has started, in the background as the system: the keys of each record type with
/// rules whose keys were never built by the current <see cref="MatchKeys.RulesVersion"/> (the module
/// is new to the database, a plugin's type is new, or the rules changed) are built from its whole
/// table, a page at a time; from then on every write keeps them (<see cref="KeyWriter"/>). Records
/// written around the platform (the seed command, SQL) get keys when their type's row leaves
/// <c>keys_built</c> and a host starts. Not a start-up task: those run in one transaction, which on
/// SQLite holds the write lock that the reads of records (through other connections) would wait for.
/// </summary>
/// <remarks>
/// Each page is one transaction that locks its records (as an update would), reads them again and
/// replaces their keys: a write of one of them waits for it or went before it, and two hosts
/// building at once take turns per page.
/// </remarks>
internal sealed class KeyBackfill(IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, ILogger<KeyBackfill> logger) : BackgroundService
{
    /// <summary>Limits:MaxPageSize by default: a list refuses more.</summary>
    private const int PageSize = 200;

    private static readonly ListArguments EveryRecord = new(null, null, null, null, null, null);

    /// <summary>
    /// Types with no records yet (a new database) are marked built while the host starts, before it
    /// answers: nothing of them is written in the background later, behind a first request's back.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var type in await PendingAsync(cancellationToken))
            {
                if (await IsEmptyAsync(type, cancellationToken))
                {
                    await BuildAsync(type, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "The duplicates' match keys of empty record types could not be marked built at start; they are built in the background.");
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        try
        {
            await BuildMissingAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "The duplicates' match keys could not be built; the next start tries again.");
        }
    }

    public async Task BuildMissingAsync(CancellationToken cancellationToken)
    {
        foreach (var type in await PendingAsync(cancellationToken))
        {
            var count = await BuildAsync(type, cancellationToken);
            logger.LogInformation("Built the duplicates' match keys of {Count} {Type} records.", count, type);
        }
    }

    /// <summary>The types with rules whose keys the current rules never built.</summary>
    private async Task<List<string>> PendingAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateSystemScope();
        var services = scope.ServiceProvider;
        var built = await services.GetRequiredService<DuplicatesDbContext>().Built.AsNoTracking().ToDictionaryAsync(b => b.EntityType, b => b.RulesVersion, cancellationToken);
        return services.GetRequiredService<IEntityRegistry>().Types.OfType<ICrmEntityDefinition>()
            .Where(d => MatchKeys.For(d, services) is not null && built.GetValueOrDefault(d.Name) != MatchKeys.RulesVersion)
            .Select(d => d.Name).ToList();
    }

    private async Task<bool> IsEmptyAsync(string type, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateSystemScope();
        var services = scope.ServiceProvider;
        var definition = (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Get(type);
        var page = await definition.ReadPageAsync(services, EveryRecord, 1, ListPosition.Start, countTotal: false, cancellationToken);
        return page.Records.Count == 0;
    }

    private async Task<int> BuildAsync(string type, CancellationToken cancellationToken)
    {
        var position = ListPosition.Start;
        var count = 0;
        bool more;
        do
        {
            using var scope = scopes.CreateSystemScope();
            var services = scope.ServiceProvider;
            var definition = (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Get(type);
            var page = await definition.ReadPageAsync(services, EveryRecord, PageSize, position, countTotal: false, cancellationToken);
            var ids = page.Ids;
            if (ids.Count > 0)
            {
                await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
                {
                    await ReplaceKeysAsync(services, definition, ids, cancellationToken);
                    return true;
                }, cancellationToken: cancellationToken);
            }

            count += ids.Count;
            (position, more) = (page.Next, page.HasMore);
        }
        while (more);

        using (var scope = scopes.CreateSystemScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DuplicatesDbContext>();
            await db.Built.Where(b => b.EntityType == type).ExecuteDeleteAsync(cancellationToken);
            db.Built.Add(new KeysBuilt { EntityType = type, RulesVersion = MatchKeys.RulesVersion, BuiltAt = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(cancellationToken);
        }

        return count;
    }

    private static async Task ReplaceKeysAsync(IServiceProvider services, ICrmEntityDefinition definition, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        var keys = MatchKeys.For(definition, services)!;
        var db = services.GetRequiredService<DuplicatesDbContext>();
        await definition.LockAsync(services, ids, RowLock.NoKeyUpdate, cancellationToken);
        var records = await definition.LoadByIdsAsync(services, ids, cancellationToken);
        var companies = keys.CompanyLinks is { } relation ? await relation.LinksOfAsync(services, ids, cancellationToken) : null;
        var table = KeyTable.Name(services, db);
        await KeyTable.DeleteAsync(db, table, definition.Name, ids, cancellationToken);
        var rows = records.Values.Cast<ICrmRecord>().SelectMany(r => keys.KeysOf(r, companies?[r.Id] ?? []).Select(k => (r.Id, k.Rule, k.Key))).ToList();
        await KeyTable.InsertAsync(db, table, definition.Name, rows, cancellationToken);
    }
}
