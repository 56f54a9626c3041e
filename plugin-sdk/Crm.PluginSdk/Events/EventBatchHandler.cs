namespace Crm.PluginSdk.Events;

/// <summary>
/// Receives the published events of type <typeparamref name="TEvent"/> (and of types derived from
/// it) in batches, after their transaction committed: for a handler whose cost is per call (a
/// scope, a query, a save) rather than per event, such as writing history. A batch holds the
/// events of one module's outbox in the order they were written, at most <c>Events:BatchSize</c>
/// of them, mixing records; a record's events keep their order within it and across batches.
/// A handler of several event types gets each run of events of one type in a call of its own.
/// <para>
/// Delivery is at least once, so the handler must be idempotent: it may see an event again (in a
/// later batch, or alone) and can tell by <see cref="DomainEvent{TEvent}.Id"/>. When a call throws
/// or outlasts <c>Events:HandlerTimeout</c>, nothing of it counts as delivered: the host hands the
/// same events again one at a time (each in a list of one, with a timeout each), so only the events
/// that fail alone get a delivery of their own, retried with back-off and parked after
/// <c>Events:MaxAttempts</c>; a record's later events wait behind it. Retries always come as a list
/// of one. A handler that must not half-apply a batch writes it in one transaction (or one save).
/// </para>
/// The host finds batch handlers in a module by the same convention as <see cref="IEventHandler{TEvent}"/>
/// and names them with <see cref="EventHandlerAttribute"/>; a class is one or the other, not both.
/// </summary>
public interface IEventBatchHandler<TEvent>
    where TEvent : CrmEvent
{
    /// <summary>Handles <paramref name="events"/> (never empty), in their order.</summary>
    Task HandleAsync(IReadOnlyList<DomainEvent<TEvent>> events, CancellationToken cancellationToken);
}
