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
internal sealed class SearchLinksRefresher(IServiceProvider services, IEntityRegistry registry) : IEventHandler<RecordUpdated>
{
    /// <summary>The name the host registers it under.</summary>
    public const string HandlerName = "platform/search-links";

    public async Task HandleAsync(DomainEvent<RecordUpdated> domainEvent, CancellationToken cancellationToken)
    {
        var updated = domainEvent.Data;
        if (registry.Find(updated.EntityType) is not ICrmEntityDefinition changed || !changed.TitleFields.Any(f => updated.Changes.ContainsKey(f.Name)))
        {
            return;
        }

        foreach (var definition in Referrers(updated.EntityType))
        {
            await definition.RefreshSearchLinksToAsync(services, updated.EntityType, updated.RecordId, cancellationToken);
        }
    }

    private IEnumerable<ICrmEntityDefinition> Referrers(string entityType) =>
        registry.Types.OfType<ICrmEntityDefinition>().Where(d => d.SearchLinkNames.Count > 0 && d.SearchLinkTargets(services).Contains(entityType));
}
