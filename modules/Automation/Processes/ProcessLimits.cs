namespace Crm.Modules.Automation.Processes;

/// <summary>What one business process may hold and do: each is checked before anything is written or run.</summary>
public static class ProcessLimits
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2_000;

    /// <summary>Steps of one graph.</summary>
    public const int MaxSteps = 200;

    /// <summary>Edges of one graph.</summary>
    public const int MaxEdges = 400;

    /// <summary>Characters of a step's id or an edge's label.</summary>
    public const int MaxIdLength = 64;

    /// <summary>The stored definition (start, graph with the editor's positions) as JSON, in characters.</summary>
    public const int MaxDefinitionLength = 100_000;

    /// <summary>The highest cap of a loop step: its body runs at most this often per pass of the instance.</summary>
    public const int MaxLoopIterations = 100;

    /// <summary>How deep sub-processes may nest (a process calling one that calls one ...).</summary>
    public const int MaxSubProcessDepth = 3;

    /// <summary>Assignees of one approval step.</summary>
    public const int MaxAssignees = 50;

    /// <summary>Roles one approval step names (their holders count towards <see cref="MaxAssignees"/> when it starts).</summary>
    public const int MaxApproverRoles = 10;

    /// <summary>Steps one instance may take in all: a guard against a graph that keeps an instance busy forever.</summary>
    public const int MaxStepsPerInstance = 2_000;

    /// <summary>Processes one record type may have.</summary>
    public const int MaxProcessesPerType = 200;

    /// <summary>Characters of a comment on an approval decision.</summary>
    public const int MaxCommentLength = 2_000;

    /// <summary>Characters of a signal's name, and of its payload as JSON.</summary>
    public const int MaxSignalNameLength = 100;
    public const int MaxSignalPayloadLength = 16_000;

    /// <summary>The largest body a webhook wait takes (kept as the wait's output): 413 beyond, before reading past it.</summary>
    public const int MaxWebhookBodyBytes = 16_000;

    /// <summary>The most characters of JSON in a webhook wait's notice payload (what the wait adds stays within the call's own 16,000).</summary>
    public const int MaxNoticePayloadLength = 8_000;

    /// <summary>The shortest timer wait or approval timeout (the scheduler's resolution).</summary>
    public static readonly TimeSpan MinTimer = TimeSpan.FromSeconds(1);

    /// <summary>Instances <c>processInstances</c> answers at once.</summary>
    public const int MaxListedInstances = 200;
}
