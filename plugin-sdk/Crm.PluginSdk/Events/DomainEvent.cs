using System.Text.Json.Nodes;

namespace Crm.PluginSdk.Events;

/// <summary>
/// Names a published event contract and its version. The name is what subscribers and the
/// stored events know it by (<c>deal.stageChanged</c>); the version goes up when a field is
/// removed, renamed or changes meaning (adding a field keeps it). Put it on every
/// <see cref="CrmEvent"/> a module publishes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventContractAttribute(string type, int version) : Attribute
{
    public string Type { get; } = type;

    public int Version { get; } = version;
}

/// <summary>The record an event is about: each handler receives the events of one record in the order they were written.</summary>
public readonly record struct EventSubject(string EntityType, long EntityId);

/// <summary>
/// The data of a published event: a documented, versioned contract (see
/// <see cref="EventContractAttribute"/>) whose JSON is what every subscriber receives. Fields are
/// named as the public GraphQL API names them, enums by their GraphQL names, ids as numbers;
/// nothing of a module's storage shows through.
/// </summary>
public abstract record CrmEvent
{
    /// <summary>The record the event is about (a method, so that it is not part of the JSON).</summary>
    public abstract EventSubject GetSubject();
}

/// <summary>The old and new value of one field in a <see cref="RecordUpdated"/> event, as JSON.</summary>
public sealed record FieldChange(JsonNode? OldValue, JsonNode? NewValue);

/// <summary>
/// A published event as a handler receives it: what happened (<see cref="Data"/>) and when, by
/// whom (<see cref="ActorId"/>, <see cref="Origin"/>), about which record. Its JSON (<c>{ id, type,
/// version, occurredAt, actorId, actorKind, via, entityType, entityId, data }</c>) is what the
/// outbox stores; events stored before <c>actorKind</c> existed read as <see cref="ActorKind.User"/>
/// when they name a user, else <see cref="ActorKind.System"/>, with no channel.
/// </summary>
/// <param name="Id">Unique per event; a handler may see an event twice (delivery is at least once) and can tell by it.</param>
/// <param name="Type">The contract's name, e.g. <c>deal.stageChanged</c>.</param>
/// <param name="Version">The contract's version the event was written with.</param>
/// <param name="OccurredAt">When the change was written, by the platform's clock.</param>
/// <param name="ActorId">The user whose change it was; null for the platform's own work.</param>
/// <param name="EntityType">The registry name of the record's type (or of the subject, for events not about records).</param>
/// <param name="EntityId">The record's id.</param>
/// <param name="Data">The event itself, as its contract has it.</param>
public sealed record DomainEvent<TEvent>(
    Guid Id,
    string Type,
    int Version,
    DateTimeOffset OccurredAt,
    long? ActorId,
    string EntityType,
    long EntityId,
    TEvent Data)
    where TEvent : CrmEvent
{
    /// <summary>What kind of actor made the change and through what (the envelope's <c>actorKind</c> and <c>via</c>).</summary>
    public ChangeOrigin Origin { get; init; } = new(ActorId is null or 0 ? ActorKind.System : ActorKind.User, null);
}

/// <summary>
/// Receives the published events of type <typeparamref name="TEvent"/> (and of types derived from
/// it: <see cref="CrmEvent"/> itself receives every event) after their transaction committed.
/// Delivery is at least once: a handler must tolerate seeing the same <see cref="DomainEvent{TEvent}.Id"/>
/// twice. Each handler runs in a scope of its own, as the system, with the platform's
/// <see cref="TimeProvider"/>; when it throws (or outlasts <c>Events:HandlerTimeout</c>), that
/// event is retried for it alone, with back-off, and parked after <c>Events:MaxAttempts</c>;
/// later events of the same record wait for it. Other handlers are not held up.
/// The host finds handlers in a module by convention; name them with <see cref="EventHandlerAttribute"/>.
/// </summary>
public interface IEventHandler<TEvent>
    where TEvent : CrmEvent
{
    Task HandleAsync(DomainEvent<TEvent> domainEvent, CancellationToken cancellationToken);
}

/// <summary>
/// The handler's stable name, under which its pending and parked deliveries are kept: the host
/// prefixes it with the module id (<c>deals/stage-semantics</c>). Without it the class name is
/// used, so renaming the class would orphan what waits for it. Letters, digits and <c>. _ - :</c>,
/// at most 100 characters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventHandlerAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
