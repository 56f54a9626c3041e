using Crm.Host.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Crm.Host.Events;

/// <summary>
/// Takes a batch of new events from one module's outbox, in the order they were written, and
/// hands each to every handler that takes it: an ordinary handler event by event, a batch handler
/// (<see cref="IEventBatchHandler{TEvent}"/>) all of the batch's events it takes in one call, after
/// the others. A handler that fails on an event gets a delivery row of its own (retried with
/// back-off, see <see cref="DeliveryRetries"/>); the others are not held up. A batch call that fails
/// delivers nothing: its events are handed again one at a time, so only those that fail alone get
/// rows. While a handler has a delivery of a record waiting, that record's later events wait behind
/// it for that handler (rows in state Waiting, never in a batch), so each handler sees a record's
/// events in order. Then the batch is marked fanned out, in the same transaction as the rows.
/// The handlers run outside any transaction. On PostgreSQL several hosts deliver one outbox at
/// once, each its own claimed batch (<see cref="OutboxClaims"/>); on SQLite the hosts take turns
/// (see <see cref="OutboxDispatcher"/>).
/// </summary>
public sealed class OutboxFanOut(
    Modules.Runtime.RuntimePlugins plugins,
    EventCatalog catalog,
    EventReader reader,
    EventHandlerRunner runner,
    OutboxClaims claims,
    IOptions<OutboxOptions> options,
    TimeProvider clock,
    ILogger<OutboxFanOut> logger)
{
    /// <summary>Fans out one batch; returns how many events it took (0 when none waited, or another host has the outbox).</summary>
    public async Task<int> RunAsync(ModuleDatabaseRegistration database, CancellationToken stopping)
    {
        // Scopes that reach the plugins loaded at run time: the outbox may be one of theirs.
        using var scope = plugins.Scopes.CreateSystemScope();
        var services = scope.ServiceProvider;
        var outbox = (ModuleDbContext)services.GetRequiredService(database.ContextType);
        var platform = services.GetRequiredService<PlatformDbContext>();
        var session = services.GetRequiredService<CrmDatabaseSession>();
        // The dispatcher's own statements are never cancelled: EF logs a cancelled statement as an
        // error, which a stop is not. A stop ends the batch between events instead.
        // The batch's claim (on SQLite, the hosts' turn) is counted from before it is taken.
        var claimedAt = clock.GetTimestamp();
        if (!outbox.IsPostgres)
        {
            var batch = await NextBatchAsync(outbox);
            if (batch.Count == 0)
            {
                return 0;
            }

            var outcome = await DeliverAsync(database.Schema, batch, claimedAt, platform, services, stopping);
            await session.InTransactionAsync(() => RecordAsync(outcome, outbox, platform), cancellationToken: CancellationToken.None);
            return outcome.FannedOut.Count;
        }

        var batchId = Guid.NewGuid();
        var claimed = await claims.ClaimAsync(database.Schema, batchId, outbox, platform, session);
        if (claimed.Count == 0)
        {
            return 0; // nothing waits, or what waits is another host's batch (or behind one)
        }

        Outcome delivered;
        try
        {
            delivered = await DeliverAsync(database.Schema, claimed, claimedAt, platform, services, stopping);
        }
        catch
        {
            // Let the others take the batch at once rather than after the claims expire.
            await claims.ForgetAsync(database.Schema, batchId, platform);
            throw;
        }

        return await session.InTransactionAsync(async () =>
        {
            await AddDeliveriesAsync(delivered, platform);
            await claims.ReleaseAsync(database.Schema, batchId, claimed, delivered.FannedOut, outbox);
            return delivered.FannedOut.Count;
        }, cancellationToken: CancellationToken.None);
    }

    private async Task<List<OutboxMessage>> NextBatchAsync(ModuleDbContext outbox) =>
        await outbox.Outbox.AsNoTracking()
            .Where(m => m.ProcessedAt == null)
            .OrderBy(m => m.Id)
            .Take(options.Value.BatchSize)
            .ToListAsync(CancellationToken.None);

    /// <summary>
    /// The partial index (PostgreSQL) of each outbox's waiting events, in outbox order, which the
    /// claim reads its batch from. Without it the claim walked the outbox's primary key past every
    /// event delivered before (all of the outbox's history, kept): after a backlog of 100,000,
    /// 213 ms per claim until PostgreSQL's statistics caught up. Made by the host at start-up (<see cref="EventStreamSetup"/>), as
    /// the outbox's trigger is, so no module needs a migration for it; EF Core's model does not
    /// know it, and no migration drops what the model does not know.
    /// </summary>
    public const string WaitingIndex = "ix_outbox_waiting";

    private sealed record Outcome(List<long> FannedOut, List<EventDelivery> Deliveries);

    private async Task<Outcome> DeliverAsync(string module, List<OutboxMessage> batch, long claimedAt, PlatformDbContext platform, IServiceProvider services, CancellationToken stopping)
    {
        // Which handler already has a delivery of one of these records waiting: its later events wait behind it.
        var entityIds = batch.Select(m => m.EntityId).Distinct().ToList();
        var waiting = (await platform.EventDeliveries.AsNoTracking()
                .Where(d => d.Module == module && entityIds.Contains(d.EntityId))
                .Select(d => new { d.Handler, d.EntityType, d.EntityId })
                .Distinct()
                .ToListAsync(CancellationToken.None))
            .Select(d => (d.Handler, d.EntityType, d.EntityId))
            .ToHashSet();
        var outcome = new Outcome([], []);
        var batches = new Dictionary<EventSubscription, List<(OutboxMessage Message, StoredEvent Stored)>>();
        var started = clock.GetTimestamp();
        foreach (var message in batch)
        {
            if (stopping.IsCancellationRequested)
            {
                break;
            }

            // A batch holds its events (on SQLite, the hosts' turn) while its handlers run: once
            // slow handlers have taken a handler timeout's worth, the rest of the batch is let go
            // for the next round, so no batch holds them much longer than that.
            if (outcome.FannedOut.Count > 0 && clock.GetElapsedTime(started) >= options.Value.HandlerTimeout)
            {
                break;
            }

            var stored = await reader.ReadAsync(message.Payload, services, CancellationToken.None);
            if (stored is not null)
            {
                var deliveries = new List<EventDelivery>();
                try
                {
                    foreach (var handler in catalog.HandlersOf(stored.Data.GetType()))
                    {
                        var key = (handler.Name, message.EntityType, message.EntityId);
                        if (catalog.IsHeld(handler))
                        {
                            // Its module is disabled: the event waits for it, and its record's later events behind it.
                            var held = Delivery(handler, module, message, stored, EventDeliveryState.Waiting, null);
                            held.NextAttemptAt += EventCatalog.HeldRecheck;
                            deliveries.Add(held);
                        }
                        else if (waiting.Contains(key))
                        {
                            deliveries.Add(Delivery(handler, module, message, stored, EventDeliveryState.Waiting, null));
                        }
                        else if (handler.TakesBatches)
                        {
                            (batches.TryGetValue(handler, out var events) ? events : batches[handler] = []).Add((message, stored));
                        }
                        else if (await runner.RunAsync(handler, stored, stopping) is { } error)
                        {
                            deliveries.Add(Delivery(handler, module, message, stored, EventDeliveryState.Retrying, error));
                        }
                    }
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    break; // stopped half-way: the event stays in the outbox and every handler gets it again
                }

                foreach (var delivery in deliveries)
                {
                    waiting.Add((delivery.Handler, delivery.EntityType, delivery.EntityId));
                }

                outcome.Deliveries.AddRange(deliveries);
            }

            outcome.FannedOut.Add(message.Id);
        }

        try
        {
            foreach (var (handler, events) in batches.OrderBy(b => b.Key.Name, StringComparer.Ordinal))
            {
                outcome.Deliveries.AddRange(await DeliverBatchAsync(handler, module, events, claimedAt, stopping));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped in a batch call: nothing is marked, and every handler gets these events again.
            return new Outcome([], []);
        }

        return outcome;
    }

    /// <summary>
    /// One call of a batch handler with its events of the batch; when it fails (throws or passes
    /// the handler timeout), the events one at a time, so that only those that fail alone get
    /// delivery rows (and a record's later events wait behind them). The one-at-a-time round takes
    /// about one handler timeout at most: the events it has no time left for get rows with no
    /// attempt counted, due at once, so the retries hand them over alone. No call starts unless it
    /// can end (a handler timeout) before the batch's claim expires (<c>Events:ClaimTimeout</c>
    /// after <paramref name="claimedAt"/>): another host may take the events after that, so what
    /// is left gets such rows too, the whole batch when the call itself has no time left.
    /// </summary>
    private async Task<List<EventDelivery>> DeliverBatchAsync(
        EventSubscription handler, string module, List<(OutboxMessage Message, StoredEvent Stored)> events, long claimedAt, CancellationToken stopping)
    {
        var deliveries = new List<EventDelivery>();
        const string ClaimRunsOut = "the batch's claim (Events:ClaimTimeout) would expire before a call's time (Events:HandlerTimeout) is up";
        string? batchError = null; // stays null when the call had no time left on the claim
        if (ClaimLasts(claimedAt))
        {
            batchError = await runner.RunAsync(handler, events.Select(e => e.Stored).ToList(), stopping);
            if (batchError is null)
            {
                return deliveries;
            }
        }

        var behind = new HashSet<(string EntityType, long EntityId)>();
        var started = clock.GetTimestamp();
        foreach (var (message, stored) in events)
        {
            var record = (message.EntityType, message.EntityId);
            if (behind.Contains(record))
            {
                deliveries.Add(Delivery(handler, module, message, stored, EventDeliveryState.Waiting, null));
                continue;
            }

            var outOfTime = batchError is null || !ClaimLasts(claimedAt) ? ClaimRunsOut
                : clock.GetElapsedTime(started) >= options.Value.HandlerTimeout ? "the batch's time ran out"
                : null;
            if (outOfTime is not null)
            {
                var untried = batchError is null
                    ? $"Not handed over: {outOfTime}."
                    : $"Not handed over alone yet: its batch failed ({batchError}) and {outOfTime}.";
                deliveries.Add(Delivery(handler, module, message, stored, EventDeliveryState.Retrying, Truncate(untried), attempted: false));
                behind.Add(record);
            }
            else if (await runner.RunAsync(handler, stored, stopping) is { } error)
            {
                deliveries.Add(Delivery(handler, module, message, stored, EventDeliveryState.Retrying, error));
                behind.Add(record);
            }
        }

        return deliveries;
    }

    /// <summary>Whether a handler call started now ends (at the latest after <c>Events:HandlerTimeout</c>) before the claim taken at <paramref name="claimedAt"/> expires.</summary>
    private bool ClaimLasts(long claimedAt) =>
        clock.GetElapsedTime(claimedAt) + options.Value.HandlerTimeout <= options.Value.ClaimTimeout;

    private static string Truncate(string error) => error.Length > EventDelivery.MaxErrorLength ? error[..EventDelivery.MaxErrorLength] : error;

    /// <summary>A delivery row; <paramref name="attempted"/> false for one whose error says why it was not tried (no attempt counted, due at once).</summary>
    private EventDelivery Delivery(EventSubscription handler, string module, OutboxMessage message, StoredEvent stored, EventDeliveryState state, string? error, bool attempted = true)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var failed = error is not null && attempted;
        var parked = failed && options.Value.MaxAttempts <= 1;
        if (parked)
        {
            logger.LogError("The event handler {Handler} failed on {Type} {EventId} {MaxAttempts} time(s); the delivery is parked.",
                handler.Name, stored.Type, stored.Id, options.Value.MaxAttempts);
        }

        return new EventDelivery
        {
            Handler = handler.Name,
            Module = module,
            OutboxId = message.Id,
            EventId = stored.Id,
            EventType = stored.Type,
            EntityType = message.EntityType,
            EntityId = message.EntityId,
            Payload = stored.Json,
            State = parked ? EventDeliveryState.Parked : state,
            Attempts = failed ? 1 : 0,
            NextAttemptAt = failed ? now + options.Value.BackOff(1) : now,
            LastAttemptAt = failed ? now : null,
            LastError = error,
            CreatedAt = now,
        };
    }

    private static async Task AddDeliveriesAsync(Outcome outcome, PlatformDbContext platform)
    {
        if (outcome.Deliveries.Count > 0)
        {
            platform.EventDeliveries.AddRange(outcome.Deliveries);
            await platform.SaveChangesAsync(CancellationToken.None);
        }
    }

    private async Task<int> RecordAsync(Outcome outcome, ModuleDbContext outbox, PlatformDbContext platform)
    {
        await AddDeliveriesAsync(outcome, platform);

        if (outcome.FannedOut.Count > 0)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var ids = outcome.FannedOut;
            await outbox.Outbox.Where(m => ids.Contains(m.Id))
                .ExecuteUpdateAsync(m => m.SetProperty(x => x.ProcessedAt, now), CancellationToken.None);
        }

        return outcome.FannedOut.Count;
    }
}
