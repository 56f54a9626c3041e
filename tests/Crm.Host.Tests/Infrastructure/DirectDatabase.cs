using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>Reads a host's database straight, bypassing the platform: to see what it really wrote.</summary>
public static class DirectDatabase
{
    /// <summary>A module table's name: <c>schema.table</c> on PostgreSQL, <c>schema_table</c> on SQLite.</summary>
    public static string Table(this CrmHost host, string schema, string table) =>
        host.Engine == Engine.Postgres ? $"{schema}.{table}" : $"{schema}_{table}";

    /// <summary>Runs a query; <c>@p0</c>, <c>@p1</c> ... stand for the parameters.</summary>
    public static async Task<List<Dictionary<string, object?>>> QueryRowsAsync(this CrmHost host, string sql, params object[] parameters)
    {
        await using DbConnection connection = host.Engine == Engine.Postgres
            ? new NpgsqlConnection(host.ConnectionString)
            : new SqliteConnection(host.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"p{i}";
            parameter.Value = parameters[i];
            command.Parameters.Add(parameter);
        }

        var rows = new List<Dictionary<string, object?>>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }
}
