using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>The selection list values of one record type, all records at once: how many hold a value, and moving them to another.</summary>
internal sealed class ListValueMover<TRecord, TContext>(CrmEntityDefinition<TRecord, TContext> definition)
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    public async Task<int> CountListValueAsync(IServiceProvider services, string listId, string value, CancellationToken cancellationToken)
    {
        var db = services.GetModuleService<TContext>();
        var count = 0;
        foreach (var field in definition.Fields.Values.Where(f => f.UsesList(listId)))
        {
            count += await db.Set<TRecord>().CountAsync(RecordConditions<TRecord>.HoldsValue(field, value), cancellationToken);
        }

        return count;
    }

    public async Task<int> ReplaceListValueAsync(IServiceProvider services, string listId, string from, string to, CancellationToken cancellationToken)
    {
        const int batchSize = 500;
        var db = services.GetModuleService<TContext>();
        var moved = 0;
        foreach (var field in definition.Fields.Values.Where(f => f.UsesList(listId)))
        {
            // Tracked, in batches: each moved record gets its "updated" event, like any other change.
            while (true)
            {
                var ids = await db.Set<TRecord>().Where(RecordConditions<TRecord>.HoldsValue(field, from)).OrderBy(r => r.Id).Select(r => r.Id).Take(batchSize).ToListAsync(cancellationToken);
                if (ids.Count == 0)
                {
                    break;
                }

                // Locked before they are read: a record changed meanwhile is moved as it now is.
                await db.LockAsync<TRecord>(ids, RowLock.NoKeyUpdate, cancellationToken);
                var batch = await definition.WritesFrom(db).Where(RecordConditions<TRecord>.HoldsValue(field, from)).Where(r => ids.Contains(r.Id)).ToListAsync(cancellationToken);

                foreach (var record in batch)
                {
                    field.Set!(record, to);
                }

                await db.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
                moved += batch.Count;
            }
        }

        return moved;
    }
}
