using System.Globalization;
using System.Text;
using Crm.Modules.Duplicates.Data;
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

    public static async Task InsertAsync(ModuleDbContext context, string table, string type, IReadOnlyList<(long RecordId, MatchRule Rule, string Key)> keys, CancellationToken cancellationToken)
    {
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

    private static string In(IEnumerable<long> ids, List<object> parameters) => string.Join(", ", ids.Select(id => Placeholder(parameters, id)));

    private static string Placeholder(List<object> parameters, object value)
    {
        parameters.Add(value);
        return "{" + (parameters.Count - 1).ToString(CultureInfo.InvariantCulture) + "}";
    }
}
