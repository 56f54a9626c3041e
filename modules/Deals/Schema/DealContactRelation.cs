using Crm.Modules.Deals.Data;
using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Deals.Domain;

/// <summary><c>Deal.contacts</c> (primary first) and <c>Contact.deals</c>, from the link table this module owns.</summary>
public sealed class DealContactRelation : CrmRelationDefinition
{
    public override string FromType => DealEntity.Name;

    public override string ToType => "contact";

    public override string FromField => "contacts";

    public override string ToField => "deals";

    protected override async Task<ILookup<long, long>> LoadToIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> fromIds, CancellationToken cancellationToken)
    {
        var ids = fromIds.ToList();
        var links = await requestServices.GetRequiredService<DealsDbContext>().ContactLinks.AsNoTracking()
            .Where(l => ids.Contains(l.DealId))
            .OrderBy(l => l.DealId).ThenBy(l => l.Sort)
            .Select(l => new { l.DealId, l.ContactId })
            .ToListAsync(cancellationToken);
        return links.ToLookup(l => l.DealId, l => l.ContactId);
    }

    protected override async Task<ILookup<long, long>> LoadFromIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> toIds, CancellationToken cancellationToken)
    {
        var ids = toIds.ToList();
        var links = await requestServices.GetRequiredService<DealsDbContext>().ContactLinks.AsNoTracking()
            .Where(l => ids.Contains(l.ContactId))
            .OrderBy(l => l.ContactId).ThenByDescending(l => l.DealId)
            .Select(l => new { l.ContactId, l.DealId })
            .ToListAsync(cancellationToken);
        return links.ToLookup(l => l.ContactId, l => l.DealId);
    }
}
