using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.CustomFields.Data;

/// <summary>An uninstalled plugin's record types lose their custom field definitions (the values were in the plugin's own tables, dropped with them).</summary>
internal sealed class CustomFieldTypeData : IRecordTypeDataOwner
{
    public async Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<CustomFieldsDbContext>();
        var types = recordTypes.ToArray();
        var rows = await db.Definitions.Where(f => types.Contains(f.EntityType)).ExecuteDeleteAsync(cancellationToken);
        if (rows > 0)
        {
            // Hosts that cache the catalog read it again, as after an edit.
            await db.BumpVersionAsync(cancellationToken);
        }

        return rows;
    }
}
