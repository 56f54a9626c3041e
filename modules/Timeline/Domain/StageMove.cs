namespace Crm.Modules.Timeline.Domain;

/// <summary>
/// A record moved from one stage or status to another: a deal's stage (from <c>deal.stageChanged</c>),
/// a lead's status (from its <c>record.updated</c> of <c>statusId</c>). What funnels and time-in-stage
/// reports read: one narrow row per move, never rewritten.
/// </summary>
public sealed class StageMove
{
    public long Id { get; set; }

    /// <summary>The event it was written from (unique: a redelivered event writes nothing).</summary>
    public Guid EventId { get; set; }

    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }

    /// <summary>The deal's pipeline; 0 for the default pipeline and for types without pipelines (leads).</summary>
    public long PipelineId { get; set; }

    /// <summary>The stage or status it left (null for none).</summary>
    public string? FromId { get; set; }

    public string ToId { get; set; } = "";

    /// <summary>What the new stage means (<c>PROCESS</c>, <c>SUCCESS</c>, <c>FAILURE</c>) when it moved.</summary>
    public string Semantics { get; set; } = "";

    public DateTime OccurredAt { get; set; }

    public long? ActorId { get; set; }
}
