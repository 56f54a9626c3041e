using System.Data.Common;
using System.Globalization;
using System.Text;
using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Crm.Modules.Timeline.History;

/// <summary>
/// The statements <see cref="TimelineAppender"/> writes with: a list of entries (or moves) in one
/// <c>INSERT</c>, skipping the rows the unique indexes already hold, with no change tracking and
/// no generated ids read back. On PostgreSQL the rows go as one array per column (<c>unnest</c>),
/// so the statement's text is the same whatever the count; on SQLite as one <c>VALUES</c> list of
/// up to <see cref="SqliteRowsPerStatement"/> rows. Table and column names come from the model.
/// </summary>
internal static class TimelineInserts
{
    /// <summary>Rows of one SQLite statement: its variables (one per column and row) stay under SQLite's 32,766.</summary>
    public const int SqliteRowsPerStatement = 1000;

    private static readonly string[] EntryColumns =
    [
        nameof(TimelineEntry.EventId), nameof(TimelineEntry.EntityType), nameof(TimelineEntry.EntityId), nameof(TimelineEntry.Kind),
        nameof(TimelineEntry.OccurredAt), nameof(TimelineEntry.ActorId), nameof(TimelineEntry.ActorKind), nameof(TimelineEntry.Via), nameof(TimelineEntry.Data),
    ];

    private static readonly string[] EntryKey =
        [nameof(TimelineEntry.EventId), nameof(TimelineEntry.EntityType), nameof(TimelineEntry.EntityId), nameof(TimelineEntry.Kind)];

    private static readonly string[] MoveColumns =
    [
        nameof(StageMove.EventId), nameof(StageMove.EntityType), nameof(StageMove.EntityId), nameof(StageMove.PipelineId), nameof(StageMove.FromId),
        nameof(StageMove.ToId), nameof(StageMove.Semantics), nameof(StageMove.OccurredAt), nameof(StageMove.ActorId),
    ];

    private static readonly string[] MoveKey = [nameof(StageMove.EventId)];

    /// <summary>Inserts the entries whose (event, record, kind) is not there yet, in order; returns how many it inserted.</summary>
    public static Task<int> InsertEntriesAsync(TimelineDbContext db, IReadOnlyList<TimelineEntry> entries, CancellationToken cancellationToken) =>
        InsertAsync(db, typeof(TimelineEntry), EntryColumns, EntryKey, entries, e => [e.EventId, e.EntityType, e.EntityId, e.Kind, e.OccurredAt, e.ActorId, e.ActorKind, e.Via, e.Data],
            db.IsPostgres
                ? [entries.Select(e => e.EventId).ToArray(), entries.Select(e => e.EntityType).ToArray(), entries.Select(e => e.EntityId).ToArray(),
                   entries.Select(e => e.Kind).ToArray(), entries.Select(e => e.OccurredAt).ToArray(), entries.Select(e => e.ActorId).ToArray(),
                   entries.Select(e => e.ActorKind).ToArray(), entries.Select(e => e.Via).ToArray(), entries.Select(e => e.Data).ToArray()]
                : null,
            cancellationToken);

    /// <summary>Inserts the moves whose event has none yet, in order; returns how many it inserted.</summary>
    public static Task<int> InsertMovesAsync(TimelineDbContext db, IReadOnlyList<StageMove> moves, CancellationToken cancellationToken) =>
        InsertAsync(db, typeof(StageMove), MoveColumns, MoveKey, moves, m => [m.EventId, m.EntityType, m.EntityId, m.PipelineId, m.FromId, m.ToId, m.Semantics, m.OccurredAt, m.ActorId],
            db.IsPostgres
                ? [moves.Select(m => m.EventId).ToArray(), moves.Select(m => m.EntityType).ToArray(), moves.Select(m => m.EntityId).ToArray(),
                   moves.Select(m => m.PipelineId).ToArray(), moves.Select(m => m.FromId).ToArray(), moves.Select(m => m.ToId).ToArray(),
                   moves.Select(m => m.Semantics).ToArray(), moves.Select(m => m.OccurredAt).ToArray(), moves.Select(m => m.ActorId).ToArray()]
                : null,
            cancellationToken);

    /// <summary>
    /// One statement on PostgreSQL (<paramref name="arrays"/>: one per column, in order); on SQLite
    /// one per <see cref="SqliteRowsPerStatement"/> rows (<paramref name="row"/>: a row's values).
    /// </summary>
    private static async Task<int> InsertAsync<T>(
        TimelineDbContext db, Type type, string[] properties, string[] key, IReadOnlyList<T> rows, Func<T, object?[]> row, object[]? arrays, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return 0;
        }

        var (table, columns, conflict) = Names(db, type, properties, key);
        if (arrays is not null)
        {
            // WITH ORDINALITY ... ORDER BY: ids are given in the list's order.
            var sql = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"INSERT INTO {table} ({columns}) SELECT {string.Join(", ", properties.Select((_, i) => $"r.c{i}"))} FROM unnest(")
                .AppendJoin(", ", properties.Select((_, i) => $"{{{i}}}"))
                .Append(CultureInfo.InvariantCulture, $") WITH ORDINALITY AS r({string.Join(", ", properties.Select((_, i) => $"c{i}"))}, n) ORDER BY r.n ")
                .Append(CultureInfo.InvariantCulture, $"ON CONFLICT ({conflict}) DO NOTHING")
                .ToString();
            return await db.Database.ExecuteSqlRawAsync(sql, arrays, cancellationToken);
        }

        var written = 0;
        foreach (var chunk in rows.Chunk(SqliteRowsPerStatement))
        {
            var sql = new StringBuilder().Append(CultureInfo.InvariantCulture, $"INSERT INTO {table} ({columns}) VALUES ");
            var values = new List<object?>(chunk.Length * properties.Length);
            for (var r = 0; r < chunk.Length; r++)
            {
                sql.Append(r == 0 ? "(" : ", (")
                    .AppendJoin(", ", properties.Select((_, c) => $"{{{values.Count + c}}}"))
                    .Append(')');
                values.AddRange(row(chunk[r]));
            }

            sql.Append(CultureInfo.InvariantCulture, $" ON CONFLICT ({conflict}) DO NOTHING");
            // EF Core has no mapping for a null value: a null goes as a parameter of its own (EF Core
            // names it); the rest keep the model's mappings.
            using var factory = db.Database.GetDbConnection().CreateCommand();
            written += await db.Database.ExecuteSqlRawAsync(sql.ToString(), values.Select(v => v ?? NullParameter(factory)), cancellationToken);
        }

        return written;
    }

    private static DbParameter NullParameter(DbCommand factory)
    {
        var parameter = factory.CreateParameter();
        parameter.Value = DBNull.Value;
        return parameter;
    }

    /// <summary>The table, its listed columns and the unique key's columns, as the engine spells them.</summary>
    private static (string Table, string Columns, string Conflict) Names(TimelineDbContext db, Type type, string[] properties, string[] key)
    {
        var entity = db.Model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not in the timeline's model.");
        var store = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(store)!);
        return (sql.DelimitIdentifier(store.Name, store.Schema), string.Join(", ", properties.Select(Column)), string.Join(", ", key.Select(Column)));
    }
}
