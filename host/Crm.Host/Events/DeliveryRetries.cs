using Crm.Host.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Crm.Host.Events;

/// <summary>
/// Tries again the deliveries that are due: those retrying whose back-off has passed, and those
/// waiting whose record has nothing earlier waiting for their handler. A delivery is tried only
/// when it is the first of its record for its handler, so a record's events still reach each
/// handler in order; when it succeeds, the ones waiting behind it follow at once. One that fails
/// <c>Events:MaxAttempts</c> times is parked, and its record's later events wait behind it until an
/// administrator retries or discards it.
/// On PostgreSQL hosts claim due deliveries with <c>FOR UPDATE SKIP LOCKED</c>, so each is tried
/// by one host; on SQLite they take turns, and the attempts run outside a transaction.
/// </summary>
public sealed class DeliveryRetries(
    IServiceScopeFactory scopes,
    EventCatalog catalog,
    EventReader reader,
    EventHandlerRunner runner,
    IOptions<OutboxOptions> options,
    TimeProvider clock,
    ILogger<DeliveryRetries> logger)
{
    private const string Table = "platform.event_deliveries";

    /// <summary>
    /// Due deliveries, first of their record for their handler, claimed. The columns are the EF
    /// model's snake_case names of <see cref="EventDelivery"/>.
    /// </summary>
    private const string DueSql = $$"""
        SELECT d.* FROM {{Table}} AS d
        WHERE d.state <> 'Parked' AND d.next_attempt_at <= {0}
          AND NOT EXISTS (SELECT 1 FROM {{Table}} AS e
                          WHERE e.handler = d.handler AND e.module = d.module AND e.entity_type = d.entity_type
                            AND e.entity_id = d.entity_id AND e.outbox_id < d.outbox_id)
        ORDER BY d.next_attempt_at, d.id
        LIMIT {1}
        FOR UPDATE OF d SKIP LOCKED
        """;

    /// <summary>The next delivery of a record for a handler, locked (waiting, not skipping: skipping it would let a later one pass it).</summary>
    private const string NextSql = $$"""
        SELECT * FROM {{Table}}
        WHERE handler = {0} AND module = {1} AND entity_type = {2} AND entity_id = {3} AND outbox_id > {4}
        ORDER BY outbox_id
        LIMIT 1
        FOR UPDATE
        """;

    /// <summary>Tries one batch of due deliveries; returns how many succeeded, and how many were due (claimed).</summary>
    public async Task<(int Delivered, int Claimed)> RunAsync(CancellationToken stopping)
    {
        using var scope = scopes.CreateSystemScope();
        var services = scope.ServiceProvider;
        var platform = services.GetRequiredService<PlatformDbContext>();
        var session = services.GetRequiredService<CrmDatabaseSession>();
        if (!platform.IsPostgres)
        {
            var due = await DueAsync(platform);
            if (due.Count == 0)
            {
                return (0, 0);
            }

            var delivered = await TryAsync(due, platform, services, stopping);
            await session.InTransactionAsync(() => platform.SaveChangesAsync(CancellationToken.None), cancellationToken: CancellationToken.None);
            return (delivered, due.Count);
        }

        return await session.InTransactionAsync(async () =>
        {
            var due = await DueAsync(platform);
            if (due.Count == 0)
            {
                return (0, 0);
            }

            var delivered = await TryAsync(due, platform, services, stopping);
            await platform.SaveChangesAsync(CancellationToken.None);
            return (delivered, due.Count);
        }, cancellationToken: CancellationToken.None);
    }

    private async Task<List<EventDelivery>> DueAsync(PlatformDbContext platform)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var batch = options.Value.BatchSize;
        if (platform.IsPostgres)
        {
            return await platform.EventDeliveries.FromSqlRaw(DueSql, now, batch).ToListAsync(CancellationToken.None);
        }

        return await platform.EventDeliveries
            .Where(d => d.State != EventDeliveryState.Parked && d.NextAttemptAt <= now
                && !platform.EventDeliveries.Any(e => e.Handler == d.Handler && e.Module == d.Module && e.EntityType == d.EntityType
                    && e.EntityId == d.EntityId && e.OutboxId < d.OutboxId))
            .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
            .Take(batch)
            .ToListAsync(CancellationToken.None);
    }

    private async Task<EventDelivery?> NextAsync(PlatformDbContext platform, EventDelivery after)
    {
        if (platform.IsPostgres)
        {
            return (await platform.EventDeliveries
                .FromSqlRaw(NextSql, after.Handler, after.Module, after.EntityType, after.EntityId, after.OutboxId)
                .ToListAsync(CancellationToken.None)).FirstOrDefault();
        }

        return await platform.EventDeliveries
            .Where(e => e.Handler == after.Handler && e.Module == after.Module && e.EntityType == after.EntityType
                && e.EntityId == after.EntityId && e.OutboxId > after.OutboxId)
            .OrderBy(e => e.OutboxId)
            .FirstOrDefaultAsync(CancellationToken.None);
    }

    private async Task<int> TryAsync(List<EventDelivery> due, PlatformDbContext platform, IServiceProvider services, CancellationToken stopping)
    {
        var delivered = 0;
        try
        {
            foreach (var first in due)
            {
                // The first of a record for its handler, then, while they succeed, those waiting behind it.
                for (var delivery = first; delivery is not null;)
                {
                    stopping.ThrowIfCancellationRequested();
                    if (!await AttemptAsync(delivery, services, stopping))
                    {
                        break;
                    }

                    platform.EventDeliveries.Remove(delivery);
                    delivered++;
                    var next = await NextAsync(platform, delivery);
                    delivery = next is { State: not EventDeliveryState.Parked } && next.NextAttemptAt <= clock.GetUtcNow().UtcDateTime ? next : null;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped: what was tried is recorded; the rest stays due.
        }

        return delivered;
    }

    /// <summary>One attempt; true when it succeeded. A failure counts, and backs off or parks.</summary>
    private async Task<bool> AttemptAsync(EventDelivery delivery, IServiceProvider services, CancellationToken stopping)
    {
        string? error;
        var handler = catalog.Find(delivery.Handler);
        if (handler is not null && catalog.IsHeld(handler))
        {
            // Its module is disabled: not tried, nothing counted; it waits for the module to come back.
            delivery.NextAttemptAt = clock.GetUtcNow().UtcDateTime + EventCatalog.HeldRecheck;
            return false;
        }

        var stored = await reader.ReadAsync(delivery.Payload, services, CancellationToken.None);
        if (handler is null)
        {
            error = $"No handler named '{delivery.Handler}' is loaded.";
        }
        else if (stored is null)
        {
            error = $"The event cannot be read: no loaded module declares {delivery.EventType}.";
        }
        else
        {
            error = await runner.RunAsync(handler, stored, stopping);
        }

        if (error is null)
        {
            return true;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        delivery.Attempts++;
        delivery.LastAttemptAt = now;
        delivery.LastError = error;
        if (delivery.Attempts >= options.Value.MaxAttempts)
        {
            delivery.State = EventDeliveryState.Parked;
            logger.LogError("The event handler {Handler} failed on {Type} {EventId} of {EntityType} {EntityId} {Attempts} times; the delivery is parked: {Error}",
                delivery.Handler, delivery.EventType, delivery.EventId, delivery.EntityType, delivery.EntityId, delivery.Attempts, error);
        }
        else
        {
            delivery.State = EventDeliveryState.Retrying;
            delivery.NextAttemptAt = now + options.Value.BackOff(delivery.Attempts);
        }

        return false;
    }
}
