using Crm.Modules.Automation.Definitions;

namespace Crm.Modules.Automation.Processes;

/// <summary>A business process: its record type and its versions (<see cref="VersionedDefinition{TVersion}"/>).</summary>
public sealed class BusinessProcess : VersionedDefinition<BusinessProcessVersion>
{
    /// <summary>The template it was installed from (<see cref="ProcessTemplates"/>); null for one an admin made.</summary>
    public string? TemplateKey { get; set; }
}

/// <summary>One version of a process: an instance pins the version it started with. Its definition is a <see cref="ProcessDefinition"/>.</summary>
public sealed class BusinessProcessVersion : DefinitionVersion
{
    public long ProcessId { get; set; }

    public long RunAsUserId { get; set; }
}

/// <summary>Where an instance is: advancing, waiting (every branch at a wait or an approval), or done.</summary>
public enum InstanceStatus
{
    Running,
    Waiting,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>
/// One run of a process's version on a record, its position (<see cref="State"/>: the branches'
/// tokens, joins' arrivals, loops' counters) stored so that it survives restarts. Every advance
/// bumps <see cref="Revision"/> (a concurrency token): two hosts advancing one instance cannot both succeed.
/// </summary>
public sealed class ProcessInstance
{
    public long Id { get; set; }

    public Guid RunId { get; set; }

    public long ProcessId { get; set; }

    public int ProcessVersion { get; set; }

    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }

    public InstanceStatus Status { get; set; }

    /// <summary>
    /// "processId:entityId" while the instance is active and its process allows one active instance
    /// per record; null otherwise. Unique: what keeps twenty parallel starts to one instance on both engines.
    /// </summary>
    public string? ActiveKey { get; set; }

    /// <summary>The event that started it (a redelivered event starts nothing again); null for a start by hand.</summary>
    public Guid? StartEventId { get; set; }

    public string StartedVia { get; set; } = "";

    public long? StartedById { get; set; }

    /// <summary>The instance whose sub-process step started it, and that step's token.</summary>
    public long? ParentInstanceId { get; set; }

    public int? ParentToken { get; set; }

    /// <summary>1 for an instance no other started; one more for each sub-process level.</summary>
    public int Depth { get; set; } = 1;

    public long RunAsUserId { get; set; }

    /// <summary>The tokens, joins and loops (<see cref="InstanceState"/>), as JSON.</summary>
    public string State { get; set; } = "{}";

    /// <summary>Whether a branch waits for a condition on the record: its changes re-evaluate it.</summary>
    public bool AwaitsRecordChange { get; set; }

    public int StepsTaken { get; set; }

    public int Revision { get; set; }

    /// <summary>The token of the host advancing the instance now (<see cref="InstanceLeases"/>); null while no host is at it.</summary>
    public Guid? Lease { get; set; }

    /// <summary>When the lease's holder last renewed it (every third of the stalled-run grace while it advances the instance).</summary>
    public DateTime? Heartbeat { get; set; }

    public string? Error { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? FinishedAt { get; set; }
}

/// <summary>One step an instance took: the history <c>processInstances</c> shows.</summary>
public sealed record ProcessStepRun
{
    public long Id { get; set; }

    public long InstanceId { get; set; }

    public int Token { get; set; }

    public string StepId { get; set; } = "";

    public string Kind { get; set; } = "";

    /// <summary>SUCCEEDED, FAILED, WAITING (a wait or an approval began), RESUMED, CANCELLED.</summary>
    public string Status { get; set; } = "";

    /// <summary>The label of the edge it took (<c>true</c>, <c>approved</c>, <c>body</c> ...); null for a plain edge or none.</summary>
    public string? Outcome { get; set; }

    /// <summary>An action's outcome, an approval's votes, a signal's payload (JSON).</summary>
    public string? Output { get; set; }

    public string? Error { get; set; }

    public DateTime At { get; set; }
}

public enum ApprovalMode
{
    /// <summary>The first decision decides.</summary>
    Any,

    /// <summary>Approved when everyone approves; rejected at the first rejection.</summary>
    All,

    /// <summary>Approved by more than half; rejected once more than half can no longer approve.</summary>
    Majority,
}

public enum ApprovalStatus
{
    Open,
    Approved,
    Rejected,
    InformationRequested,
    Cancelled,

    /// <summary>Its timeout came before its mode decided: the <c>timeout</c> edge was taken.</summary>
    TimedOut,
}

public enum ApprovalDecision
{
    Approve,
    Reject,
    RequestInformation,
}

/// <summary>An approval step reached by an instance: open until its mode decides, then its outcome takes the matching edge.</summary>
public sealed class ProcessApproval
{
    public long Id { get; set; }

    public long InstanceId { get; set; }

    public string StepId { get; set; } = "";

    public int Token { get; set; }

    public string Title { get; set; } = "";

    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }

    public ApprovalMode Mode { get; set; }

    public ApprovalStatus Status { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? DecidedAt { get; set; }

    public List<ProcessApprovalAssignee> Assignees { get; set; } = [];
}

/// <summary>One assignee of an approval and their decision (null until they give it).</summary>
public sealed class ProcessApprovalAssignee
{
    public long ApprovalId { get; set; }

    public long UserId { get; set; }

    public ApprovalDecision? Decision { get; set; }

    public string? Comment { get; set; }

    public DateTime? DecidedAt { get; set; }
}
