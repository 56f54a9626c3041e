namespace Crm.Modules.Automation.Waits;

public enum WaitState
{
    /// <summary>Its scheduled work has not run yet.</summary>
    Waiting,

    /// <summary>Its work took it (once) and the run went on.</summary>
    Done,

    /// <summary>The run was cancelled while it waited.</summary>
    Cancelled,
}

/// <summary>
/// A run waiting at one of its actions: for the action's timing (a delay, a date field, a time of
/// day, working hours) or for a retry's back-off. Written in the transaction that makes the run
/// WAITING; the scheduler's work for it is keyed by <see cref="Id"/> (see <see cref="WaitHandler"/>).
/// </summary>
public sealed class AutomationWait
{
    public long Id { get; set; }

    /// <summary>The run (<c>runs.id</c>).</summary>
    public long RunId { get; set; }

    /// <summary>The action the run goes on from.</summary>
    public int ActionIndex { get; set; }

    /// <summary>Attempts of that action already made and failed (a retry's back-off); 0 for a timing's wait.</summary>
    public int FailedAttempts { get; set; }

    public DateTime DueAt { get; set; }

    public WaitState State { get; set; }

    /// <summary>The record's stage when the run started (its <c>stageId</c>, else <c>statusId</c>); null when it has none.</summary>
    public string? StageId { get; set; }

    /// <summary>The changes of the event that started the run (JSON), for the condition's event tests when it is checked again; null without one.</summary>
    public string? Changes { get; set; }

    public DateTime CreatedAt { get; set; }
}
