namespace Crm.PluginSdk.Events;

/// <summary>A domain event waiting in a module's outbox table for delivery.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    public Guid EventId { get; set; }

    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }

    public string Kind { get; set; } = "";

    /// <summary>The whole <see cref="DomainEvent"/> as JSON.</summary>
    public string Payload { get; set; } = "";

    public DateTime OccurredAt { get; set; }

    public DateTime? ProcessedAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}
