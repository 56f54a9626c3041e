using Npgsql;

namespace Crm.PluginSdk.Data;

/// <summary>
/// Tells a write PostgreSQL aborted to end a deadlock or a serialization conflict (two writes
/// that locked the same rows in opposite orders: one may simply be sent again) from every other
/// failure. SQLite has one writer at a time and never reports one.
/// </summary>
public static class LostRaces
{
    /// <summary>Whether <paramref name="exception"/> (or what it wraps) is such an abort.</summary>
    public static bool Is(Exception exception) => DatabaseRefusals.Match(exception,
        postgres => postgres.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure,
        _ => false);
}
