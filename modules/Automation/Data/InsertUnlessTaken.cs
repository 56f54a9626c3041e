using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Crm.Modules.Automation.Data;

/// <summary>
/// Inserts a row unless a unique index already holds its key: one <c>INSERT ... ON CONFLICT (key) DO
/// NOTHING RETURNING id</c> on both engines. A refused insert through <c>SaveChanges</c> would reach
/// the index as an error, which EF Core logs at Error level (on PostgreSQL the driver too) though it is
/// an expected outcome (a redelivered event). Columns and values come from the EF model: each value
/// goes through its property's type mapping (its converter, its engine's format), as EF would send it.
/// </summary>
internal static class InsertUnlessTaken
{
    /// <summary>Inserts <paramref name="row"/> (its generated key left out) and sets its key; false when <paramref name="conflict"/>'s columns already hold its values.</summary>
    public static async Task<bool> InsertAsync<T>(DbContext db, T row, IReadOnlyList<string> conflict, CancellationToken cancellationToken) where T : class
    {
        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var tableName = type.GetTableName()!;
        var store = StoreObjectIdentifier.Table(tableName, type.GetSchema());
        var key = type.FindPrimaryKey()!.Properties.Single();
        var columns = type.GetProperties().Where(p => p != key).ToList();
        string Column(IProperty p) => $"\"{p.GetColumnName(store)}\"";
        string ColumnOf(string name) => Column(type.FindProperty(name) ?? throw new InvalidOperationException($"{typeof(T).Name} has no property {name}."));

        var table = type.GetSchema() is { } schema ? $"\"{schema}\".\"{tableName}\"" : $"\"{tableName}\"";
        await using var factory = db.Database.GetDbConnection().CreateCommand();
        var parameters = new List<DbParameter>(columns.Count);
        foreach (var column in columns)
        {
            var mapping = (RelationalTypeMapping)column.GetRelationalTypeMapping();
            parameters.Add(mapping.CreateParameter(factory, "@v" + parameters.Count.ToString(CultureInfo.InvariantCulture), column.PropertyInfo!.GetValue(row), column.IsNullable));
        }

        var sql = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"INSERT INTO {table} (").AppendJoin(", ", columns.Select(Column))
            .Append(") VALUES (").AppendJoin(", ", parameters.Select(p => p.ParameterName))
            .Append(CultureInfo.InvariantCulture, $") ON CONFLICT (").AppendJoin(", ", conflict.Select(ColumnOf))
            .Append(CultureInfo.InvariantCulture, $") DO NOTHING RETURNING {Column(key)} AS \"Value\"")
            .ToString();
#pragma warning disable EF1002 // names from the EF model, every value a parameter
        var ids = await db.Database.SqlQueryRaw<long>(sql, [.. parameters]).ToListAsync(cancellationToken);
#pragma warning restore EF1002
        if (ids.Count == 0)
        {
            return false;
        }

        key.PropertyInfo!.SetValue(row, ids[0]);
        return true;
    }
}
