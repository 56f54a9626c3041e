using System.Data.Common;
using System.Globalization;
using System.Text;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Crm.PluginSdk.Data;

/// <summary>
/// Inserts a row unless a unique index already holds its key: one <c>INSERT ... ON CONFLICT DO NOTHING
/// RETURNING</c> on both engines. For an insert whose conflict is an expected outcome (an event
/// delivered again, two requests racing to make the same row): through <c>SaveChanges</c> the refused
/// insert reaches the index as an error, which EF Core (and on PostgreSQL the driver) logs at Error
/// level and which aborts a PostgreSQL transaction; here it is no error at all, and the caller learns
/// whether its row went in. Columns and values come from the EF model: each value goes through its
/// property's type mapping (its converter, its engine's format), as EF would send it.
/// </summary>
/// <remarks>
/// The row is an entity of the context's model mapped to a table, with its scalar properties
/// only (no owned types, no shadow properties); a key the database generates is left out and set on
/// the row when it goes in. Database defaults are not applied: every column gets the row's value.
/// The row is not tracked afterwards.
/// </remarks>
public static class InsertUnlessTaken
{
    /// <summary>The most columns a conflict target names.</summary>
    public const int MaxConflictColumns = 16;

    /// <summary>
    /// Inserts <paramref name="row"/>; false, writing nothing, when a unique index already holds its
    /// values: the one on <paramref name="conflict"/>'s properties (by their CLR names), or, when
    /// <paramref name="conflict"/> is empty, any unique index of the table (a row with several unique keys).
    /// </summary>
    public static async Task<bool> InsertUnlessTakenAsync<T>(this DbContext db, T row, IReadOnlyList<string> conflict, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(conflict);
        if (conflict.Count > MaxConflictColumns)
        {
            throw new ArgumentException($"A conflict target names at most {MaxConflictColumns} properties.", nameof(conflict));
        }

        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var tableName = type.GetTableName() ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped to a table.");
        var store = StoreObjectIdentifier.Table(tableName, type.GetSchema());
        var key = type.FindPrimaryKey() ?? throw new InvalidOperationException($"{typeof(T).Name} has no primary key.");
        // A key the database makes (an identity) is left to it and read back.
        var generated = key.Properties is [{ ValueGenerated: ValueGenerated.OnAdd } only] ? only : null;
        var columns = type.GetProperties().Where(p => p != generated).ToList();
        string Column(IProperty p) => $"\"{p.GetColumnName(store)}\"";
        string ColumnOf(string name) => Column(type.FindProperty(name) ?? throw new InvalidOperationException($"{typeof(T).Name} has no property {name}."));

        var table = AccessSql.Table(type);
        await using var factory = db.Database.GetDbConnection().CreateCommand();
        var parameters = new List<DbParameter>(columns.Count);
        foreach (var column in columns)
        {
            var property = column.PropertyInfo ?? throw new InvalidOperationException($"{typeof(T).Name}.{column.Name} is not a property of the class (a shadow property).");
            var mapping = (RelationalTypeMapping)column.GetRelationalTypeMapping();
            parameters.Add(mapping.CreateParameter(factory, "@v" + parameters.Count.ToString(CultureInfo.InvariantCulture), property.GetValue(row), column.IsNullable));
        }

        var sql = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"INSERT INTO {table} (").AppendJoin(", ", columns.Select(Column))
            .Append(") VALUES (").AppendJoin(", ", parameters.Select(p => p.ParameterName)).Append(") ON CONFLICT ");
        if (conflict.Count > 0)
        {
            sql.Append('(').AppendJoin(", ", conflict.Select(ColumnOf)).Append(") ");
        }

        // The key when the database makes it; else any column: one row back says the row went in.
        sql.Append(CultureInfo.InvariantCulture, $"DO NOTHING RETURNING {(generated is null ? "CAST(1 AS BIGINT)" : Column(generated))} AS \"Value\"");
#pragma warning disable EF1002 // names from the EF model, every value a parameter
        var inserted = await db.Database.SqlQueryRaw<long>(sql.ToString(), [.. parameters]).ToListAsync(cancellationToken);
#pragma warning restore EF1002
        if (inserted.Count == 0)
        {
            return false;
        }

        generated?.PropertyInfo?.SetValue(row, Convert.ChangeType(inserted[0], generated.ClrType, CultureInfo.InvariantCulture));
        return true;
    }
}
