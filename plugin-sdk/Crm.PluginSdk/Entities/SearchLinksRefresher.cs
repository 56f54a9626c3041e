using Crm.PluginSdk.Events;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Keeps linked titles in search fresh: when a record's title changes ("updated" with a change of
/// a field of its title), every record whose search includes it gets its linked titles rewritten,
/// in batches (<see cref="ICrmEntityDefinition.RefreshSearchLinksToAsync"/>). The records' own
/// writes refresh theirs at once; this follows the other side, after the rename committed, as a
/// domain event handler: a rename touches one row however many records name it, and the work
/// that follows is done in bounded batches outside the request. The host registers it.
/// </summary>
public sealed class SearchLinksRefresher(IServiceProvider services, IEntityRegistry registry) : IDomainEventHandler
{
    public bool Handles(DomainEvent domainEvent) =>
        domainEvent.Kind == DomainEventKinds.Updated
        && registry.Find(domainEvent.EntityType) is ICrmEntityDefinition changed
        && changed.TitleFields.Any(f => domainEvent.Changes.ContainsKey(f.Name))
        && Referrers(domainEvent.EntityType).Any();

    public async Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken)
    {
        foreach (var definition in Referrers(domainEvent.EntityType))
        {
            await definition.RefreshSearchLinksToAsync(services, domainEvent.EntityType, domainEvent.EntityId, cancellationToken);
        }
    }

    private IEnumerable<ICrmEntityDefinition> Referrers(string entityType) =>
        registry.Types.OfType<ICrmEntityDefinition>().Where(d => d.SearchLinkNames.Count > 0 && d.SearchLinkTargets(services).Contains(entityType));
}
