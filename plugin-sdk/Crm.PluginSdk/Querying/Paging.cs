using System.Linq.Expressions;
using System.Text;
using System.Text.Json;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Querying;

public enum SortDirection
{
    Ascending,
    Descending,
}

internal sealed record OrderKey(EntityField Field, SortDirection Direction)
{
    public OrderKey Reversed() => this with { Direction = Direction == SortDirection.Ascending ? SortDirection.Descending : SortDirection.Ascending };
}

/// <summary>
/// Ordering and keyset (cursor) paging. The order is the requested keys plus the id, so it is
/// total; a cursor holds the sort-key values of its record, and the next page starts strictly
/// after them, so deep pages cost what the first one does and rows added meanwhile do not shift
/// them. NULLs sort last ascending and first descending on both engines, and text sorts the
/// same on both (<see cref="TextOrder"/>): by its folded form, then by code point.
/// </summary>
internal static class Paging
{
    public static IQueryable<TRecord> OrderBy<TRecord>(IQueryable<TRecord> query, IReadOnlyList<OrderKey> keys, SqlDialect dialect)
    {
        IOrderedQueryable<TRecord>? ordered = null;
        foreach (var key in keys)
        {
            var descending = key.Direction == SortDirection.Descending;
            if (key.Field.IsNullable && dialect.SortsNullsFirst)
            {
                var record = Expression.Parameter(typeof(TRecord), "record");
                var isNull = Expression.Lambda<Func<TRecord, bool>>(
                    Expression.Equal(ParameterRebinder.Rebind(key.Field.Accessor, record), Expression.Constant(null, key.Field.Accessor.ReturnType)), record);
                ordered = Apply(query, ordered, isNull, descending);
            }

            if (IsText(key.Field))
            {
                // Two keys: the folded form, then the text itself to break its ties.
                var record = key.Field.Accessor.Parameters[0];
                ordered = Apply(query, ordered, Expression.Lambda(dialect.TextOrderKey(key.Field.Accessor.Body), record), descending);
                ordered = Apply(query, ordered, Expression.Lambda(dialect.BinaryText(key.Field.Accessor.Body), record), descending);
                continue;
            }

            ordered = Apply(query, ordered, key.Field.Accessor, descending);
        }

        return ordered ?? query;
    }

    /// <summary>Whether a key sorts as text (<see cref="TextOrder"/>): built-in and custom text fields, not ISO dates kept as text.</summary>
    public static bool IsText(EntityField field) => field.Kind == FieldKind.String && field.KeyType == typeof(string);

    private static IOrderedQueryable<TRecord> Apply<TRecord>(IQueryable<TRecord> query, IOrderedQueryable<TRecord>? ordered, LambdaExpression key, bool descending)
    {
        var method = (ordered is null, descending) switch
        {
            (true, false) => nameof(Queryable.OrderBy),
            (true, true) => nameof(Queryable.OrderByDescending),
            (false, false) => nameof(Queryable.ThenBy),
            (false, true) => nameof(Queryable.ThenByDescending),
        };
        var source = ordered?.Expression ?? query.Expression;
        var call = Expression.Call(typeof(Queryable), method, [typeof(TRecord), key.ReturnType], source, Expression.Quote(key));
        return (IOrderedQueryable<TRecord>)query.Provider.CreateQuery<TRecord>(call);
    }

    /// <summary>The records strictly after the cursor's position in the given order.</summary>
    public static Expression<Func<TRecord, bool>> After<TRecord>(IReadOnlyList<OrderKey> keys, IReadOnlyList<object?> cursorValues, SqlDialect dialect)
    {
        var record = Expression.Parameter(typeof(TRecord), "record");
        Expression? result = null;
        Expression equalSoFar = Expression.Constant(true);
        for (var i = 0; i < keys.Count; i++)
        {
            var accessor = ParameterRebinder.Rebind(keys[i].Field.Accessor, record);
            var after = StrictlyAfter(accessor, keys[i], cursorValues[i], dialect);
            var branch = Expression.AndAlso(equalSoFar, after);
            result = result is null ? branch : Expression.OrElse(result, branch);
            equalSoFar = Expression.AndAlso(equalSoFar, EqualTo(accessor, cursorValues[i]));
        }

        return Expression.Lambda<Func<TRecord, bool>>(result ?? Expression.Constant(true), record);
    }

    private static Expression EqualTo(Expression accessor, object? value) =>
        value is null
            ? Expression.Equal(accessor, Expression.Constant(null, accessor.Type))
            : Expression.Equal(accessor, Parameter.Of(value, accessor.Type));

    private static Expression StrictlyAfter(Expression accessor, OrderKey key, object? value, SqlDialect dialect)
    {
        var ascending = key.Direction == SortDirection.Ascending;
        var isNull = key.Field.IsNullable ? Expression.Equal(accessor, Expression.Constant(null, accessor.Type)) : null;
        if (value is null)
        {
            // NULLs come last ascending (nothing after them) and first descending (every value after them).
            return ascending || isNull is null ? Expression.Constant(false) : Expression.Not(isNull);
        }

        var beyond = IsText(key.Field) ? TextBeyond(accessor, (string)value, ascending, dialect) : Compare(accessor, Parameter.Of(value, accessor.Type), ascending);
        return ascending && isNull is not null ? Expression.OrElse(beyond, isNull) : beyond;
    }

    /// <summary>After a text in its order: a greater folded form, or the same folded form and a greater text.</summary>
    private static Expression TextBeyond(Expression accessor, string value, bool greater, SqlDialect dialect)
    {
        var folded = dialect.TextOrderKey(accessor);
        var foldedValue = Parameter.Of(TextOrder.FoldText(value), typeof(string));
        return Expression.OrElse(
            Compare(folded, foldedValue, greater),
            Expression.AndAlso(Expression.Equal(folded, foldedValue), Compare(dialect.BinaryText(accessor), Parameter.Of(value, typeof(string)), greater)));
    }

    private static Expression Compare(Expression left, Expression right, bool greater)
    {
        var type = Nullable.GetUnderlyingType(left.Type) ?? left.Type;
        if (type == typeof(string))
        {
            return FilterCompiler.Ordered(left, right, greater ? Expression.GreaterThan : Expression.LessThan);
        }

        if (type == typeof(bool))
        {
            // false < true: after a false comes true (ascending); after a true comes false (descending).
            var boolean = Expression.Convert(right, typeof(bool));
            return greater
                ? Expression.AndAlso(Expression.Not(boolean), Expression.Equal(left, Expression.Constant(true, left.Type)))
                : Expression.AndAlso(boolean, Expression.Equal(left, Expression.Constant(false, left.Type)));
        }

        return greater ? Expression.GreaterThan(left, right) : Expression.LessThan(left, right);
    }

    public static string EncodeCursor(IReadOnlyList<OrderKey> keys, object record)
    {
        var values = keys.Select(k => k.Field.KeyOf(record)).ToArray();
        var json = JsonSerializer.SerializeToUtf8Bytes(values, CursorJson.Options);
        return Convert.ToBase64String(json).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static IReadOnlyList<object?> DecodeCursor(string cursor, IReadOnlyList<OrderKey> keys, string argument)
    {
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var elements = JsonSerializer.Deserialize<JsonElement[]>(Convert.FromBase64String(base64), CursorJson.Options);
            if (elements is null || elements.Length != keys.Count)
            {
                throw new FormatException("The cursor does not fit the requested order.");
            }

            return elements.Select((e, i) => Value(e, keys[i].Field)).ToList();
        }
        catch (Exception ex) when (ex is FormatException or JsonException or NotSupportedException or ArgumentException)
        {
            throw ErrorCodes.Error(ErrorCodes.InvalidCursor,
                $"'{argument}' is not a cursor of this list with this order; use a cursor returned by the same query.");
        }
    }

    /// <summary>A value as <see cref="EncodeCursor"/> writes it: null only for nullable fields, times in UTC.</summary>
    private static object? Value(JsonElement element, EntityField field)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return field.IsNullable ? null : throw new FormatException($"'{field.Name}' cannot be null.");
        }

        var value = element.Deserialize(field.KeyType, CursorJson.Options);
        return value is DateTime { Kind: not DateTimeKind.Utc }
            ? throw new FormatException($"'{field.Name}' must be a UTC time.")
            : value;
    }

    private static class CursorJson
    {
        public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
    }
}

/// <summary>One page of a list, as the connection types show it.</summary>
public sealed class Connection
{
    public required IReadOnlyList<Edge> Edges { get; init; }

    public required PageInfo PageInfo { get; init; }

    public int? TotalCount { get; init; }
}

public sealed record Edge(string Cursor, object Node);

public sealed record PageInfo(bool HasNextPage, bool HasPreviousPage, string? StartCursor, string? EndCursor);
