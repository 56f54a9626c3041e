using System.Data.Common;
using System.Diagnostics;
using Crm.PluginSdk.Data;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Crm.Cli.Seeding;

/// <summary>An item of a selection list as the seeder needs it.</summary>
internal sealed record ListValue(string EntityId, string Id, string Name, string? Semantics, int? Probability);

/// <summary>
/// The database the seeder writes to, on one connection and in one transaction: every table
/// is seeded, or none is. Engine-specific: PostgreSQL takes rows by binary COPY (into a table
/// that was empty, with its secondary indexes and foreign keys dropped and made again after
/// the load, all inside the transaction); SQLite by prepared multi-row INSERTs.
/// </summary>
internal abstract class SeedDatabase : IDisposable
{
    public static SeedDatabase Open(DatabaseOptions options) => options.Provider switch
    {
        DatabaseProvider.Postgres => new PostgresSeedDatabase(options.ConnectionString),
        _ => new SqliteSeedDatabase(options.ConnectionString),
    };

    public abstract string Engine { get; }

    protected abstract DbConnection Connection { get; }

    protected abstract DbTransaction Transaction { get; }

    protected abstract string TableName(SeedTable table);

    public abstract bool Exists(SeedTable table);

    /// <summary>The first id free in the table: after its largest id and what its id sequence gave out.</summary>
    public abstract long NextId(SeedTable table);

    /// <summary>The ids of the active users, lowest first; null when there is no users table (no Permissions module).</summary>
    public IReadOnlyList<long>? ActiveUserIds()
    {
        if (!Exists(SeedTables.Users))
        {
            return null;
        }

        using var command = Command($"SELECT id FROM {TableName(SeedTables.Users)} WHERE active = TRUE ORDER BY id");
        using var reader = command.ExecuteReader();
        var ids = new List<long>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>Tells running hosts that users changed (they poll this version), in the seed's transaction.</summary>
    public void TouchPermissionsVersion() => Execute($"UPDATE {TableName(SeedTables.PermissionsVersion)} SET version = version + 1");

    public long Count(SeedTable table) => Convert.ToInt64(Scalar($"SELECT count(*) FROM {TableName(table)}"), System.Globalization.CultureInfo.InvariantCulture);

    public IReadOnlyList<ListValue> ReadLists()
    {
        using var command = Command($"SELECT entity_id, status_id, name, semantics, probability FROM {TableName(new SeedTable("selection_lists", "items", false, []))}");
        using var reader = command.ExecuteReader();
        var items = new List<ListValue>();
        while (reader.Read())
        {
            items.Add(new ListValue(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : Convert.ToInt32(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture)));
        }

        return items;
    }

    /// <summary>Starts loading a table; <see cref="TableLoad.Finish"/> completes it.</summary>
    public abstract TableLoad Load(SeedTable table);

    public void Commit() => Transaction.Commit();

    /// <summary>Brings the planner's statistics (and on PostgreSQL the visibility map) up to date.</summary>
    public abstract void Optimize(IReadOnlyList<SeedTable> tables);

    protected DbCommand Command(string sql)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = Transaction;
        command.CommandTimeout = 0;
        return command;
    }

    protected object? Scalar(string sql)
    {
        using var command = Command(sql);
        return command.ExecuteScalar();
    }

    protected void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    public abstract void Dispose();
}

/// <summary>One table being loaded: its writer, and what has to happen once its rows are in.</summary>
internal sealed class TableLoad(RowWriter writer, Func<TimeSpan> finish, bool rebuildsIndexes = false)
{
    public RowWriter Writer { get; } = writer;

    /// <summary>Whether the table's secondary indexes and foreign keys are made again after the load.</summary>
    public bool RebuildsIndexes { get; } = rebuildsIndexes;

    /// <summary>Sends the last rows and restores what the load set aside; returns how long restoring took.</summary>
    public TimeSpan Finish()
    {
        Writer.Complete();
        Writer.Dispose();
        return finish();
    }
}

internal sealed class PostgresSeedDatabase : SeedDatabase
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    public PostgresSeedDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0 };
        _connection = new NpgsqlConnection(builder.ToString());
        _connection.Open();
        // Commits of this session (the load, and each ANALYZE after it) must be on disk at once.
        // A row gets no hint bits while the WAL of a commit in its transaction's clog group may
        // still be unflushed, and VACUUM then leaves its page out of the visibility map (no
        // index-only scans until the next VACUUM): on a server with synchronous_commit off, each
        // asynchronous ANALYZE commit would keep the next table's pages from being marked.
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SET synchronous_commit = on";
            command.ExecuteNonQuery();
        }

        _transaction = _connection.BeginTransaction();
        // Index builds after the load sort in memory where they can.
        Execute("SET LOCAL maintenance_work_mem = '256MB'");
    }

    public override string Engine => "PostgreSQL";

    protected override DbConnection Connection => _connection;

    protected override DbTransaction Transaction => _transaction;

    protected override string TableName(SeedTable table) => table.PostgresName;

    public override bool Exists(SeedTable table) => (bool)Scalar($"SELECT to_regclass('{table.PostgresName}') IS NOT NULL")!;

    public override long NextId(SeedTable table) => 1 + (long)Scalar(
        $"SELECT greatest((SELECT coalesce(max(id), 0) FROM {table.PostgresName}), " +
        $"coalesce(pg_sequence_last_value(pg_get_serial_sequence('{table.PostgresName}', 'id')::regclass), 0))")!;

    public override TableLoad Load(SeedTable table)
    {
        // Into an empty table, build the secondary indexes (and check the foreign keys) once at
        // the end: far cheaper than maintaining them row by row. Into a table with rows, append.
        var setAside = new List<(string Drop, string Restore)>();
        if (Count(table) == 0)
        {
            using var command = Command($"""
                SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
                       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
                FROM pg_constraint c WHERE c.conrelid = '{table.PostgresName}'::regclass AND c.contype = 'f'
                UNION ALL
                SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                WHERE i.indrelid = '{table.PostgresName}'::regclass
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                """);
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    setAside.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            foreach (var (drop, _) in setAside)
            {
                Execute(drop);
            }
        }

        return new TableLoad(new PostgresRowWriter(_connection, table), () =>
        {
            var clock = Stopwatch.StartNew();
            foreach (var (_, restore) in setAside)
            {
                Execute(restore);
            }

            // Ids were given explicitly: move the identity past them.
            if (table.HasIdentity)
            {
                Execute($"SELECT setval(pg_get_serial_sequence('{table.PostgresName}', 'id'), max(id)) FROM {table.PostgresName} HAVING count(*) > 0");
            }

            return clock.Elapsed;
        }, setAside.Count > 0);
    }

    public override void Optimize(IReadOnlyList<SeedTable> tables)
    {
        // VACUUM runs outside a transaction; the seed is committed by now. It sets the visibility
        // map (index-only scans) and leaves autovacuum nothing to do right after the load. The
        // load's row counts reach the statistics first, or they would land on top of what VACUUM
        // counted (doubling n_live_tup) and bring autovacuum back.
        using (var flush = _connection.CreateCommand())
        {
            flush.CommandText = "SELECT pg_stat_force_next_flush()";
            flush.ExecuteNonQuery();
        }

        foreach (var table in tables)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"VACUUM (ANALYZE) {table.PostgresName}";
            command.CommandTimeout = 0;
            command.ExecuteNonQuery();
        }
    }

    public override void Dispose()
    {
        _transaction.Dispose();
        _connection.Dispose();
    }
}

internal sealed class SqliteSeedDatabase : SeedDatabase
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    public SqliteSeedDatabase(string connectionString)
    {
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        _transaction = _connection.BeginTransaction();
    }

    public override string Engine => "SQLite";

    protected override DbConnection Connection => _connection;

    protected override DbTransaction Transaction => _transaction;

    protected override string TableName(SeedTable table) => table.SqliteName;

    public override bool Exists(SeedTable table) =>
        Convert.ToInt64(Scalar($"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table.SqliteName}'"), System.Globalization.CultureInfo.InvariantCulture) > 0;

    public override long NextId(SeedTable table)
    {
        var max = Convert.ToInt64(Scalar($"SELECT coalesce(max(id), 0) FROM {table.SqliteName}"), System.Globalization.CultureInfo.InvariantCulture);
        // AUTOINCREMENT never gives an id twice, not even one of a deleted row.
        var hasSequence = Convert.ToInt64(Scalar("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'"), System.Globalization.CultureInfo.InvariantCulture) > 0;
        var given = hasSequence ? Convert.ToInt64(Scalar($"SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = '{table.SqliteName}'"), System.Globalization.CultureInfo.InvariantCulture) : 0;
        return 1 + Math.Max(max, given);
    }

    // Explicit ids above the AUTOINCREMENT counter move it on by themselves.
    public override TableLoad Load(SeedTable table) => new(new SqliteRowWriter(_connection, _transaction, table), () => TimeSpan.Zero);

    public override void Optimize(IReadOnlyList<SeedTable> tables)
    {
        foreach (var table in tables)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"ANALYZE {table.SqliteName}";
            command.ExecuteNonQuery();
        }
    }

    public override void Dispose()
    {
        _transaction.Dispose();
        _connection.Dispose();
    }
}
