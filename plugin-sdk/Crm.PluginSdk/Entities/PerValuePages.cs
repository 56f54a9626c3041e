using Crm.PluginSdk.Data;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;

namespace Crm.PluginSdk.Entities;

/// <summary>A list's page read per value of an indexed column, on PostgreSQL, when that is what lets it use the index.</summary>
internal static class PerValuePages<TRecord>
    where TRecord : class, ICrmRecord
{
    /// <summary>
    /// "The largest deals of these two stages": PostgreSQL cannot read an index on (stage,
    /// amount) in amount order across several stages, so it would read every matching row to
    /// keep a page. When the filter lists a few values of an index's first column and the order
    /// starts with its second, the page is read per value — each an ordered index range that
    /// stops after a page — and the parts are merged (UNION ALL, then the page of the union).
    /// Null when the shape does not fit. SQLite plans such queries well enough as they are.
    /// </summary>
    public static IQueryable<TRecord>? Split(
        IQueryable<TRecord> query, IReadOnlyDictionary<string, object?>? where, IReadOnlyList<OrderKey> order, SqlDialect dialect, DbContext db, int take,
        IReadOnlyDictionary<string, EntityField> fields)
    {
        const int maxParts = 16;
        if (dialect != SqlDialect.Postgres || where is null || order.Count == 0)
        {
            return null;
        }

        var entityType = db.Model.FindEntityType(typeof(TRecord));
        foreach (var (name, condition) in where)
        {
            if (!fields.TryGetValue(name, out var field) || field.Custom is not null || order[0].Field.Custom is not null
                || condition is not IDictionary<string, object?> operators
                || operators.Count != 1 || !operators.TryGetValue("in", out var list) || list is not System.Collections.IEnumerable values || list is string)
            {
                continue;
            }

            var indexed = entityType?.GetIndexes().Any(index => index.Properties.Count >= 2
                && index.Properties[0].Name == field.Property.Name
                && index.Properties[1].Name == order[0].Field.Property.Name) == true;
            var distinct = values.Cast<object?>().Where(v => v is not null).Distinct().ToList();
            if (!indexed || distinct.Count is < 2 or > maxParts)
            {
                continue;
            }

            IQueryable<TRecord>? union = null;
            foreach (var value in distinct)
            {
                var equal = FilterCompiler.Compile<TRecord>(new Dictionary<string, object?> { [name] = new Dictionary<string, object?> { ["eq"] = value } }, fields, dialect);
                var part = Paging.OrderBy(query.Where(equal), order, dialect).Take(take);
                union = union is null ? part : union.Concat(part);
            }

            return Paging.OrderBy(union!, order, dialect).Take(take);
        }

        return null;
    }
}
