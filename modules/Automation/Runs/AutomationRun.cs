namespace Crm.Modules.Automation.Runs;

/// <summary>How a run ended (or that it is under way).</summary>
public enum RunStatus
{
    /// <summary>
    /// Recorded, its condition held, not started yet (no action has run): a host that stops here leaves
    /// nothing done, so a redelivery of its event, or the recovery sweep once its heartbeat is older than
    /// <c>Automation:StalledRunGrace</c>, takes it over and runs it.
    /// </summary>
    Pending,

    /// <summary>Working through its actions, its lease renewed by its host (<see cref="AutomationRun.Heartbeat"/>).</summary>
    Running,
    Succeeded,
    Failed,

    /// <summary>Its condition did not hold: nothing was done.</summary>
    Skipped,

    /// <summary>Waiting at an action (a delay, a date, a time of day, working hours, a retry's back-off): see the run's wait.</summary>
    Waiting,

    /// <summary>Ended while it waited: by <c>cancelRun</c>, or because its record left its stage, its scope or its condition.</summary>
    Cancelled,

    /// <summary>
    /// Did not finish within its budget (<c>Automation:MaxRunDuration</c>): it found so itself between two
    /// actions, or its host stopped during the run and the recovery sweep found its heartbeat stale. Retried from the action it had not run.
    /// </summary>
    TimedOut,
}

/// <summary>
/// One run of a rule's version on a record: what started it, whether its condition held, and each
/// action's outcome (<see cref="Steps"/>, JSON). One per rule, event and record (a redelivered event
/// does not run a rule twice).
/// </summary>
public sealed class AutomationRun
{
    public long Id { get; set; }

    public Guid RunId { get; set; }

    public long RuleId { get; set; }

    public int RuleVersion { get; set; }

    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }

    /// <summary>The event that started it.</summary>
    public Guid EventId { get; set; }

    public string EventType { get; set; } = "";

    /// <summary>Its place in a cascade of rules (1: started by a change no rule made).</summary>
    public int Depth { get; set; }

    public RunStatus Status { get; set; }

    /// <summary>Whether the condition held; null when the run ended before it was tested.</summary>
    public bool? ConditionResult { get; set; }

    public long RunAsUserId { get; set; }

    /// <summary>Each action's outcome in order: kind, status, code, message, output, side effects, milliseconds (JSON).</summary>
    public string Steps { get; set; } = "[]";

    /// <summary>Why it failed, when it did.</summary>
    public string? Error { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    /// <summary>While it runs: when its budget ends (<c>Automation:MaxRunDuration</c> from its start, or from its resumption after a wait); null otherwise.</summary>
    public DateTime? Deadline { get; set; }

    /// <summary>What its start showed it (the event's changes and actor, a start's input; JSON, see <see cref="Engine.StoredStart"/>): a retry and a resumed wait see the same <c>event</c>.</summary>
    public string? Start { get; set; }

    /// <summary>The failed run this one retries (its <see cref="RunId"/>); null for a first run.</summary>
    public Guid? RetryOf { get; set; }

    /// <summary>
    /// The token of the host working on it while it is PENDING or RUNNING; null otherwise. Every write of
    /// the run's holder is conditional on it: a run the sweep ended, or another host took over, is not
    /// written (nor moved to its next action) by the host that held it.
    /// </summary>
    public Guid? Lease { get; set; }

    /// <summary>When its holder last renewed its lease (every third of <c>Automation:StalledRunGrace</c> while it works); null when nobody holds it.</summary>
    public DateTime? Heartbeat { get; set; }

    /// <summary>The index of the rule's first action this run ran (a retry starts at the failed one; 0 otherwise): step i of <see cref="Steps"/> is action <c>FirstAction + i</c>.</summary>
    public int FirstAction { get; set; }
}
