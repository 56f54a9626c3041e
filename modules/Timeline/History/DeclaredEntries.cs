using System.Text.Json;
using Crm.Modules.Timeline.Domain;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Timeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Timeline.History;

/// <summary>
/// The entries modules and plugins make from an event through their <see cref="ITimelineKinds"/>
/// (an activity's on each record it is bound to): every projection is asked for every event; what
/// it returns of kinds its module declared is kept, once per (record, kind), with the event's time
/// and actor. A projection that throws loses its entries for that event, not the platform's history.
/// </summary>
public sealed class DeclaredEntries : ISingletonService
{
    private readonly IServiceProvider _services;
    private readonly ILogger<DeclaredEntries> _logger;
    // Each projection's kinds, read once: a plugin loaded at run time adds projections, so the list is asked for each event.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<ITimelineKinds, HashSet<string>> _kinds = [];
    // A singleton of the host's: asked of the container once, not per event.
    private PluginSdk.Entities.IEntityRegistry? _registry;

    public DeclaredEntries(IServiceProvider services, ILogger<DeclaredEntries> logger)
    {
        _services = services;
        _logger = logger;
    }

    /// <summary>The declared entries <paramref name="domainEvent"/> makes, ready for <see cref="TimelineAppender"/>; a disabled module's projection is not asked.</summary>
    public List<TimelineEntry> Of(DomainEvent<CrmEvent> domainEvent)
    {
        var entries = new List<TimelineEntry>();
        var availability = _services.GetService<IModuleAvailability>();
        var registry = _registry ??= _services.GetService<PluginSdk.Entities.IEntityRegistry>();
        foreach (var projection in _services.GetServices<ITimelineKinds>())
        {
            if (availability?.InService(projection.GetType()) == false)
            {
                continue;
            }

            var kinds = _kinds.GetValue(projection, p => p.Kinds.Select(k => k.Kind).ToHashSet(StringComparer.Ordinal));
            List<TimelineEntryDraft> drafts;
            try
            {
                drafts = projection.Project(domainEvent)?.ToList() ?? [];
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogError(ex, "The timeline projection {Projection} threw for event {EventId} ({Type}); its entries for it are not written.", projection.GetType().FullName, domainEvent.Id, domainEvent.Type);
                continue;
            }

            foreach (var draft in drafts)
            {
                if (draft is null || !kinds.Contains(draft.Kind) || draft.EntityId <= 0 || string.IsNullOrEmpty(draft.EntityType) || draft.EntityType.Length > 64)
                {
                    _logger.LogWarning("The timeline projection {Projection} made an entry of kind {Kind} on {EntityType} {EntityId} for event {EventId}, which it may not write (an undeclared kind or no record); it is dropped.",
                        projection.GetType().FullName, draft?.Kind, draft?.EntityType, draft?.EntityId, domainEvent.Id);
                    continue;
                }

                // A type no module registers (a plugin uninstalled with its data, its rows purged): no record, no timeline to write on.
                if (registry is not null && registry.Find(draft.EntityType) is null)
                {
                    continue;
                }

                // One entry per (event, record, kind): the unique index would refuse a second.
                if (!entries.Exists(e => e.EntityType == draft.EntityType && e.EntityId == draft.EntityId && e.Kind == draft.Kind))
                {
                    entries.Add(TimelineEntry.Of(domainEvent, draft.EntityType, draft.EntityId, draft.Kind, draft.Data));
                }
            }
        }

        return entries;
    }
}
