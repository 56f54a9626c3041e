using Crm.PluginSdk.Events;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Keeps linked titles in search fresh: when a record's title changes ("updated" with a change of
/// a field of its title), every record whose search includes it gets its linked titles rewritten,
/// in batches (<see cref="ICrmEntityDefinition.RefreshSearchLinksToAsync"/>). The records' own
/// writes refresh theirs at once; this follows the other side, after the rename committed, as a
/// domain event handler: a rename touches one row however many records name it, and the work
/// that follows is done in bounded batches outside the request. The host registers it.
/// It takes its events in batches: most updates change no title, and a call per event (a scope,
/// a timeout) was most of what it cost the dispatcher. A refresh rewrites from the titles of now,
/// so a record renamed several times in one batch is followed once, and running one again (a
/// redelivery, or the events one at a time after a failed call) does no harm.
/// </summary>
internal sealed class SearchLinksRefresher(IServiceProvider services, IEntityRegistry registry) : IEventBatchHandler<RecordUpdated>
{
    /// <summary>The name the host registers it under.</summary>
    public const string HandlerName = "platform/search-links";

    public async Task HandleAsync(IReadOnlyList<DomainEvent<RecordUpdated>> events, CancellationToken cancellationToken)
    {
        var renamed = new List<(string EntityType, long RecordId)>();
        var seen = new HashSet<(string EntityType, long RecordId)>();
        foreach (var domainEvent in events)
        {
            var updated = domainEvent.Data;
            if (registry.Find(updated.EntityType) is ICrmEntityDefinition changed
                && changed.TitleFields.Any(f => updated.Changes.ContainsKey(f.Name))
                && seen.Add((updated.EntityType, updated.RecordId)))
            {
                renamed.Add((updated.EntityType, updated.RecordId));
            }
        }

        foreach (var (entityType, recordId) in renamed)
        {
            foreach (var definition in Referrers(entityType))
            {
                await definition.RefreshSearchLinksToAsync(services, entityType, recordId, cancellationToken);
            }
        }
    }

    private IEnumerable<ICrmEntityDefinition> Referrers(string entityType) =>
        registry.Types.OfType<ICrmEntityDefinition>().Where(d => d.SearchLinkNames.Count > 0 && d.SearchLinkTargets(services).Contains(entityType));
}
