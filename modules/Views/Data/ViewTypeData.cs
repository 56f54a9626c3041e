using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Views.Data;

/// <summary>An uninstalled plugin's record types lose their saved views (their users and defaults go with them) and their quotas.</summary>
internal sealed class ViewTypeData : IRecordTypeDataOwner
{
    public async Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<ViewsDbContext>();
        var types = recordTypes.ToArray();
        var rows = await db.Defaults.Where(d => types.Contains(d.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Views.Where(v => types.Contains(v.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Quotas.Where(q => types.Contains(q.EntityType)).ExecuteDeleteAsync(cancellationToken);
        return rows;
    }
}
