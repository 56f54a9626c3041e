using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Crm.Cli.Seeding;

/// <summary>
/// Writes the rows of one table, value by value in the table's column order. Each value is
/// checked against its column's kind, so a generator that writes columns out of order fails at
/// once instead of storing one field in another.
/// </summary>
internal abstract class RowWriter(SeedTable table) : IDisposable
{
    private int _column = -1;

    public SeedTable Table { get; } = table;

    public long Rows { get; private set; }

    public void Row()
    {
        EndRow();
        _column = 0;
        Rows++;
        StartRow();
    }

    public void Long(long? value)
    {
        Next(ColumnKind.BigInt);
        WriteLong(value);
    }

    public void Int(int? value)
    {
        Next(ColumnKind.Int);
        WriteInt(value);
    }

    public void Text(string? value)
    {
        Next(ColumnKind.Text);
        WriteText(value);
    }

    public void Bool(bool value)
    {
        Next(ColumnKind.Bool);
        WriteBool(value);
    }

    public void Money(decimal? value)
    {
        Next(ColumnKind.Money);
        WriteMoney(value);
    }

    public void Date(DateOnly? value)
    {
        Next(ColumnKind.Date);
        WriteDate(value);
    }

    public void Time(DateTime value)
    {
        Next(ColumnKind.Time);
        WriteTime(DateTime.SpecifyKind(value, DateTimeKind.Utc));
    }

    public void Json(string? value)
    {
        Next(ColumnKind.Json);
        WriteJson(value);
    }

    /// <summary>Sends what is left; returns the rows written.</summary>
    public long Complete()
    {
        EndRow();
        _column = -1;
        Finish();
        return Rows;
    }

    private void Next(ColumnKind kind)
    {
        if (_column < 0 || _column >= Table.Columns.Count || Table.Columns[_column].Kind != kind)
        {
            var expected = _column >= 0 && _column < Table.Columns.Count ? $"{Table.Columns[_column].Name} ({Table.Columns[_column].Kind})" : "no more columns";
            throw new InvalidOperationException($"{Table.Display}: a {kind} value was written where {expected} was expected.");
        }

        _column++;
    }

    private void EndRow()
    {
        if (_column >= 0 && _column != Table.Columns.Count)
        {
            throw new InvalidOperationException($"{Table.Display}: a row got {_column} values for {Table.Columns.Count} columns.");
        }
    }

    protected abstract void StartRow();

    protected abstract void WriteLong(long? value);

    protected abstract void WriteInt(int? value);

    protected abstract void WriteText(string? value);

    protected abstract void WriteBool(bool value);

    protected abstract void WriteMoney(decimal? value);

    protected abstract void WriteDate(DateOnly? value);

    protected abstract void WriteTime(DateTime value);

    protected abstract void WriteJson(string? value);

    protected abstract void Finish();

    public abstract void Dispose();
}

/// <summary>Binary COPY: the fastest way into PostgreSQL.</summary>
internal sealed class PostgresRowWriter : RowWriter
{
    private readonly NpgsqlBinaryImporter _importer;

    public PostgresRowWriter(NpgsqlConnection connection, SeedTable table)
        : base(table)
    {
        var columns = string.Join(", ", table.Columns.Select(c => c.Name));
        _importer = connection.BeginBinaryImport($"COPY {table.PostgresName} ({columns}) FROM STDIN (FORMAT BINARY)");
    }

    protected override void StartRow() => _importer.StartRow();

    protected override void WriteLong(long? value) => Write(value, NpgsqlDbType.Bigint);

    protected override void WriteInt(int? value) => Write(value, NpgsqlDbType.Integer);

    protected override void WriteText(string? value)
    {
        if (value is null)
        {
            _importer.WriteNull();
        }
        else
        {
            _importer.Write(value, NpgsqlDbType.Varchar);
        }
    }

    protected override void WriteBool(bool value) => _importer.Write(value, NpgsqlDbType.Boolean);

    protected override void WriteMoney(decimal? value) => Write(value, NpgsqlDbType.Numeric);

    protected override void WriteDate(DateOnly? value) => Write(value, NpgsqlDbType.Date);

    protected override void WriteTime(DateTime value) => _importer.Write(value, NpgsqlDbType.TimestampTz);

    protected override void WriteJson(string? value)
    {
        if (value is null)
        {
            _importer.WriteNull();
        }
        else
        {
            _importer.Write(value, NpgsqlDbType.Jsonb);
        }
    }

    private void Write<T>(T? value, NpgsqlDbType type)
        where T : struct
    {
        if (value is { } v)
        {
            _importer.Write(v, type);
        }
        else
        {
            _importer.WriteNull();
        }
    }

    protected override void Finish() => _importer.Complete();

    public override void Dispose() => _importer.Dispose();
}

/// <summary>
/// Multi-row INSERTs through prepared commands, inside the seeder's transaction. Values are
/// stored as EF stores them on SQLite: decimals as ten-thousandths, times as UTC text.
/// </summary>
internal sealed class SqliteRowWriter : RowWriter
{
    // SQLite finds each named parameter by a linear search of the statement's names, so a
    // statement's binding cost grows with the square of its parameters: keep batches small.
    private const int MaxParameters = 64;

    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly int _rowsPerBatch;
    private readonly object?[] _values;
    private SqliteCommand? _batch;
    private int _rowsInBatch;
    private int _value;

    public SqliteRowWriter(SqliteConnection connection, SqliteTransaction transaction, SeedTable table)
        : base(table)
    {
        _connection = connection;
        _transaction = transaction;
        _rowsPerBatch = Math.Max(1, MaxParameters / table.Columns.Count);
        _values = new object?[_rowsPerBatch * table.Columns.Count];
    }

    protected override void StartRow()
    {
        if (_rowsInBatch == _rowsPerBatch)
        {
            Flush();
        }

        _rowsInBatch++;
    }

    private void Flush()
    {
        if (_rowsInBatch == 0)
        {
            return;
        }

        var command = _rowsInBatch == _rowsPerBatch ? _batch ??= Prepare(_rowsPerBatch) : Prepare(_rowsInBatch);
        for (var i = 0; i < _rowsInBatch * Table.Columns.Count; i++)
        {
            command.Parameters[i].Value = _values[i] ?? DBNull.Value;
        }

        command.ExecuteNonQuery();
        if (command != _batch)
        {
            command.Dispose();
        }

        _rowsInBatch = 0;
        _value = 0;
    }

    private SqliteCommand Prepare(int rows)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        var columns = string.Join(", ", Table.Columns.Select(c => c.Name));
        var tuples = Enumerable.Range(0, rows).Select(r => "(" + string.Join(", ", Table.Columns.Select((_, c) => $"$p{(r * Table.Columns.Count) + c}")) + ")");
        command.CommandText = $"INSERT INTO {Table.SqliteName} ({columns}) VALUES {string.Join(", ", tuples)}";
        for (var i = 0; i < rows * Table.Columns.Count; i++)
        {
            command.Parameters.Add(new SqliteParameter($"$p{i}", null));
        }

        command.Prepare();
        return command;
    }

    private void Set(object? value) => _values[_value++] = value;

    protected override void WriteLong(long? value) => Set(value);

    protected override void WriteInt(int? value) => Set(value);

    protected override void WriteText(string? value) => Set(value);

    protected override void WriteBool(bool value) => Set(value ? 1L : 0L);

    protected override void WriteMoney(decimal? value) => Set(value is { } v ? (long)decimal.Round(v * 10_000m, MidpointRounding.ToEven) : null);

    // Microsoft.Data.Sqlite writes dates and times in the same text forms as EF Core.
    protected override void WriteDate(DateOnly? value) => Set(value);

    protected override void WriteTime(DateTime value) => Set(value);

    protected override void WriteJson(string? value) => Set(value);

    protected override void Finish() => Flush();

    public override void Dispose() => _batch?.Dispose();
}
