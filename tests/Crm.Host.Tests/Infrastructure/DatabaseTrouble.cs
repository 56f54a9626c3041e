using Crm.PluginSdk.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// Makes a host's database unreachable or read-only while the host runs, and undoes it on
/// dispose. PostgreSQL: per database (no new connections, or read-only sessions, and its
/// backends terminated), so that other tests on the same server go on. SQLite: the file is moved
/// away (a folder in its place cannot be opened); a read-only file is a second host opening it
/// with <c>Mode=ReadOnly</c>, since files are writable to root whatever their mode.
/// </summary>
public sealed class DatabaseTrouble : IAsyncDisposable
{
    private readonly Func<Task> _undo;

    private DatabaseTrouble(CrmHost host, Func<Task> undo)
    {
        Host = host;
        _undo = undo;
    }

    /// <summary>The host to send requests to while the trouble lasts.</summary>
    public CrmHost Host { get; }

    public static async Task<DatabaseTrouble> OutageAsync(CrmHost host)
    {
        if (host.Engine == Engine.Postgres)
        {
            await OnServerAsync(host, "ALTER DATABASE {0} ALLOW_CONNECTIONS false");
            return new DatabaseTrouble(host, () => OnServerAsync(host, "ALTER DATABASE {0} ALLOW_CONNECTIONS true"));
        }

        // Moved first, then the pools cleared: a connection a background task opens in between
        // fails to open, where one opened before the move (cleared pools first) would be pooled
        // still holding the moved file, and answer the next request (a 401 instead of a 503, seen once in CI).
        var file = new SqliteConnectionStringBuilder(host.ConnectionString).DataSource;
        File.Move(file, file + ".away");
        Directory.CreateDirectory(file);
        ClearPool(host);
        return new DatabaseTrouble(host, () =>
        {
            ClearPool(host);
            Directory.Delete(file);
            File.Move(file + ".away", file);
            return Task.CompletedTask;
        });
    }

    public static async Task<DatabaseTrouble> ReadOnlyAsync(CrmHost host)
    {
        if (host.Engine == Engine.Postgres)
        {
            // The sessions were ended on purpose: the pools are told, so that the host's next
            // statements open new (read-only) sessions at once. All of them: the host adds its own
            // settings to the connection string, which names its pool.
            await OnServerAsync(host, "ALTER DATABASE {0} SET default_transaction_read_only = on");
            NpgsqlConnection.ClearAllPools();
            return new DatabaseTrouble(host, async () =>
            {
                await OnServerAsync(host, "ALTER DATABASE {0} RESET default_transaction_read_only");
                NpgsqlConnection.ClearAllPools();
            });
        }

        var readOnly = new CrmHost(Engine.Sqlite, host.ConnectionString + ";Mode=ReadOnly");
        _ = readOnly.Server;
        return new DatabaseTrouble(readOnly, async () => await readOnly.DisposeAsync());
    }

    public async ValueTask DisposeAsync() => await _undo();

    /// <summary>
    /// Empties the pool of this host's connections only (the connection string the host made, which
    /// names the pool): clearing every pool of the process would also drop connections the tests
    /// running beside this one are using.
    /// </summary>
    private static void ClearPool(CrmHost host)
    {
        using var connection = new SqliteConnection(host.Services.GetRequiredService<DatabaseOptions>().ConnectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Runs a statement about the host's database from the server's maintenance database, then ends the database's sessions so that it applies to the next ones.</summary>
    private static async Task OnServerAsync(CrmHost host, string statement)
    {
        var target = new NpgsqlConnectionStringBuilder(host.ConnectionString);
        var name = target.Database!;
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(host.ConnectionString) { Database = "postgres", Pooling = false }.ToString());
        await connection.OpenAsync();
        await using (var alter = new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, statement, new NpgsqlCommandBuilder().QuoteIdentifier(name)), connection))
        {
            await alter.ExecuteNonQueryAsync();
        }

        // With a timeout, pg_terminate_backend returns once the session has ended.
        await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = @name AND pid <> pg_backend_pid()", connection);
        terminate.Parameters.AddWithValue("name", name);
        await terminate.ExecuteNonQueryAsync();
    }
}
