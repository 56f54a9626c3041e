using System.Globalization;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Security;
using Crm.PluginSdk.Timeline;
using Crm.Tests.SamplePlugin.Faults;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>
/// What a partner's record type plans for its users, found by convention: the caller's draft
/// quotes, due at the end of the last day their offer holds. Read through the SDK's own list of
/// the type, so the caller's rights, the filter and the order are the platform's.
/// </summary>
public sealed class QuotePlannedItems : IPlannedItems
{
    public async Task<IReadOnlyList<PlannedItem>> PlannedForMeAsync(IServiceProvider requestServices, int max, CancellationToken cancellationToken)
    {
        FaultSettings.ThrowIfAsked(EntryPoint.PlannedItems);
        var me = requestServices.GetService<ICurrentActor>()?.UserId ?? 0;
        if (me <= 0 || requestServices.GetRequiredService<IEntityRegistry>().Find(QuoteEntity.Name) is not ICrmEntityDefinition quotes)
        {
            return [];
        }

        var where = new Dictionary<string, object?>
        {
            ["assignedById"] = new Dictionary<string, object?> { ["eq"] = me.ToString(CultureInfo.InvariantCulture) },
            ["statusId"] = new Dictionary<string, object?> { ["eq"] = QuoteLists.Draft },
        };
        var order = new List<IReadOnlyDictionary<string, object?>> { new Dictionary<string, object?> { ["validUntil"] = SortDirection.Ascending } };
        var page = await quotes.ListAsync(requestServices, new ListArguments(where, order, max, null, null, null), withTotalCount: false, cancellationToken);
        return page.Edges.Select(e => (Quote)e.Node)
            .Select(q => new PlannedItem("quote", QuoteEntity.Name, q.Id, q.Title, q.ValidUntil?.ToDateTime(new TimeOnly(23, 59, 59), DateTimeKind.Utc)))
            .ToList();
    }
}
