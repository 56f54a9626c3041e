using Crm.Host.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Crm.Host.Events;

/// <summary>
/// On PostgreSQL, how hosts share one module's outbox: a batch is claimed in a short transaction
/// (rows of <c>platform.event_claims</c>), delivered with no transaction or lock held, then marked
/// and released in a second short transaction. Claims are taken one host at a time (the module's
/// row of <c>platform.event_streams</c>, held only for the claim), so each sees the others' claims:
/// an event claimed by a live batch is not taken again, nor a later event of its record, which
/// keeps each record's events in order for every handler. A claim expires after
/// <c>Events:ClaimTimeout</c>, so the events of a host that stopped mid-batch are taken again.
/// </summary>
public sealed class OutboxClaims(IOptions<OutboxOptions> options, TimeProvider clock)
{
    /// <summary>
    /// The first waiting events in outbox order that no live claim holds and that have no earlier
    /// event of their record under a live claim, claimed for <c>{3}</c> (an expired claim is taken
    /// over), returned in order. <c>{{0}}</c> is the module's schema, checked at loading.
    /// </summary>
    private const string ClaimSql = """
        WITH batch AS (
            SELECT o.id, o.entity_type, o.entity_id FROM "{0}".outbox AS o
            WHERE o.processed_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM platform.event_claims AS c
                              WHERE c.module = {{0}} AND c.outbox_id = o.id AND c.expires_at > {{1}})
              AND NOT EXISTS (SELECT 1 FROM platform.event_claims AS c
                              WHERE c.module = {{0}} AND c.entity_type = o.entity_type AND c.entity_id = o.entity_id
                                AND c.outbox_id < o.id AND c.expires_at > {{1}})
            ORDER BY o.id
            LIMIT {{2}}
        ), claimed AS (
            INSERT INTO platform.event_claims (module, outbox_id, entity_type, entity_id, claimed_by, expires_at)
            SELECT {{0}}, id, entity_type, entity_id, {{3}}, {{4}} FROM batch
            ON CONFLICT (module, outbox_id) DO UPDATE SET claimed_by = excluded.claimed_by, expires_at = excluded.expires_at
            RETURNING outbox_id
        )
        SELECT o.* FROM "{0}".outbox AS o WHERE o.id IN (SELECT outbox_id FROM claimed) ORDER BY o.id
        """;

    /// <summary>
    /// Marks what the batch delivered and lets go of everything it claimed (what it did not reach
    /// is taken again at once). The claims are found by their key (<c>{{4}}</c>, the batch's
    /// events), not by a scan of the table for the batch's id.
    /// </summary>
    private const string ReleaseSql = """
        WITH released AS (DELETE FROM platform.event_claims WHERE module = {{0}} AND outbox_id = ANY({{4}}) AND claimed_by = {{1}})
        UPDATE "{0}".outbox SET processed_at = {{2}} WHERE id = ANY({{3}})
        """;

    /// <summary>Claims the next batch of <paramref name="outbox"/>'s module for <paramref name="batchId"/>; empty when nothing can be taken.</summary>
    public async Task<List<OutboxMessage>> ClaimAsync(string module, Guid batchId, ModuleDbContext outbox, PlatformDbContext platform, CrmDatabaseSession session)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await session.InTransactionAsync(async () =>
        {
            // Waits (briefly: no one holds it longer than a claim) so that this claim sees every earlier one.
            var stream = await platform.EventStreams
                .FromSqlRaw("SELECT * FROM platform.event_streams WHERE module = {0} FOR UPDATE", module)
                .AsNoTracking().ToListAsync(CancellationToken.None);
            if (stream.Count == 0)
            {
                return [];
            }

            return await outbox.Outbox
                .FromSqlRaw(Sql(ClaimSql, module), module, now, options.Value.BatchSize, batchId, now + options.Value.ClaimTimeout)
                .AsNoTracking().ToListAsync(CancellationToken.None);
        }, cancellationToken: CancellationToken.None);
    }

    /// <summary>Marks <paramref name="delivered"/> and releases the batch's claims (<paramref name="claimed"/>: what it took), in the caller's transaction.</summary>
    public async Task ReleaseAsync(string module, Guid batchId, IReadOnlyList<OutboxMessage> claimed, IReadOnlyCollection<long> delivered, ModuleDbContext outbox) =>
        await outbox.Database.ExecuteSqlRawAsync(
            Sql(ReleaseSql, module), [module, batchId, clock.GetUtcNow().UtcDateTime, delivered.ToArray(), claimed.Select(m => m.Id).ToArray()], CancellationToken.None);

    /// <summary>Lets go of a batch's claims without marking anything (its delivery failed half-way).</summary>
    public async Task ForgetAsync(string module, Guid batchId, PlatformDbContext platform) =>
        await platform.EventClaims.Where(c => c.Module == module && c.ClaimedBy == batchId).ExecuteDeleteAsync(CancellationToken.None);

    private static string Sql(string template, string module) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, template, module);
}
