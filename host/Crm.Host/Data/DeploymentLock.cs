using Crm.PluginSdk.Data;
using Npgsql;

namespace Crm.Host.Data;

/// <summary>
/// A lock that every host of a deployment honours, held across several transactions and scopes
/// (a module's migrations, a plugin's whole load): on PostgreSQL a session advisory lock on the
/// name's hash, taken on a connection of its own outside the pool, so that the lock ends with the
/// connection even when the unlock cannot be sent (a pooled connection would carry it to its next
/// user). Nothing on SQLite: one host per file, and its writers take turns.
/// </summary>
internal sealed class DeploymentLock : IAsyncDisposable
{
    private readonly NpgsqlConnection? _connection;
    private readonly string _name;

    private DeploymentLock(NpgsqlConnection? connection, string name)
    {
        _connection = connection;
        _name = name;
    }

    /// <summary>Waits for the lock of <paramref name="name"/> (name the part first: <c>"platform.migrations:crm"</c>); dispose to release it.</summary>
    public static async Task<DeploymentLock> AcquireAsync(DatabaseOptions database, string name, CancellationToken cancellationToken)
    {
        if (database.Provider != DatabaseProvider.Postgres)
        {
            return new DeploymentLock(null, name);
        }

        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended(@name, 0))", connection);
            command.Parameters.AddWithValue("name", name);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return new DeploymentLock(connection, name);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is null)
        {
            return;
        }

        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@name, 0))", _connection);
            command.Parameters.AddWithValue("name", _name);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // Closing the connection below ends the session, and the lock with it.
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
