using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Events;

/// <summary>Where a delivery that did not succeed at once stands.</summary>
public enum EventDeliveryState
{
    /// <summary>Not tried yet: an earlier event of the same record waits for this handler, and this one waits behind it.</summary>
    Waiting,

    /// <summary>Failed; tried again at <see cref="EventDelivery.NextAttemptAt"/>.</summary>
    Retrying,

    /// <summary>Failed <c>Events:MaxAttempts</c> times; waits for an administrator to retry or discard it.</summary>
    Parked,
}

/// <summary>
/// One event for one handler that did not succeed at its first try (or waits behind one that did
/// not). Deliveries that succeed at once leave no row: the outbox marks their event fanned out.
/// The row carries the event itself, so it outlives the outbox row.
/// </summary>
public sealed class EventDelivery
{
    public const int MaxHandlerLength = 200;
    public const int MaxErrorLength = 2000;

    public long Id { get; set; }

    /// <summary>The handler's stable name (<c>deals/stage-semantics</c>).</summary>
    public string Handler { get; set; } = "";

    /// <summary>The module whose outbox the event came from.</summary>
    public string Module { get; set; } = "";

    /// <summary>The event's row in that outbox: the order of a record's events.</summary>
    public long OutboxId { get; set; }

    public Guid EventId { get; set; }

    /// <summary>The contract's name (<c>record.updated</c>).</summary>
    public string EventType { get; set; } = "";

    /// <summary>The subject: this handler receives its events in order.</summary>
    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }

    /// <summary>The event's envelope, as the handler receives it.</summary>
    public string Payload { get; set; } = "";

    public EventDeliveryState State { get; set; }

    /// <summary>Failed attempts since the delivery was made or last retried by an administrator.</summary>
    public int Attempts { get; set; }

    /// <summary>When it is tried next (waiting ones are tried once nothing earlier of their record waits).</summary>
    public DateTime NextAttemptAt { get; set; }

    public DateTime? LastAttemptAt { get; set; }

    /// <summary>What the last attempt failed with (the exception's type and message; the log has the rest).</summary>
    public string? LastError { get; set; }

    public DateTime CreatedAt { get; set; }

    internal static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<EventDelivery>(delivery =>
        {
            delivery.ToTable("event_deliveries");
            delivery.HasKey(d => d.Id);
            delivery.Property(d => d.Handler).HasMaxLength(MaxHandlerLength);
            delivery.Property(d => d.Module).HasMaxLength(64);
            delivery.Property(d => d.EventType).HasMaxLength(100);
            delivery.Property(d => d.EntityType).HasMaxLength(64);
            delivery.Property(d => d.State).HasConversion<string>().HasMaxLength(16);
            delivery.Property(d => d.LastError).HasMaxLength(MaxErrorLength);
            // One delivery per event and handler; and a record's deliveries for a handler in order.
            delivery.HasIndex(d => new { d.Handler, d.Module, d.EntityType, d.EntityId, d.OutboxId }).IsUnique();
            // Due retries, oldest due first; and the administrators' list, by state.
            delivery.HasIndex(d => new { d.State, d.NextAttemptAt });
            delivery.HasIndex(d => new { d.State, d.Id });
            // The fan-out's question: what of these records waits for anyone?
            delivery.HasIndex(d => new { d.Module, d.EntityId });
        });
        modelBuilder.Entity<EventStream>(stream =>
        {
            stream.ToTable("event_streams");
            stream.HasKey(s => s.Module);
            stream.Property(s => s.Module).HasMaxLength(64);
        });
        modelBuilder.Entity<EventClaim>(claim =>
        {
            claim.ToTable("event_claims");
            claim.HasKey(c => new { c.Module, c.OutboxId });
            claim.Property(c => c.Module).HasMaxLength(64);
            claim.Property(c => c.EntityType).HasMaxLength(64);
            // The claim's question: is an earlier event of this record still being delivered?
            claim.HasIndex(c => new { c.Module, c.EntityType, c.EntityId, c.OutboxId });
        });
    }
}

/// <summary>
/// One module's outbox as a stream to fan out: on PostgreSQL a host holds its row while it claims
/// a batch (not while it delivers it), so that each claim sees the ones before it.
/// </summary>
public sealed class EventStream
{
    public string Module { get; set; } = "";
}

/// <summary>
/// An outbox event a host has taken to deliver (PostgreSQL): claimed in a short transaction, so the
/// host delivers it without holding a lock, and deleted when the event is marked. Until
/// <see cref="ExpiresAt"/> no other host takes it, nor a later event of its record; after it (the
/// host stopped), the event is taken again.
/// </summary>
public sealed class EventClaim
{
    public string Module { get; set; } = "";

    public long OutboxId { get; set; }

    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }

    /// <summary>The batch that holds it: a host releases only its own claims.</summary>
    public Guid ClaimedBy { get; set; }

    public DateTime ExpiresAt { get; set; }
}
