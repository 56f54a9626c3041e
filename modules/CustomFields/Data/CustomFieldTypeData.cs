using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.CustomFields.Data;

/// <summary>
/// An uninstalled plugin's record types lose their custom field definitions (the values were in
/// the plugin's own tables, dropped with them), and CRM links of the other types stop naming them
/// among the types they may point at. A link that could point only at those types is deleted with
/// its values: an empty list would mean "any type", and every value it held named a dropped record.
/// </summary>
internal sealed class CustomFieldTypeData : IRecordTypeDataOwner
{
    public async Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<CustomFieldsDbContext>();
        var session = services.GetRequiredService<CrmDatabaseSession>();
        var registry = services.GetRequiredService<IEntityRegistry>();
        var types = recordTypes.ToArray();
        var (rows, linksDeleted) = await session.InTransactionAsync(async () =>
        {
            var changed = await db.Definitions.Where(f => types.Contains(f.EntityType)).ExecuteDeleteAsync(cancellationToken);
            // Settings are a JSON document: the candidates are read, locked, and read again, so an admin's edit meanwhile is kept.
            var candidates = await LinksNamingAsync(db.Definitions.AsNoTracking(), recordTypes, cancellationToken);
            await db.LockAsync<Domain.CustomFieldDefinition>(candidates.Select(f => f.Id).ToList(), RowLock.NoKeyUpdate, cancellationToken);
            var deleted = new List<Domain.CustomFieldDefinition>();
            foreach (var link in await LinksNamingAsync(db.Definitions, recordTypes, cancellationToken))
            {
                var kept = link.Settings.RecordTypes.Where(t => !recordTypes.Contains(t)).ToList();
                if (kept.Count > 0)
                {
                    link.Settings = link.Settings with { RecordTypes = kept };
                    continue;
                }

                if (registry.Find(link.EntityType) is ICrmEntityDefinition records)
                {
                    await records.ClearCustomValuesAsync(services, link.Code, cancellationToken);
                }

                db.Definitions.Remove(link);
                deleted.Add(link);
            }

            changed += await db.SaveChangesAsync(cancellationToken);
            if (changed > 0)
            {
                // Hosts that cache the catalog read it again, as after an edit.
                await db.BumpVersionAsync(cancellationToken);
            }

            return (changed, deleted);
        }, cancellationToken: cancellationToken);

        // A deleted link's index goes, as after deleteCustomField.
        foreach (var entityType in linksDeleted.Select(f => f.EntityType).Distinct())
        {
            await Domain.CustomFieldIndexes.SyncAsync(db, registry, services, entityType, cancellationToken);
        }

        return rows;
    }

    /// <summary>The CRM links that name one of the types among those they may point at (few: filtered in memory, the settings being a JSON document).</summary>
    private static async Task<List<Domain.CustomFieldDefinition>> LinksNamingAsync(IQueryable<Domain.CustomFieldDefinition> definitions, IReadOnlyCollection<string> recordTypes,
        CancellationToken cancellationToken) =>
        (await definitions.Where(f => f.Type == CustomFieldType.Crm).OrderBy(f => f.Id).ToListAsync(cancellationToken))
            .Where(f => f.Settings.RecordTypes.Any(recordTypes.Contains))
            .ToList();
}
