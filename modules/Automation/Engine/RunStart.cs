using System.Text.Json.Nodes;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Events;

namespace Crm.Modules.Automation.Engine;

/// <summary>An active rule's version as the engine runs it: its record type and its parsed definition.</summary>
public sealed record ActiveRule(AutomationRuleVersion Version, string EntityType, RuleDefinition Definition);

/// <summary>
/// What starts a run of a rule on a record: a published event (<see cref="Event"/>), or a start
/// without one (by hand, a webhook, a schedule) named by <see cref="StartType"/> and identified by
/// <see cref="StartId"/>, which is what makes a start run a rule on a record once.
/// </summary>
/// <param name="Depth">Its place in a cascade of rules (1: started by a change no rule made).</param>
public sealed record RunStart(string EntityType, long EntityId, Guid StartId, string StartType, int Depth)
{
    /// <summary>The event that started it, when one did.</summary>
    public DomainEvent<CrmEvent>? Event { get; init; }

    /// <summary>What a start without an event brings (a webhook's body, a manual start's input); null for none.</summary>
    public JsonObject? Input { get; init; }

    /// <summary>Who started it without an event (a manual start's user; a retried or resumed run's first actor); null for an event or the system.</summary>
    public long? StartedBy { get; init; }

    /// <summary>A retried or resumed run's first actor's kind (<c>USER</c>, <c>AUTOMATION</c> ...); null: <c>USER</c> when <see cref="StartedBy"/> is given.</summary>
    public string? ActorKind { get; init; }

    /// <summary>Without an event: the changes its first start saw (a retried or resumed run's, see <see cref="StoredStart"/>); null for none.</summary>
    public IReadOnlyDictionary<string, FieldChange>? Changes { get; init; }

    /// <summary>Whether what the first start saw was cut to its bound (<see cref="StoredStart.MaxLength"/>).</summary>
    public bool StartTruncated { get; init; }

    /// <summary>The changes its condition and scripts see: the event's, else those kept of its first start.</summary>
    public IReadOnlyDictionary<string, FieldChange>? ChangesSeen => Event?.Data is RecordUpdated updated ? updated.Changes : Changes;

    /// <summary>The start as actions see it (<see cref="Crm.PluginSdk.Automation.AutomationActionContext.Start"/>).</summary>
    public Crm.PluginSdk.Automation.AutomationStart AsAutomationStart(TimeProvider clock) =>
        new(StartType, StartedBy, Input, StartedAt ?? clock.GetUtcNow()) { Changed = Changes, ActorKind = ActorKind };

    /// <summary>A retry's first action (0: the first); the actions before it ran in the run it retries.</summary>
    public int FromAction { get; init; }

    /// <summary>A retry of a run whose condition held: the condition is not tested again (the actions before the failed one may have changed what it tests).</summary>
    public bool ConditionHeld { get; init; }

    /// <summary>The run this one retries (<see cref="Runs.AutomationRun.RunId"/>); null for a first run.</summary>
    public Guid? RetryOf { get; init; }

    /// <summary>When it was started; null: when the run begins.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    public static RunStart Of(DomainEvent<CrmEvent> domainEvent, int depth) =>
        new(domainEvent.EntityType, domainEvent.EntityId, domainEvent.Id, domainEvent.Type, depth) { Event = domainEvent };
}
