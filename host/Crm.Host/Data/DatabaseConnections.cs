using Crm.PluginSdk.Data;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Crm.Host.Data;

/// <summary>The host's pooled database connections.</summary>
public static class DatabaseConnections
{
    /// <summary>
    /// Drops the idle pooled connections (those in use are dropped when given back): after the
    /// database was unreachable, they may be sessions the server has ended, each of which would
    /// fail one more request once the database is back.
    /// </summary>
    public static void ForgetPooled(DatabaseOptions database)
    {
        if (database.Provider == DatabaseProvider.Postgres)
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(database.ConnectionString));
        }
        else
        {
            SqliteConnection.ClearPool(new SqliteConnection(database.ConnectionString));
        }
    }

    /// <summary>What a request does on a database failure: forget pooled connections when the database was unreachable.</summary>
    public static void After(DatabaseFailure failure, IServiceProvider services)
    {
        if (failure.Kind == DatabaseFailureKind.Unreachable)
        {
            ForgetPooled(services.GetRequiredService<DatabaseOptions>());
        }
    }
}
