using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Data;

/// <summary>
/// An uninstalled plugin's record types lose their rules and processes (with their versions,
/// webhook secrets and sweeps) and every run, wait, process instance and approval on their records.
/// </summary>
internal sealed class AutomationTypeData : IRecordTypeDataOwner
{
    public async Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        var types = recordTypes.ToArray();
        // Runs and instances on its records first (a rule of another type may have run on them), then its own definitions; the rest cascades.
        var rows = await db.Runs.Where(r => types.Contains(r.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.ProcessApprovals.Where(a => types.Contains(a.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.ProcessInstances.Where(i => types.Contains(i.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Rules.Where(r => types.Contains(r.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.Processes.Where(p => types.Contains(p.EntityType)).ExecuteDeleteAsync(cancellationToken);
        return rows;
    }
}
