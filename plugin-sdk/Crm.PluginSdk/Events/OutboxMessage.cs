namespace Crm.PluginSdk.Events;

/// <summary>
/// A published event in a module's outbox table, written in the transaction of the change it
/// tells. The host fans it out to every handler once (<see cref="ProcessedAt"/>); deliveries that
/// failed are tracked per handler in the platform's own table, not here.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    public Guid EventId { get; set; }

    /// <summary>The subject's type (see <see cref="CrmEvent.GetSubject"/>): its events reach each handler in order.</summary>
    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }

    /// <summary>The contract's name (<c>record.updated</c>, <c>deal.stageChanged</c>); before contracts, the kind (<c>updated</c>, <c>stageChanged</c>).</summary>
    public string Kind { get; set; } = "";

    /// <summary>The event as subscribers receive it (see <see cref="EventJson.Envelope"/>); before contracts, the old shape, read by the host's legacy reader.</summary>
    public string Payload { get; set; } = "";

    public DateTime OccurredAt { get; set; }

    /// <summary>When every handler had the event (or had its delivery recorded for a retry); null while it waits.</summary>
    public DateTime? ProcessedAt { get; set; }

    /// <summary>Failed rounds of the dispatcher before per-handler deliveries (kept for old rows; no longer counted).</summary>
    public int Attempts { get; set; }

    /// <summary>The last error of those rounds (kept for old rows).</summary>
    public string? LastError { get; set; }
}
