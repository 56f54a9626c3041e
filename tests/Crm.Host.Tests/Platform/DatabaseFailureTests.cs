using System.Net;
using System.Net.Sockets;
using Crm.Host.Data;
using Crm.Host.Hosting;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Crm.Host.Tests.Platform;

/// <summary>
/// Which exceptions are the database's trouble (unreachable, read-only, full) and which are not,
/// with exceptions the drivers really throw where a test can provoke them: the one place that
/// decides between 503 <c>SERVICE_UNAVAILABLE</c> and 500 <c>INTERNAL_SERVER_ERROR</c>.
/// </summary>
[Trait("Engine", "Sqlite")]
public sealed class DatabaseFailureOnSqlite : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("crm-test-failure-").FullName;

    private string File => Path.Combine(_directory, "crm.db");

    [Fact]
    public void A_full_database_is_named_full()
    {
        using var connection = Open($"Data Source={File}");
        Execute(connection, "CREATE TABLE t (x TEXT)");
        var pages = Convert.ToInt64(Scalar(connection, "PRAGMA page_count"), System.Globalization.CultureInfo.InvariantCulture);
        // No page may be added to the file from here: the next large row does not fit.
        Execute(connection, $"PRAGMA max_page_count = {pages}");

        var full = Assert.Throws<SqliteException>(() => Execute(connection, "INSERT INTO t VALUES (zeroblob(100000))"));

        var failure = Assert.IsType<DatabaseFailure>(DatabaseFailure.Find(new DbUpdateException("saving failed", full)));
        Assert.Equal(DatabaseFailureKind.Full, failure.Kind);
        Assert.StartsWith("The database is full", failure.ClientMessage("t1"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_read_only_database_is_named_read_only()
    {
        using (var writable = Open($"Data Source={File}"))
        {
            Execute(writable, "CREATE TABLE t (x TEXT)");
        }

        using var connection = Open($"Data Source={File};Mode=ReadOnly");
        var refused = Assert.Throws<SqliteException>(() => Execute(connection, "INSERT INTO t VALUES ('x')"));

        Assert.Equal(DatabaseFailureKind.ReadOnly, DatabaseFailure.Find(refused)?.Kind);
    }

    [Fact]
    public void A_file_that_cannot_be_opened_is_unreachable_and_a_mistake_in_SQL_is_not_a_database_failure()
    {
        var cannotOpen = Assert.Throws<SqliteException>(() => Open($"Data Source={_directory}"));
        Assert.Equal(DatabaseFailureKind.Unreachable, DatabaseFailure.Find(new AggregateException(cannotOpen))?.Kind);

        using var connection = Open($"Data Source={File}");
        var mistake = Assert.Throws<SqliteException>(() => Execute(connection, "SELECT * FROM no_such_table"));
        Assert.Null(DatabaseFailure.Find(mistake));
        Assert.Null(StartupFailure.Describe(mistake));
    }

    private static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString + ";Pooling=False");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

[Trait("Engine", "Postgres")]
public sealed class DatabaseFailureOnPostgres
{
    [Fact]
    public async Task A_server_that_does_not_answer_is_unreachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Pooling=false");

        var refused = await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());

        var failure = DatabaseFailure.Find(refused);
        Assert.Equal(DatabaseFailureKind.Unreachable, failure?.Kind);
        Assert.StartsWith("the database cannot be reached: ", StartupFailure.Describe(refused), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_that_takes_no_connections_is_unreachable_and_a_read_only_one_is_read_only()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ToString();
        var once = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString();

        await ExecuteAsync(maintenance, $"ALTER DATABASE {name} SET default_transaction_read_only = on");
        var readOnly = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(once, "CREATE TABLE t (x int)"));
        Assert.Equal(DatabaseFailureKind.ReadOnly, DatabaseFailure.Find(readOnly)?.Kind);

        await ExecuteAsync(maintenance, $"ALTER DATABASE {name} ALLOW_CONNECTIONS false");
        try
        {
            var closed = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(once, "SELECT 1"));
            Assert.Equal(DatabaseFailureKind.Unreachable, DatabaseFailure.Find(closed)?.Kind);
        }
        finally
        {
            await ExecuteAsync(maintenance, $"ALTER DATABASE {name} ALLOW_CONNECTIONS true");
        }

        // A statement's own error is not the database's trouble.
        var mistake = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(once, "SELECT * FROM no_such_table"));
        Assert.Null(DatabaseFailure.Find(mistake));
    }

    [Fact]
    public void A_full_disk_is_named_full_and_a_serialization_conflict_is_not_a_database_failure()
    {
        // The server's words for these, as the driver hands them over (a full disk cannot be made here).
        var full = new PostgresException("could not extend file: No space left on device", "ERROR", "ERROR", PostgresErrorCodes.DiskFull);
        var conflict = new PostgresException("could not serialize access due to concurrent update", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure);

        Assert.Equal(DatabaseFailureKind.Full, DatabaseFailure.Find(new InvalidOperationException("wrapped", full))?.Kind);
        Assert.Null(DatabaseFailure.Find(conflict));
        Assert.Null(DatabaseFailure.Find(new OperationCanceledException("cancelled", new PostgresException("canceling statement due to user request", "ERROR", "ERROR", PostgresErrorCodes.QueryCanceled))));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
