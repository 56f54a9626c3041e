using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Crm.PluginSdk.Data;

/// <summary>
/// Writes a save's many new rows of one table with PostgreSQL's binary <c>COPY</c> instead of EF
/// Core's batched <c>INSERT</c>s, whose command building and parameters were the largest part of a
/// bulk create's host CPU (about a quarter, profiled on an import). The rows' ids come from the table's sequence first, in
/// one statement; every value goes through its property's type mapping (converters, <c>jsonb</c>),
/// as EF would send it; the entries are then left unchanged, as a save leaves them. A table is left
/// to EF when a row needs the database to fill a column it would read back (a default the row did
/// not set, a computed column) or when another new row of the save refers to its rows.
/// </summary>
internal static class CopiedInserts
{
    /// <summary>Fewer new rows of a table than this go through EF's insert, which costs no more for so few.</summary>
    public const int MinRows = 16;

    /// <summary>Writes what it can of the context's added rows; returns how many rows it wrote.</summary>
    public static async Task<int> WriteAsync(DbContext context, CancellationToken cancellationToken)
    {
        var added = context.ChangeTracker.Entries().Where(e => e.State == EntityState.Added).ToList();
        if (added.Count < MinRows || context.Database.GetDbConnection() is not NpgsqlConnection connection)
        {
            return 0;
        }

        var addedTypes = added.Select(e => e.Metadata).ToHashSet();
        var written = 0;
        foreach (var rows in added.GroupBy(e => e.Metadata))
        {
            var entries = rows.ToList();
            if (entries.Count >= MinRows && Plan(rows.Key, entries, addedTypes) is { } plan)
            {
                await WriteTableAsync(context, connection, plan, entries, cancellationToken);
                written += entries.Count;
            }
        }

        return written;
    }

    private sealed record TablePlan(string Table, IProperty Key, IReadOnlyList<(IProperty Property, string Column, string DataType)> Columns);

    /// <summary>How the rows of <paramref name="type"/> are copied, or null when EF must insert them.</summary>
    private static TablePlan? Plan(IEntityType type, List<EntityEntry> entries, HashSet<IEntityType> addedTypes)
    {
        if (type.GetTableName() is not { } tableName || type.BaseType is not null || type.GetDirectlyDerivedTypes().Any() || type.IsOwned()
            || type.GetNavigations().Any(n => n.TargetEntityType.IsOwned()) || type.GetComplexProperties().Any() // columns beyond the type's own properties
            || type.FindPrimaryKey() is not { Properties: [{ ValueGenerated: ValueGenerated.OnAdd, ClrType: var keyType } key] } || keyType != typeof(long)
            // Another new row pointing at these takes their ids from EF's insert.
            || type.GetReferencingForeignKeys().Any(fk => addedTypes.Contains(fk.DeclaringEntityType)))
        {
            return null;
        }

        var store = StoreObjectIdentifier.Table(tableName, type.GetSchema());
        var columns = new List<(IProperty, string, string)>();
        foreach (var property in type.GetProperties())
        {
            if (property.GetComputedColumnSql(store) is not null)
            {
                return null;
            }

            // A column the database fills (its default) when the row leaves it unset: EF would read it back.
            if (property != key && property.ValueGenerated != ValueGenerated.Never
                && entries.Exists(e => e.Property(property).CurrentValue is var value && (value is null || value.Equals(property.Sentinel))))
            {
                return null;
            }

            var storeType = ((RelationalTypeMapping)property.GetRelationalTypeMapping()).StoreType;
            // The type's name without its facets ("character varying(50)", "numeric(18,4)"): the value carries them.
            var facets = storeType.IndexOf('(', StringComparison.Ordinal);
            var dataType = facets < 0 ? storeType : storeType[..facets] + storeType[(storeType.IndexOf(')', facets) + 1)..];
            columns.Add((property, property.GetColumnName(store)!, dataType));
        }

        return new TablePlan(AccessSql.Table(type), key, columns);
    }

    private static async Task WriteTableAsync(DbContext context, NpgsqlConnection connection, TablePlan plan, List<EntityEntry> entries, CancellationToken cancellationToken)
    {
        var keyColumn = plan.Columns.First(c => c.Property == plan.Key).Column;
#pragma warning disable EF1002 // names from the EF model, the count a parameter
        var ids = await context.Database.SqlQueryRaw<long>(
                $"SELECT nextval(pg_get_serial_sequence('{plan.Table.Replace("'", "''", StringComparison.Ordinal)}', '{keyColumn.Replace("'", "''", StringComparison.Ordinal)}')) AS \"Value\" FROM generate_series(1, @n)",
                new NpgsqlParameter<int>("n", entries.Count))
            .ToListAsync(cancellationToken);
#pragma warning restore EF1002
        ids.Sort();
        for (var i = 0; i < entries.Count; i++)
        {
            var key = entries[i].Property(plan.Key);
            key.CurrentValue = ids[i];
            key.IsTemporary = false;
        }

        var copy = $"COPY {plan.Table} ({string.Join(", ", plan.Columns.Select(c => Quote(c.Column)))}) FROM STDIN (FORMAT BINARY)";
        SqlStatementCounter.CountStatement();
        await using (var writer = await connection.BeginBinaryImportAsync(copy, cancellationToken))
        {
            foreach (var entry in entries)
            {
                await writer.StartRowAsync(cancellationToken);
                foreach (var (property, _, dataType) in plan.Columns)
                {
                    var value = entry.Property(property).CurrentValue;
                    if (property.GetTypeMapping().Converter is { } converter && value is not null)
                    {
                        value = converter.ConvertToProvider(value);
                    }

                    if (value is null)
                    {
                        await writer.WriteNullAsync(cancellationToken);
                    }
                    else
                    {
                        await writer.WriteAsync(value, dataType, cancellationToken);
                    }
                }
            }

            await writer.CompleteAsync(cancellationToken);
        }

        foreach (var entry in entries)
        {
            entry.State = EntityState.Unchanged;
        }
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
