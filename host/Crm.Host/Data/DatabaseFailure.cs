using Microsoft.Data.Sqlite;
using Npgsql;

namespace Crm.Host.Data;

public enum DatabaseFailureKind
{
    /// <summary>No connection: the server is down, refuses this database or the sign-in, or the SQLite file cannot be opened.</summary>
    Unreachable,

    /// <summary>The database takes no writes (a read-only SQLite file, a PostgreSQL standby or read-only database).</summary>
    ReadOnly,

    /// <summary>No space is left for the database.</summary>
    Full,
}

/// <summary>
/// A failure of the database itself, as opposed to a bug or a bad request: the one place that
/// tells them apart, for requests (503 <c>SERVICE_UNAVAILABLE</c>), start-up (one line) and
/// <c>/readyz</c>. <see cref="Reason"/> is the database's own words, for operators and logs;
/// clients get <see cref="ClientMessage"/>, which names the kind and nothing of the setup.
/// </summary>
public sealed record DatabaseFailure(DatabaseFailureKind Kind, string Reason)
{
    /// <summary>What a client is told to wait before trying again, in seconds.</summary>
    public int RetryAfterSeconds => Kind == DatabaseFailureKind.Unreachable ? 5 : 60;

    public string Summary => Kind switch
    {
        DatabaseFailureKind.Unreachable => "the database cannot be reached",
        DatabaseFailureKind.ReadOnly => "the database is read-only",
        _ => "the database is full (no space left)",
    };

    public string ClientMessage(string traceId) => Kind switch
    {
        DatabaseFailureKind.Unreachable => $"The database cannot be reached right now; try again shortly (trace {traceId}).",
        DatabaseFailureKind.ReadOnly => $"The database is read-only: nothing can be written until an administrator makes it writable (trace {traceId}).",
        _ => $"The database is full: nothing can be written until an administrator frees space (trace {traceId}).",
    };

    /// <summary>The database failure behind an exception (EF and GraphQL.NET wrap them), or null for anything else.</summary>
    public static DatabaseFailure? Find(Exception exception)
    {
        // A request that was cancelled failed because it was cancelled, whatever the driver says.
        if (exception is OperationCanceledException)
        {
            return null;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (Classify(current) is { } failure)
            {
                return failure;
            }

            if (current is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Select(Find).FirstOrDefault(f => f is not null);
            }
        }

        return null;
    }

    private static DatabaseFailure? Classify(Exception exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode switch
        {
            SQLitePCL.raw.SQLITE_READONLY => new(DatabaseFailureKind.ReadOnly, sqlite.Message),
            SQLitePCL.raw.SQLITE_FULL => new(DatabaseFailureKind.Full, sqlite.Message),
            SQLitePCL.raw.SQLITE_CANTOPEN or SQLitePCL.raw.SQLITE_IOERR => new(DatabaseFailureKind.Unreachable, sqlite.Message),
            _ => null,
        },
        PostgresException postgres => postgres.SqlState switch
        {
            PostgresErrorCodes.ReadOnlySqlTransaction => new(DatabaseFailureKind.ReadOnly, postgres.MessageText),
            PostgresErrorCodes.DiskFull => new(DatabaseFailureKind.Full, postgres.MessageText),
            // FATAL ends the session: the server shut down or refuses this database, its user or
            // one more connection. (The invariant severity is not translated, unlike the message.)
            _ when postgres.InvariantSeverity is "FATAL" or "PANIC" || postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                => new(DatabaseFailureKind.Unreachable, postgres.MessageText),
            _ => null,
        },
        // Not a message from the server: no connection, a broken one, or none free in the pool in time.
        NpgsqlException npgsql when npgsql.IsTransient => new(DatabaseFailureKind.Unreachable,
            npgsql.InnerException is null ? npgsql.Message : $"{npgsql.Message} ({Innermost(npgsql).Message})"),
        _ => null,
    };

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }
}
