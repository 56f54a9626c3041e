using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Duplicates.Data;

/// <summary>An uninstalled plugin's record types lose their duplicate keys and the mark that they were built.</summary>
internal sealed class DuplicateTypeData : IRecordTypeDataOwner
{
    public async Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<DuplicatesDbContext>();
        var types = recordTypes.ToArray();
        var rows = await db.Keys.Where(k => types.Contains(k.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Built.Where(b => types.Contains(b.EntityType)).ExecuteDeleteAsync(cancellationToken);
        return rows;
    }
}
