using Crm.PluginSdk.Events;

namespace Crm.PluginSdk.Automation;

/// <summary>What starts the runs of a trigger kind.</summary>
public enum TriggerFiring
{
    /// <summary>A published event (<see cref="IAutomationTriggerKind.EventTypes"/>), matched by <see cref="IAutomationTriggerKind.Matches"/>.</summary>
    Event,

    /// <summary>A schedule (a CRON expression, a date field of the record); fired by the platform's scheduler.</summary>
    Schedule,

    /// <summary>A user starts it on a record.</summary>
    Manual,

    /// <summary>An incoming HTTP call with the rule's own secret.</summary>
    Webhook,
}

/// <summary>
/// What starts a rule (a record created, a stage changed, a schedule). A module declares its kinds
/// by implementing this interface (found by convention, one instance for the process); the
/// Automation module lists them in <c>automationCatalog</c>. An event-driven kind names the
/// published event types it listens to and decides, per event, whether a rule's parameters match it.
/// </summary>
public interface IAutomationTriggerKind : IAutomationKind
{
    /// <summary>What starts its runs.</summary>
    TriggerFiring Firing { get; }

    /// <summary>For <see cref="TriggerFiring.Event"/>: the event contract names it listens to (<c>record.updated</c>); empty for the others.</summary>
    IReadOnlyList<string> EventTypes { get; }

    /// <summary>
    /// Whether the event starts a run of a rule on records of <paramref name="recordType"/> with these
    /// (validated) parameters: called only with events of <see cref="EventTypes"/>; must be quick and
    /// read nothing (it runs for every event and every rule listening to it). Never true for the other firings.
    /// </summary>
    bool Matches(DomainEvent<CrmEvent> domainEvent, string recordType, AutomationParameters parameters);
}
