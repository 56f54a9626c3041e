using Crm.PluginSdk.Modules;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// The custom field values of one record type, all records at once: counting and clearing a
/// field's values, and keeping the table's indexes those of its filterable fields.
/// </summary>
internal sealed class CustomFieldStorage<TRecord, TContext>(string name)
    where TRecord : class, ICrmRecord
    where TContext : ModuleDbContext
{
    // The SQL below names tables and columns from the EF model and field codes checked against
    // UF_CRM_[A-Z0-9_]+; values travel as parameters.
#pragma warning disable EF1002
    private (string Table, string Column, bool IsPostgres) CustomStorage(TContext db)
    {
        var entityType = db.Model.FindEntityType(typeof(TRecord)) ?? throw new InvalidOperationException($"{typeof(TRecord).Name} is not part of {typeof(TContext).Name}.");
        var column = entityType.FindProperty(nameof(ICustomizableRecord.CustomFields))?.GetColumnName()
            ?? throw new InvalidOperationException($"{name} takes no custom fields.");
        var table = entityType.GetTableName()!;
        var schema = entityType.GetSchema();
        return (db.IsPostgres ? $"\"{schema}\".\"{table}\"" : $"\"{table}\"", column, db.IsPostgres);
    }

    public async Task<int> CountCustomValuesAsync(IServiceProvider services, string code, CancellationToken cancellationToken)
    {
        var db = services.GetModuleService<TContext>();
        var (table, column, isPostgres) = CustomStorage(db);
        var holds = isPostgres ? $"jsonb_exists({column}, {{0}})" : $"json_type({column}, '$.' || {{0}}) IS NOT NULL";
        return await db.Database.SqlQueryRaw<int>($"SELECT CAST(count(*) AS integer) AS \"Value\" FROM {table} WHERE {holds}", code).SingleAsync(cancellationToken);
    }

    public async Task<int> ClearCustomValuesAsync(IServiceProvider services, string code, CancellationToken cancellationToken)
    {
        var db = services.GetModuleService<TContext>();
        var (table, column, isPostgres) = CustomStorage(db);
        var sql = isPostgres
            ? $"UPDATE {table} SET {column} = {column} - {{0}} WHERE jsonb_exists({column}, {{0}})"
            : $"UPDATE {table} SET {column} = json_remove({column}, '$.' || {{0}}) WHERE json_type({column}, '$.' || {{0}}) IS NOT NULL";
        return await db.Database.ExecuteSqlRawAsync(sql, [code], cancellationToken);
    }

    public async Task SyncCustomFieldIndexesAsync(IServiceProvider services, IReadOnlyList<CustomFieldSpec> fields, CancellationToken cancellationToken)
    {
        var db = services.GetModuleService<TContext>();
        var entityType = db.Model.FindEntityType(typeof(TRecord))!;
        var tableName = entityType.GetTableName()!;
        var (table, column, isPostgres) = CustomStorage(db);
        var idColumn = entityType.FindProperty(nameof(ICrmRecord.Id))!.GetColumnName();
        // SQLite's indexes stay on its own json_extract: an index on a function registered by the
        // platform would break writes from any other program that opens the file.
        // Multiple fields get a GIN index on their list (PostgreSQL only), which containment uses.
        var wanted = fields.Where(f => f.Filterable && f.EntityType == name
                && (f.Multiple ? isPostgres && CustomFieldSql.ContainmentServes(f.Type) : isPostgres || f.Type != CustomFieldType.Address))
            .ToDictionary(f => CustomFieldSql.IndexName(tableName, f), f => f, StringComparer.Ordinal);
        var existing = isPostgres
            ? await db.Database.SqlQueryRaw<string>(
                """
                SELECT c.relname || CASE WHEN i.indisvalid THEN '' ELSE ' invalid' END AS "Value"
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = {0} AND t.relname = {1} AND c.relname LIKE {2}
                """, entityType.GetSchema()!, tableName, CustomFieldSql.IndexPrefix.Replace("_", "\\_", StringComparison.Ordinal) + "%").ToListAsync(cancellationToken)
            : await db.Database.SqlQueryRaw<string>(
                "SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'index' AND tbl_name = {0} AND name LIKE 'cf\\_%' ESCAPE '\\'",
                tableName).ToListAsync(cancellationToken);

        // CONCURRENTLY keeps the table writable while a large index builds, but cannot run in a transaction.
        var concurrently = isPostgres && db.Database.CurrentTransaction is null
            && services.GetService<CrmDatabaseSession>()?.Transaction is null ? "CONCURRENTLY " : "";
        var schemaPrefix = isPostgres ? $"\"{entityType.GetSchema()}\"." : "";
        foreach (var row in existing)
        {
            var name = row.Split(' ')[0];
            if (!wanted.ContainsKey(name) || row.EndsWith(" invalid", StringComparison.Ordinal))
            {
                await db.Database.ExecuteSqlRawAsync($"DROP INDEX {concurrently}IF EXISTS {schemaPrefix}\"{name}\"", cancellationToken);
                existing = existing.Where(e => e != row).ToList();
            }
        }

        var created = false;
        var timeout = db.Database.GetCommandTimeout();
        // An index over millions of rows takes longer than a query may: no timeout here.
        db.Database.SetCommandTimeout(0);
        try
        {
            foreach (var (name, spec) in wanted)
            {
                if (existing.Any(e => e == name))
                {
                    continue;
                }

                var definition = spec.Multiple
                    ? $"USING gin (({column} -> '{spec.Code}') jsonb_path_ops)"
                    : $"(({CustomFieldSql.KeySql(spec, column, isPostgres)}), \"{idColumn}\")";
                await db.Database.ExecuteSqlRawAsync($"CREATE INDEX {concurrently}IF NOT EXISTS \"{name}\" ON {table} {definition}", cancellationToken);
                created = true;
            }

            // PostgreSQL keeps statistics of an index's expression only after an ANALYZE; without
            // them it guesses how many rows a filter on the new field matches.
            if (created && isPostgres)
            {
                await db.Database.ExecuteSqlRawAsync($"ANALYZE {table}", cancellationToken);
            }
        }
        finally
        {
            db.Database.SetCommandTimeout(timeout);
        }
    }

#pragma warning restore EF1002
}
