using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// Every row of every table of a host's database (each module's records, links, outbox, lists,
/// users ...; not the migration histories), read straight: to prove that a refused or failed
/// change wrote nothing anywhere, rather than that one count stayed the same.
/// </summary>
public sealed class DatabaseState
{
    private readonly SortedDictionary<string, List<string>> _tables;

    private DatabaseState(SortedDictionary<string, List<string>> tables) => _tables = tables;

    public static async Task<DatabaseState> CaptureAsync(CrmHost host)
    {
        await using DbConnection connection = host.Engine == Engine.Postgres
            ? new NpgsqlConnection(host.ConnectionString)
            : new SqliteConnection(host.ConnectionString);
        await connection.OpenAsync();
        var tables = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var table in await TablesAsync(connection, host.Engine))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table}";
            var rows = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var row = new StringBuilder();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row.Append(i == 0 ? "" : ", ").Append(reader.GetName(i)).Append('=').Append(Format(reader.IsDBNull(i) ? null : reader.GetValue(i)));
                }

                rows.Add(row.ToString());
            }

            rows.Sort(StringComparer.Ordinal);
            tables[table] = rows;
        }

        return new DatabaseState(tables);
    }

    /// <summary>Fails, naming every table and row that differs, unless the database is as it was.</summary>
    public async Task ShouldBeUnchangedAsync(CrmHost host, string because)
    {
        var now = await CaptureAsync(host);
        var differences = new List<string>();
        foreach (var table in _tables.Keys.Union(now._tables.Keys).Order(StringComparer.Ordinal))
        {
            var before = _tables.GetValueOrDefault(table) ?? [];
            var after = now._tables.GetValueOrDefault(table) ?? [];
            var added = Minus(after, before);
            var removed = Minus(before, after);
            differences.AddRange(added.Take(5).Select(row => $"  {table}: added   {row}"));
            differences.AddRange(removed.Take(5).Select(row => $"  {table}: removed {row}"));
            if (added.Count + removed.Count > 10)
            {
                differences.Add($"  {table}: {added.Count} row(s) added and {removed.Count} removed in all");
            }
        }

        Assert.True(differences.Count == 0, $"Nothing should have been written ({because}), but:\n{string.Join('\n', differences)}");
    }

    /// <summary>The rows of <paramref name="rows"/> left after taking out one of each row of <paramref name="others"/>.</summary>
    private static List<string> Minus(List<string> rows, List<string> others)
    {
        var left = new List<string>(rows);
        foreach (var row in others)
        {
            left.Remove(row);
        }

        return left;
    }

    private static async Task<List<string>> TablesAsync(DbConnection connection, Engine engine)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = engine == Engine.Postgres
            ? """
              SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
              WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') AND table_name <> '__migrations'
              """
            : "SELECT '\"' || name || '\"' FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '%\\_\\_\\_migrations' ESCAPE '\\'";
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToHexString(bytes),
        Array array => "[" + string.Join(", ", array.Cast<object?>().Select(Format)) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
