using Crm.Modules.Contacts.Data;
using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Contacts.Domain;

/// <summary><c>Contact.companies</c> and <c>Company.contacts</c>, from the link table this module owns.</summary>
public sealed class ContactCompanyRelation : CrmRelationDefinition
{
    public override string FromType => ContactEntity.Name;

    public override string ToType => "company";

    public override string FromField => "companies";

    public override string ToField => "contacts";

    protected override async Task<ILookup<long, long>> LoadToIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> fromIds, CancellationToken cancellationToken)
    {
        var ids = fromIds.ToList();
        var links = await requestServices.GetRequiredService<ContactsDbContext>().CompanyLinks.AsNoTracking()
            .Where(l => ids.Contains(l.ContactId))
            .OrderBy(l => l.ContactId).ThenBy(l => l.Sort)
            .Select(l => new { l.ContactId, l.CompanyId })
            .ToListAsync(cancellationToken);
        return links.ToLookup(l => l.ContactId, l => l.CompanyId);
    }

    protected override async Task<ILookup<long, long>> LoadFromIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> toIds, CancellationToken cancellationToken)
    {
        var ids = toIds.ToList();
        var links = await requestServices.GetRequiredService<ContactsDbContext>().CompanyLinks.AsNoTracking()
            .Where(l => ids.Contains(l.CompanyId))
            .OrderBy(l => l.CompanyId).ThenBy(l => l.ContactId)
            .Select(l => new { l.CompanyId, l.ContactId })
            .ToListAsync(cancellationToken);
        return links.ToLookup(l => l.CompanyId, l => l.ContactId);
    }
}
