using Npgsql;

namespace Crm.PluginSdk.Data;

/// <summary>
/// Tells a write refused by a foreign key (the row it points at, or a row pointing at the one it
/// deletes, was there or gone when the database checked: a race the key decides) from every
/// other failure.
/// </summary>
public static class ForeignKeyViolations
{
    /// <summary>Whether <paramref name="exception"/> (or what it wraps) is a foreign key's refusal, on either engine.</summary>
    public static bool Is(Exception exception) => DatabaseRefusals.Match(exception,
        postgres => postgres.SqlState == PostgresErrorCodes.ForeignKeyViolation,
        // An ON DELETE RESTRICT key refuses at once, through SQLite's trigger machinery, under the trigger's code;
        // so do triggers standing for a key that SQLite could only add by rebuilding the table (RAISE with the key's message).
        sqlite => sqlite.SqliteExtendedErrorCode == SQLitePCL.raw.SQLITE_CONSTRAINT_FOREIGNKEY
            || (sqlite.SqliteExtendedErrorCode == SQLitePCL.raw.SQLITE_CONSTRAINT_TRIGGER && sqlite.Message.Contains("FOREIGN KEY", StringComparison.Ordinal)));
}
