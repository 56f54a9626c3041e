using System.Globalization;
using System.Text;
using Crm.Modules.Duplicates.Data;
using Crm.Modules.Duplicates.Finding;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Duplicates.Keys;

/// <summary>
/// The key table's statements, run through any module's context so that they join the
/// transaction that context is saving in (the record's own write). Values go as parameters.
/// </summary>
internal static class KeyTable
{
    /// <summary>Rows per INSERT: four parameters each stays far below either engine's bound.</summary>
    private const int RowsPerInsert = 250;

    /// <summary>Rows per INSERT on PostgreSQL, where they travel as arrays: bounds one statement's memory.</summary>
    private const int RowsPerArrayInsert = 10_000;

    private static string? _postgresName;
    private static string? _sqliteName;

    /// <summary>The table's quoted name on the context's engine, read once from the module's model.</summary>
    public static string Name(IServiceProvider services, ModuleDbContext context)
    {
        var name = context.IsPostgres ? _postgresName : _sqliteName;
        if (name is not null)
        {
            return name;
        }

        var model = services.GetRequiredService<DuplicatesDbContext>().Model.FindEntityType(typeof(RecordKey))!;
        name = model.GetSchema() is { } schema ? $"\"{schema}\".\"{model.GetTableName()}\"" : $"\"{model.GetTableName()}\"";
        return context.IsPostgres ? _postgresName = name : _sqliteName = name;
    }

    public sealed class KeyRow
    {
        public long RecordId { get; set; }

        public string Rule { get; set; } = "";

        public string Key { get; set; } = "";
    }

    /// <summary>The stored keys of records <paramref name="ids"/> of <paramref name="type"/>.</summary>
    public static async Task<List<KeyRow>> OfRecordsAsync(ModuleDbContext context, string table, string type, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        var parameters = new List<object> { type };
        var sql = $"SELECT record_id AS \"RecordId\", rule AS \"Rule\", key AS \"Key\" FROM {table} WHERE entity_type = {{0}} AND record_id IN ({In(ids, parameters)})";
#pragma warning disable EF1002 // the table's name from the model; every value a parameter
        return await context.Database.SqlQueryRaw<KeyRow>(sql, [.. parameters]).ToListAsync(cancellationToken);
#pragma warning restore EF1002
    }

    public static async Task DeleteAsync(ModuleDbContext context, string table, string type, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        foreach (var chunk in ids.Chunk(1000))
        {
            var parameters = new List<object> { type };
            var sql = $"DELETE FROM {table} WHERE entity_type = {{0}} AND record_id IN ({In(chunk, parameters)})";
#pragma warning disable EF1002
            await context.Database.ExecuteSqlRawAsync(sql, parameters, cancellationToken);
#pragma warning restore EF1002
        }
    }

    /// <summary>
    /// PostgreSQL: the key rows of readable records of <paramref name="definition"/>'s type under each
    /// (rule, key), the first <paramref name="perKey"/> of each by record id; null when the actor
    /// reads none. The keys go as two arrays, each looked up on the primary key by a lateral subquery
    /// ordered as that key is, so that no other index can serve the order: one statement text whatever
    /// their number, and index lookups however stale the table's statistics are (a join, and a
    /// lateral ordered by record id alone, were planned as walks through all the type's keys while an
    /// import grew the table).
    /// </summary>
    public static async Task<List<KeyRow>?> FirstOfEachOnPostgresAsync(IServiceProvider services, ModuleDbContext context, ICrmEntityDefinition definition,
        IReadOnlyCollection<(string Rule, string Key)> keys, int perKey, CancellationToken cancellationToken)
    {
        var parameters = new List<object> { definition.Name, keys.Select(k => k.Rule).ToArray(), keys.Select(k => k.Key).ToArray(), (long)perKey };
        var readable = DuplicateFinder.ReadableCondition(services, definition, "crm_k.record_id", parameters);
        if (readable is null)
        {
            return null;
        }

        var sql = "SELECT crm_m.record_id AS \"RecordId\", crm_q.rule AS \"Rule\", crm_q.key AS \"Key\" "
            + "FROM (SELECT DISTINCT q.rule, q.key FROM unnest({1}::text[], {2}::text[]) AS q(rule, key)) AS crm_q "
            + $"CROSS JOIN LATERAL (SELECT crm_k.record_id FROM {Name(services, context)} AS crm_k WHERE crm_k.entity_type = {{0}} AND crm_k.rule = crm_q.rule AND crm_k.key = crm_q.key{readable} "
            + "ORDER BY crm_k.rule, crm_k.key, crm_k.record_id LIMIT {3}) AS crm_m";
#pragma warning disable EF1002 // the table's name from the model; every value a parameter
        return await context.Database.SqlQueryRaw<KeyRow>(sql, [.. parameters]).ToListAsync(cancellationToken);
#pragma warning restore EF1002
    }

    public static async Task InsertAsync(ModuleDbContext context, string table, string type, IReadOnlyList<(long RecordId, MatchRule Rule, string Key)> keys, CancellationToken cancellationToken)
    {
        if (context.IsPostgres)
        {
            // The rows as three array parameters: one statement text whatever their number, so
            // neither PostgreSQL nor EF plans (and compiles) it again for each batch.
            foreach (var chunk in keys.Chunk(RowsPerArrayInsert))
            {
                var sql = $"INSERT INTO {table} (entity_type, rule, key, record_id) SELECT {{0}}, f.rule, f.key, f.record_id "
                    + "FROM unnest({1}::text[], {2}::text[], {3}::bigint[]) AS f(rule, key, record_id)";
#pragma warning disable EF1002 // the table's name from the model; every value a parameter
                await context.Database.ExecuteSqlRawAsync(sql, [type, chunk.Select(k => k.Rule.Code()).ToArray(), chunk.Select(k => k.Key).ToArray(),
                    chunk.Select(k => k.RecordId).ToArray()], cancellationToken);
#pragma warning restore EF1002
            }

            return;
        }

        foreach (var chunk in keys.Chunk(RowsPerInsert))
        {
            var parameters = new List<object> { type };
            var sql = new StringBuilder($"INSERT INTO {table} (entity_type, rule, key, record_id) VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                var (recordId, rule, key) = chunk[i];
                sql.Append(i == 0 ? "" : ", ").Append("({0}, ").Append(Placeholder(parameters, rule.Code())).Append(", ")
                    .Append(Placeholder(parameters, key)).Append(", ").Append(Placeholder(parameters, recordId)).Append(')');
            }

#pragma warning disable EF1002
            await context.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, cancellationToken);
#pragma warning restore EF1002
        }
    }

    /// <summary>
    /// Makes the stored keys of updated records <paramref name="ids"/> exactly <paramref name="fresh"/>, and returns
    /// those it added (what the records did not have). PostgreSQL: one statement (the delete and the insert touch
    /// disjoint rows, so their order within it does not matter; the record's row lock keeps other writers of its keys
    /// out); SQLite: a read, then the delete and the insert of what differs.
    /// </summary>
    public static async Task<List<(long Id, MatchRule Rule, string Key)>> ReplaceAsync(ModuleDbContext context, string table, string type, IReadOnlyList<long> ids,
        IReadOnlyList<(long Id, MatchRule Rule, string Key)> fresh, CancellationToken cancellationToken)
    {
        if (context.IsPostgres)
        {
            var added = new List<(long, MatchRule, string)>();
            foreach (var chunk in ids.Chunk(1000))
            {
                var inChunk = chunk.ToHashSet();
                var rows = fresh.Where(k => inChunk.Contains(k.Id)).ToList();
                var sql = $"WITH fresh AS (SELECT * FROM unnest({{1}}::bigint[], {{2}}::text[], {{3}}::text[]) AS f(record_id, rule, key)), "
                    + $"gone AS (DELETE FROM {table} AS k WHERE k.entity_type = {{0}} AND k.record_id = ANY({{4}}) "
                    + "AND NOT EXISTS (SELECT 1 FROM fresh AS f WHERE f.record_id = k.record_id AND f.rule = k.rule AND f.key = k.key)), "
                    + $"added AS (INSERT INTO {table} (entity_type, rule, key, record_id) SELECT {{0}}, f.rule, f.key, f.record_id FROM fresh AS f "
                    + $"WHERE NOT EXISTS (SELECT 1 FROM {table} AS k WHERE k.entity_type = {{0}} AND k.record_id = f.record_id AND k.rule = f.rule AND k.key = f.key) "
                    + "RETURNING record_id, rule, key) "
                    + "SELECT record_id AS \"RecordId\", rule AS \"Rule\", key AS \"Key\" FROM added";
#pragma warning disable EF1002 // the table's name from the model; every value a parameter
                var inserted = await context.Database.SqlQueryRaw<KeyRow>(sql, type, rows.Select(k => k.Id).ToArray(), rows.Select(k => k.Rule.Code()).ToArray(),
                    rows.Select(k => k.Key).ToArray(), chunk).ToListAsync(cancellationToken);
#pragma warning restore EF1002
                var byCode = rows.ToDictionary(k => (k.Id, k.Rule.Code(), k.Key));
                added.AddRange(inserted.Select(r => byCode[(r.RecordId, r.Rule, r.Key)]));
            }

            return added;
        }

        var before = (await OfRecordsAsync(context, table, type, ids, cancellationToken)).Select(k => (k.RecordId, k.Rule, k.Key)).ToHashSet();
        var freshSet = fresh.Select(k => (k.Id, k.Rule.Code(), k.Key)).ToHashSet();
        var newKeys = fresh.Where(k => !before.Contains((k.Id, k.Rule.Code(), k.Key))).ToList();
        var changed = ids.Where(id => before.Any(b => b.RecordId == id && !freshSet.Contains(b)) || newKeys.Any(k => k.Id == id)).ToHashSet();
        // Records whose keys differ lose all their rows and get the new set: two statements, whatever the batch.
        await DeleteAsync(context, table, type, changed, cancellationToken);
        await InsertAsync(context, table, type, fresh.Where(k => changed.Contains(k.Id)).ToList(), cancellationToken);
        return newKeys;
    }

    private static string In(IEnumerable<long> ids, List<object> parameters) => string.Join(", ", ids.Select(id => Placeholder(parameters, id)));

    private static string Placeholder(List<object> parameters, object value)
    {
        parameters.Add(value);
        return "{" + (parameters.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
    }
}
