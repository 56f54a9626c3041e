using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>One SQL command as EF Core sent it: its text and its parameters' values.</summary>
public sealed record CapturedCommand(string Text, IReadOnlyList<(string Name, object? Value)> Parameters);

/// <summary>
/// Records the SQL commands EF Core sends to one host's database while it is alive (from EF's
/// diagnostic events, so nothing in the host changes): to look at what really runs, and to ask
/// the database for the plan of exactly that.
/// </summary>
public sealed class SqlCapture : EfDiagnosticRecorder
{
    private static readonly string CommandExecuting = RelationalEventId.CommandExecuting.Name!;
    private readonly CrmHost _host;
    private readonly string _database;
    private readonly ConcurrentQueue<CapturedCommand> _commands = new();
    private SqlCapture(CrmHost host)
        : base(CommandExecuting)
    {
        _host = host;
        _database = DatabaseOf(host.Engine, host.ConnectionString);
    }

    /// <summary>Starts recording the commands sent to <paramref name="host"/>'s database (by any host on it).</summary>
    public static SqlCapture Start(CrmHost host) => new(host);

    public IReadOnlyList<CapturedCommand> Commands => [.. _commands];

    /// <summary>The plan the database makes for <paramref name="command"/>, with its parameters, one line per step.</summary>
    public async Task<IReadOnlyList<string>> ExplainAsync(CapturedCommand command)
    {
        await using DbConnection connection = _host.Engine == Engine.Postgres
            ? new NpgsqlConnection(_host.ConnectionString)
            : new SqliteConnection(_host.ConnectionString);
        await connection.OpenAsync();
        if (connection is SqliteConnection sqlite)
        {
            // The platform's own functions, as every connection of the host has them.
            Crm.PluginSdk.Data.CrmDbFunctions.Register(sqlite);
            Crm.PluginSdk.CustomFields.CustomFieldSql.Register(sqlite);
        }

        await using var explain = connection.CreateCommand();
        explain.CommandText = (_host.Engine == Engine.Postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + command.Text;
        foreach (var (name, value) in command.Parameters)
        {
            var parameter = explain.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            explain.Parameters.Add(parameter);
        }

        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        var column = _host.Engine == Engine.Postgres ? 0 : reader.GetOrdinal("detail");
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(column));
        }

        return lines;
    }

    protected override void Record(object? payload)
    {
        if (payload is CommandEventData { Command: { Connection: { } connection } command }
            && DatabaseOf(connection) == _database)
        {
            _commands.Enqueue(new CapturedCommand(command.CommandText,
                command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, p.Value is DBNull ? null : p.Value)).ToList()));
        }
    }

    private static string DatabaseOf(Engine engine, string connectionString) => engine == Engine.Postgres
        ? new NpgsqlConnectionStringBuilder(connectionString).Database ?? ""
        : Path.GetFullPath(new SqliteConnectionStringBuilder(connectionString).DataSource);

    private static string? DatabaseOf(DbConnection connection) => connection switch
    {
        NpgsqlConnection npgsql => npgsql.Database,
        SqliteConnection sqlite => Path.GetFullPath(sqlite.DataSource),
        _ => null,
    };
}
