using System.Text.Json.Nodes;

namespace Crm.PluginSdk.Events;

/// <summary>Well-known kinds of <see cref="DomainEvent"/>; modules add their own (e.g. "stageChanged").</summary>
public static class DomainEventKinds
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Deleted = "deleted";
}

/// <summary>The old and new value of one field in an "updated" event, as JSON.</summary>
public sealed record FieldChange(JsonNode? OldValue, JsonNode? NewValue);

/// <summary>
/// Something that happened to a record, recorded in the same transaction as the change and
/// delivered afterwards to every <see cref="IDomainEventHandler"/>.
/// </summary>
public sealed record DomainEvent(
    Guid Id,
    string EntityType,
    long EntityId,
    string Kind,
    DateTimeOffset OccurredAt,
    long? ActorId,
    IReadOnlyDictionary<string, FieldChange> Changes,
    JsonObject? Data = null);

/// <summary>
/// Receives domain events after their transaction committed. Delivery is at least once:
/// a handler must tolerate seeing the same <see cref="DomainEvent.Id"/> twice.
/// </summary>
public interface IDomainEventHandler
{
    /// <summary>Which events this handler wants; cheap, called per event.</summary>
    bool Handles(DomainEvent domainEvent);

    Task HandleAsync(DomainEvent domainEvent, CancellationToken cancellationToken);
}
