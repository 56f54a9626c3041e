using Crm.Modules.CustomFields.Data;
using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.CustomFields.Domain;

/// <summary>A type's custom field indexes brought in line with its stored definitions, after an edit or a purge changed them.</summary>
internal static class CustomFieldIndexes
{
    public static async Task SyncAsync(CustomFieldsDbContext db, IEntityRegistry registry, IServiceProvider services, string entityType, CancellationToken cancellationToken)
    {
        if (registry.Find(entityType) is ICrmEntityDefinition { SupportsCustomFields: true } records)
        {
            var fields = await db.Definitions.AsNoTracking().Where(d => d.EntityType == entityType).ToListAsync(cancellationToken);
            await records.SyncCustomFieldIndexesAsync(services, fields.Select(d => d.ToSpec()).ToList(), cancellationToken);
        }
    }
}
