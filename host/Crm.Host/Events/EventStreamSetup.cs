using Crm.Host.Data;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Crm.Host.Events;

/// <summary>
/// What event delivery needs in the database beyond the migrations (PostgreSQL), made at start-up
/// after them: each module's stream row (the row a host locks to fan that outbox out, so no
/// request or batch ever adds one), each outbox's index of its waiting events
/// (<see cref="OutboxFanOut.WaitingIndex"/>) and its notify trigger with the function behind it
/// (<see cref="OutboxListener"/>). One read-only statement finds them all in place, which is every
/// start but the first after an install or upgrade; only then is the DDL run, in one transaction
/// under an advisory lock so that hosts starting together do not race. Replacing the triggers at
/// every start, as before, locked every outbox against writes (a trigger's replacement takes a
/// share row exclusive lock), also the outboxes of the hosts already serving.
/// </summary>
internal static class EventStreamSetup
{
    public const string NotifyFunction = "platform.crm_outbox_notify";
    private const string Trigger = "crm_outbox_notify";

    // The function's body exactly as stored (pg_proc.prosrc), so that a changed body is put in place.
    private static readonly string NotifyBody = $"""

        BEGIN
          PERFORM pg_notify('{OutboxListener.Channel}', TG_TABLE_SCHEMA);
          RETURN NULL;
        END
        """;

    public static async Task EnsureAsync(PlatformDbContext platform, IEnumerable<ModuleDatabaseRegistration> databases, CancellationToken cancellationToken)
    {
        if (!platform.IsPostgres)
        {
            return;
        }

        // Schemas are module ids, checked at loading (lower-case letters, digits, underscores); quoted still.
        var schemas = databases.Select(d => d.Schema).Distinct(StringComparer.Ordinal).ToList();
        if (schemas.Count == 0 || await InPlaceAsync(platform, schemas, cancellationToken))
        {
            return;
        }

        var streams = string.Join(", ", schemas.Select(schema => $"('{schema}')"));
        var perOutbox = string.Concat(schemas.Select(schema => $"""
              IF to_regclass('"{schema}".{OutboxFanOut.WaitingIndex}') IS NULL THEN
                CREATE INDEX {OutboxFanOut.WaitingIndex} ON "{schema}".outbox (id) WHERE processed_at IS NULL;
              END IF;
              CREATE OR REPLACE TRIGGER {Trigger} AFTER INSERT ON "{schema}".outbox FOR EACH STATEMENT EXECUTE FUNCTION {NotifyFunction}();

            """));
        var sql = $"""
            SELECT pg_advisory_xact_lock(hashtext('crm_event_streams'));
            INSERT INTO platform.event_streams (module) VALUES {streams} ON CONFLICT DO NOTHING;
            CREATE OR REPLACE FUNCTION {NotifyFunction}() RETURNS trigger LANGUAGE plpgsql AS $fn${NotifyBody}$fn$;
            DO $do$ BEGIN
            {perOutbox}END $do$;
            """;
        await using var transaction = await platform.Database.BeginTransactionAsync(cancellationToken);
        await platform.Database.ExecuteSqlRawAsync(sql, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Whether every stream row, waiting index and trigger (as this version makes them) and the function's body are there.</summary>
    private static async Task<bool> InPlaceAsync(PlatformDbContext platform, List<string> schemas, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT (SELECT count(*) FROM platform.event_streams WHERE module = ANY(@schemas))
                 + (SELECT count(*) FROM pg_indexes WHERE tablename = 'outbox' AND indexname = '{OutboxFanOut.WaitingIndex}' AND schemaname = ANY(@schemas))
                 + (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE t.tgname = '{Trigger}' AND c.relname = 'outbox' AND n.nspname = ANY(@schemas)
                      AND pg_get_triggerdef(t.oid) = format('CREATE TRIGGER {Trigger} AFTER INSERT ON %I.outbox FOR EACH STATEMENT EXECUTE FUNCTION {NotifyFunction}()', n.nspname))
                 = 3 * cardinality(@schemas)
               AND EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                           WHERE n.nspname = 'platform' AND p.proname = 'crm_outbox_notify' AND p.prosrc = @body) AS "Value"
            """;
        return await platform.Database
            .SqlQueryRaw<bool>(sql, new NpgsqlParameter("schemas", schemas.ToArray()), new NpgsqlParameter("body", NotifyBody))
            .SingleAsync(cancellationToken);
    }
}
