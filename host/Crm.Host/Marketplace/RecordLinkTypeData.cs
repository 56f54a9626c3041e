using Crm.PluginSdk.Entities;

namespace Crm.Host.Marketplace;

/// <summary>
/// Custom CRM link values on the records of every registered type (plugins' included) that name a
/// record of an uninstalled plugin's types: those records were dropped with the plugin's tables,
/// and no reference outlives its record. Each holder is updated on the platform's behalf, with
/// its "updated" event, so its history says the link went.
/// </summary>
internal sealed class RecordLinkTypeData(IEntityRegistry registry) : IRecordTypeDataOwner
{
    public async Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        var changed = 0;
        foreach (var definition in registry.Types.OfType<ICrmEntityDefinition>())
        {
            changed += await definition.ForgetRecordTypesAsync(services, recordTypes, cancellationToken);
        }

        return changed;
    }
}
