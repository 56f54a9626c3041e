using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
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
                await WriteTableAsync(context, connection, plan, entries, (entry, property) => entry.Property(property).CurrentValue, (entry, id) =>
                {
                    var key = entry.Property(plan.Key);
                    key.CurrentValue = id;
                    key.IsTemporary = false;
                }, cancellationToken);
                foreach (var entry in entries)
                {
                    entry.State = EntityState.Unchanged;
                }

                written += entries.Count;
            }
        }

        return written;
    }

    /// <summary>How a table's new rows are copied: its key, and each column with its property and store type.</summary>
    internal sealed record TablePlan(string Table, IProperty Key, IReadOnlyList<(IProperty Property, string Column, string DataType)> Columns);

    /// <summary>How the rows of <paramref name="type"/> are copied, or null when EF must insert them.</summary>
    private static TablePlan? Plan(IEntityType type, List<EntityEntry> entries, HashSet<IEntityType> addedTypes) =>
        // Another new row pointing at these takes their ids from EF's insert.
        type.GetReferencingForeignKeys().Any(fk => addedTypes.Contains(fk.DeclaringEntityType))
            ? null
            : Plan(type, property => entries.Select(e => e.Property(property).CurrentValue), untracked: false);

    /// <summary>
    /// How new objects of <paramref name="type"/> that no context tracks are copied (see
    /// <see cref="ModuleDbContext"/>'s bulk create), or null when they must go through EF: as
    /// tracked rows are, and none of them may hold a related object (EF would insert it too); a
    /// shadow column the database fills is left to it, any other shadow column must be nullable
    /// (its value is <c>shadowValue</c>'s when written).
    /// </summary>
    public static TablePlan? PlanUntracked(IEntityType type, IReadOnlyList<object> rows)
    {
        foreach (var navigation in type.GetNavigations().Cast<INavigationBase>().Concat(type.GetSkipNavigations()))
        {
            if (navigation.PropertyInfo is not { } info)
            {
                return null;
            }

            foreach (var row in rows)
            {
                if (info.GetValue(row) is { } related && (related is not System.Collections.IEnumerable many || many.GetEnumerator().MoveNext()))
                {
                    return null;
                }
            }
        }

        return Plan(type, property => rows.Select(r => property.GetGetter().GetClrValueUsingContainingEntity(r)), untracked: true);
    }

    private static TablePlan? Plan(IEntityType type, Func<IProperty, IEnumerable<object?>> valuesOf, bool untracked) =>
        TypeCopyOf(type, untracked) is { } copy
        // A column the database fills (its default) when the row leaves it unset: EF would read it back.
        && !copy.DatabaseFilled.Any(property => valuesOf(property).Any(value => value is null || value.Equals(property.Sentinel)))
            ? copy.Plan
            : null;

    /// <summary>A type's part of its plan, the same for every save: its table and columns, and which of them the database fills when a row leaves them unset.</summary>
    private sealed record TypeCopy(TablePlan Plan, IReadOnlyList<IProperty> DatabaseFilled);

    // Per model object (a rebuilt model brings new ones), for tracked rows and untracked objects.
    private static readonly ConditionalWeakTable<IEntityType, StrongBox<TypeCopy?>> TrackedCopies = new(), UntrackedCopies = new();

    private static TypeCopy? TypeCopyOf(IEntityType type, bool untracked) =>
        (untracked ? UntrackedCopies : TrackedCopies).GetValue(type, t => new StrongBox<TypeCopy?>(PlanType(t, untracked))).Value;

    private static TypeCopy? PlanType(IEntityType type, bool untracked)
    {
        if (!CopiesType(type, out var tableName, out var key))
        {
            return null;
        }

        var store = StoreObjectIdentifier.Table(tableName, type.GetSchema());
        var columns = new List<(IProperty, string, string)>();
        var databaseFilled = new List<IProperty>();
        foreach (var property in type.GetProperties())
        {
            if (property.GetComputedColumnSql(store) is not null)
            {
                return null;
            }

            if (untracked && property.IsShadowProperty())
            {
                if (property.ValueGenerated != ValueGenerated.Never)
                {
                    // The database fills it; nothing reads it back into an untracked row.
                    continue;
                }

                if (!property.IsNullable)
                {
                    return null;
                }
            }
            else if (property != key && property.ValueGenerated != ValueGenerated.Never)
            {
                databaseFilled.Add(property);
            }

            columns.Add(Column(property, store));
        }

        return new TypeCopy(new TablePlan(AccessSql.Table(type), key, columns), databaseFilled);
    }

    /// <summary>
    /// Copies <paramref name="rows"/>, objects no context tracks, by <paramref name="plan"/>: their ids
    /// set from the table's sequence, a shadow column's value from <paramref name="shadowValue"/>.
    /// </summary>
    public static Task WriteUntrackedAsync<TRow>(DbContext context, TablePlan plan, IReadOnlyList<TRow> rows, Func<TRow, IProperty, object?> shadowValue, CancellationToken cancellationToken)
        where TRow : class
    {
        var setKey = plan.Key.PropertyInfo ?? throw new InvalidOperationException($"The key of {plan.Table} is no property of its class.");
        return WriteTableAsync(context, (NpgsqlConnection)context.Database.GetDbConnection(), plan, rows,
            (row, property) => property.IsShadowProperty() ? shadowValue(row, property) : property.GetGetter().GetClrValueUsingContainingEntity(row),
            (row, id) => setKey.SetValue(row, id), cancellationToken);
    }

    /// <summary>Whether rows of <paramref name="type"/> are written as its own columns alone, with a key from a sequence.</summary>
    private static bool CopiesType(IEntityType type, [NotNullWhen(true)] out string? tableName, [NotNullWhen(true)] out IProperty? key)
    {
        tableName = type.GetTableName();
        key = null;
        if (tableName is null || type.BaseType is not null || type.GetDirectlyDerivedTypes().Any() || type.IsOwned()
            || type.GetNavigations().Any(n => n.TargetEntityType.IsOwned()) || type.GetComplexProperties().Any() // columns beyond the type's own properties
            || type.FindPrimaryKey() is not { Properties: [{ ValueGenerated: ValueGenerated.OnAdd, ClrType: var keyType } onlyKey] } || keyType != typeof(long))
        {
            return false;
        }

        key = onlyKey;
        return true;
    }

    private static (IProperty, string, string) Column(IProperty property, StoreObjectIdentifier store)
    {
        var storeType = ((RelationalTypeMapping)property.GetRelationalTypeMapping()).StoreType;
        // The type's name without its facets ("character varying(50)", "numeric(18,4)"): the value carries them.
        var facets = storeType.IndexOf('(', StringComparison.Ordinal);
        var dataType = facets < 0 ? storeType : storeType[..facets] + storeType[(storeType.IndexOf(')', facets) + 1)..];
        return (property, property.GetColumnName(store)!, dataType);
    }

    private static async Task WriteTableAsync<TRow>(DbContext context, NpgsqlConnection connection, TablePlan plan, IReadOnlyList<TRow> rows, Func<TRow, IProperty, object?> valueOf,
        Action<TRow, long> setKey, CancellationToken cancellationToken)
    {
        var keyColumn = plan.Columns.First(c => c.Property == plan.Key).Column;
#pragma warning disable EF1002 // names from the EF model, the count a parameter
        var ids = await context.Database.SqlQueryRaw<long>(
                $"SELECT nextval(pg_get_serial_sequence('{plan.Table.Replace("'", "''", StringComparison.Ordinal)}', '{keyColumn.Replace("'", "''", StringComparison.Ordinal)}')) AS \"Value\" FROM generate_series(1, @n)",
                new NpgsqlParameter<int>("n", rows.Count))
            .ToListAsync(cancellationToken);
#pragma warning restore EF1002
        ids.Sort();
        for (var i = 0; i < rows.Count; i++)
        {
            setKey(rows[i], ids[i]);
        }

        var copy = $"COPY {plan.Table} ({string.Join(", ", plan.Columns.Select(c => Quote(c.Column)))}) FROM STDIN (FORMAT BINARY)";
        SqlStatementCounter.CountStatement();
        // Each property's converter looked up once for the table, not once a value.
        var converters = plan.Columns.Select(c => c.Property.GetTypeMapping().Converter).ToArray();
        await using (var writer = await connection.BeginBinaryImportAsync(copy, cancellationToken))
        {
            foreach (var row in rows)
            {
                await writer.StartRowAsync(cancellationToken);
                for (var c = 0; c < plan.Columns.Count; c++)
                {
                    var (property, _, dataType) = plan.Columns[c];
                    var value = valueOf(row, property);
                    if (converters[c] is { } converter && value is not null)
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
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
