using Npgsql;

namespace Crm.PluginSdk.Data;

/// <summary>
/// Tells a write refused by a unique index (another writer got there first: a race the index
/// decides) from every other failure, which must not be mistaken for it.
/// </summary>
public static class UniqueViolations
{
    /// <summary>Whether <paramref name="exception"/> (or what it wraps) is a unique index's refusal, on either engine.</summary>
    public static bool Is(Exception exception) => DatabaseRefusals.Match(exception,
        postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY, the extended codes of SQLITE_CONSTRAINT.
        sqlite => sqlite.SqliteExtendedErrorCode is SQLitePCL.raw.SQLITE_CONSTRAINT_UNIQUE or SQLitePCL.raw.SQLITE_CONSTRAINT_PRIMARYKEY);
}
