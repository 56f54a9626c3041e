using Crm.Modules.Contacts.Data;
using Crm.PluginSdk.Events;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Contacts.Events;

/// <summary>When a company is deleted, its contacts stop listing it.</summary>
public sealed class CompanyDeletedHandler(ContactsDbContext db) : IDomainEventHandler
{
    public bool Handles(DomainEvent domainEvent) =>
        domainEvent is { EntityType: "company", Kind: DomainEventKinds.Deleted };

    public async Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken) =>
        await db.CompanyLinks.Where(l => l.CompanyId == domainEvent.EntityId).ExecuteDeleteAsync(cancellationToken);
}
