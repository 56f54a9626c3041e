using Microsoft.Data.Sqlite;
using Npgsql;

namespace Crm.PluginSdk.Data;

/// <summary>Finds the engine's own refusal in what EF Core and the drivers wrap it in.</summary>
internal static class DatabaseRefusals
{
    public static bool Match(Exception exception, Func<PostgresException, bool> postgres, Func<SqliteException, bool> sqlite)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException found:
                    return postgres(found);
                case SqliteException found:
                    return found.SqliteErrorCode == SQLitePCL.raw.SQLITE_CONSTRAINT && sqlite(found);
            }
        }

        return false;
    }
}
