using System.Collections;
using System.Globalization;
using System.Linq.Expressions;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using GraphQL;

namespace Crm.PluginSdk.Querying;

/// <summary>
/// Turns a <c>where</c> argument (<c>{ and, or, field: { eq, in, contains, ... } }</c>) into a
/// LINQ predicate over the record type, using only what EF Core translates on both engines.
/// </summary>
internal static class FilterCompiler
{
    public const string And = "and";
    public const string Or = "or";

    /// <summary>The operators each kind of field takes.</summary>
    public static IReadOnlyList<string> OperatorsFor(FieldKind kind) => kind switch
    {
        FieldKind.String or FieldKind.Address => ["eq", "neq", "in", "nin", "contains", "ncontains", "startsWith", "endsWith", "isNull"],
        FieldKind.Id or FieldKind.RecordReference => ["eq", "neq", "in", "nin", "isNull"],
        FieldKind.Boolean => ["eq", "neq", "isNull"],
        FieldKind.ContactPoints => ["some", "none"],
        _ => ["eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "isNull"],
    };

    /// <summary>
    /// The predicate; with <paramref name="limits"/>, a filter over them is refused first
    /// (<see cref="FilterLimits"/>), before any expression is built.
    /// </summary>
    public static Expression<Func<TRecord, bool>> Compile<TRecord>(
        IReadOnlyDictionary<string, object?> where,
        IReadOnlyDictionary<string, EntityField> fields,
        SqlDialect dialect,
        QueryLimits? limits = null)
    {
        if (limits is not null)
        {
            FilterLimits.Check(where, limits);
        }

        var record = Expression.Parameter(typeof(TRecord), "record");
        var body = CompileObject(where, fields, dialect, record, "where");
        return Expression.Lambda<Func<TRecord, bool>>(body, record);
    }

    private static Expression CompileObject(
        IReadOnlyDictionary<string, object?> where,
        IReadOnlyDictionary<string, EntityField> fields,
        SqlDialect dialect,
        ParameterExpression record,
        string path)
    {
        var conditions = new List<Expression>();
        foreach (var (name, value) in where)
        {
            if (value is null)
            {
                continue;
            }

            switch (name)
            {
                case And:
                    conditions.AddRange(Nested(value, fields, dialect, record, $"{path}.and"));
                    break;
                case Or:
                    var alternatives = Nested(value, fields, dialect, record, $"{path}.or").ToList();
                    conditions.Add(ExpressionFold.Balanced(alternatives, Expression.OrElse, Expression.Constant(true)));
                    break;
                default:
                    if (!fields.TryGetValue(name, out var field) || !field.Filterable)
                    {
                        throw ErrorCodes.Error(ErrorCodes.Validation, $"'{path}.{name}' is not a filterable field.");
                    }

                    var accessor = ParameterRebinder.Rebind(field.Accessor, record);
                    foreach (var (op, operand) in AsObject(value, $"{path}.{name}"))
                    {
                        conditions.Add(field.Custom is { Multiple: true }
                            ? CompileAnyValue(field, accessor, op, operand, dialect, $"{path}.{name}.{op}")
                            : CompileOperator(field, accessor, op, operand, dialect, $"{path}.{name}.{op}"));
                    }

                    break;
            }
        }

        return ExpressionFold.Balanced(conditions, Expression.AndAlso, Expression.Constant(true));
    }

    private static IEnumerable<Expression> Nested(object value, IReadOnlyDictionary<string, EntityField> fields, SqlDialect dialect, ParameterExpression record, string path)
    {
        if (value is not IEnumerable list || value is IDictionary<string, object?>)
        {
            throw ErrorCodes.Error(ErrorCodes.Validation, $"'{path}' must be a list of filters.");
        }

        var i = 0;
        foreach (var item in list)
        {
            if (item is not null)
            {
                yield return CompileObject(AsObject(item, $"{path}[{i}]"), fields, dialect, record, $"{path}[{i}]");
            }

            i++;
        }
    }

    private static IReadOnlyDictionary<string, object?> AsObject(object value, string path) =>
        value as IReadOnlyDictionary<string, object?>
        ?? (value as IDictionary<string, object?>)?.AsReadOnly()
        ?? throw ErrorCodes.Error(ErrorCodes.Validation, $"'{path}' must be an object.");

    private static Expression CompileOperator(EntityField field, Expression accessor, string op, object? operand, SqlDialect dialect, string path)
    {
        if (op == "isNull")
        {
            if (operand is not bool isNull)
            {
                return Expression.Constant(true);
            }

            if (!field.IsNullable)
            {
                return Expression.Constant(!isNull);
            }

            var nullCheck = Expression.Equal(accessor, Expression.Constant(null, accessor.Type));
            return isNull ? nullCheck : Expression.Not(nullCheck);
        }

        if (field.Kind == FieldKind.ContactPoints)
        {
            return operand is null ? Expression.Constant(true) : PointsCondition(accessor, op, AsObject(operand, path), path);
        }

        if (operand is null)
        {
            // { eq: null } reads as "is null", as in HotChocolate; other operators ignore null.
            return op switch
            {
                "eq" => field.IsNullable ? Expression.Equal(accessor, Expression.Constant(null, accessor.Type)) : Expression.Constant(false),
                "neq" => field.IsNullable ? Expression.NotEqual(accessor, Expression.Constant(null, accessor.Type)) : Expression.Constant(true),
                _ => Expression.Constant(true),
            };
        }

        switch (op)
        {
            case "eq":
                return Expression.Equal(accessor, Value(field, operand, accessor.Type, path));
            case "neq":
                return Expression.NotEqual(accessor, Value(field, operand, accessor.Type, path));
            case "in":
            case "nin":
                var contains = InList(field, accessor, operand, path);
                return op == "in" ? contains : Expression.Not(contains);
            case "gt":
                return Ordered(accessor, Value(field, operand, accessor.Type, path), Expression.GreaterThan);
            case "gte":
                return Ordered(accessor, Value(field, operand, accessor.Type, path), Expression.GreaterThanOrEqual);
            case "lt":
                return Ordered(accessor, Value(field, operand, accessor.Type, path), Expression.LessThan);
            case "lte":
                return Ordered(accessor, Value(field, operand, accessor.Type, path), Expression.LessThanOrEqual);
            case "contains":
            case "ncontains":
            case "startsWith":
            case "endsWith":
                var text = SqlDialect.EscapeLikePattern(operand as string ?? throw ErrorCodes.Error(ErrorCodes.Validation, $"'{path}' takes a text."));
                var pattern = op switch
                {
                    "startsWith" => text + "%",
                    "endsWith" => "%" + text,
                    _ => "%" + text + "%",
                };
                var like = dialect.InsensitiveLike(accessor, Parameter.Of(pattern, typeof(string)));
                if (op != "ncontains")
                {
                    return like;
                }

                // NOT LIKE is unknown for NULL; a missing value does not contain the text.
                return Expression.OrElse(Expression.Equal(accessor, Expression.Constant(null, typeof(string))), Expression.Not(like));
            default:
                throw ErrorCodes.Error(ErrorCodes.Validation, $"'{path}' is not an operator of this field.");
        }
    }

    /// <summary>
    /// A multiple custom field holds a list: a condition holds when any value meets it (eq, in,
    /// gt ..., contains ...), and its negations (neq, nin, ncontains) when none does.
    /// </summary>
    private static Expression CompileAnyValue(EntityField field, Expression document, string op, object? operand, SqlDialect dialect, string path)
    {
        var code = field.Custom!.Code;
        if (op == "isNull")
        {
            if (operand is not bool isNull)
            {
                return Expression.Constant(true);
            }

            var exists = CustomFields.CustomFieldSql.AnyValueCall(document, code, "exists", null);
            return isNull ? Expression.Not(exists) : exists;
        }

        if (operand is null)
        {
            return op switch
            {
                "eq" => Expression.Not(CustomFields.CustomFieldSql.AnyValueCall(document, code, "exists", null)),
                "neq" => CustomFields.CustomFieldSql.AnyValueCall(document, code, "exists", null),
                _ => Expression.Constant(true),
            };
        }

        if (!OperatorsFor(field.Kind).Contains(op))
        {
            throw ErrorCodes.Error(ErrorCodes.Validation, $"'{path}' is not an operator of this field.");
        }

        var (positive, negated) = op switch
        {
            "neq" => ("eq", true),
            "nin" => ("in", true),
            "ncontains" => ("contains", true),
            _ => (op, false),
        };
        object? term;
        if (positive == "in")
        {
            if (operand is not IEnumerable items || operand is string)
            {
                throw ErrorCodes.Error(ErrorCodes.Validation, $"'{path}' must be a list.");
            }

            term = items.Cast<object?>().Where(i => i is not null).Select(i => field.ToKey(ConvertValue(field, i!, path))).ToList();
        }
        else
        {
            term = field.ToKey(ConvertValue(field, operand, path));
        }

        Expression call;
        if (dialect == SqlDialect.Postgres && !negated && positive is "eq" or "in" && CustomFields.CustomFieldSql.ContainmentServes(field.Custom.Type))
        {
            // Containment, which the field's GIN index serves: any of the values is in the list.
            // (Not for neq/nin: containment is null where the field has no list, and its negation
            // could not use the index anyway.)
            var keys = positive == "in" ? (List<object?>)term! : [term];
            call = ExpressionFold.Balanced(
                keys.Select(k => CustomFields.CustomFieldSql.ContainsCall(document, field.Custom, k)).ToList(), Expression.OrElse, Expression.Constant(false));
        }
        else
        {
            call = CustomFields.CustomFieldSql.AnyValueCall(document, code, positive, System.Text.Json.JsonSerializer.Serialize(term));
        }

        return negated ? Expression.Not(call) : call;
    }

    /// <summary>
    /// <c>some: { value: { contains: "600" }, valueType: MOBILE }</c>: a phone (e-mail ...) that
    /// matches; <c>none</c>: no such one. Each text operator is its own condition.
    /// </summary>
    private static Expression PointsCondition(Expression accessor, string op, IReadOnlyDictionary<string, object?> condition, string path)
    {
        var valueType = condition.GetValueOrDefault("valueType") as string;
        var texts = condition.GetValueOrDefault("value") is { } value ? AsObject(value, path + ".value").Where(t => t.Value is not null).ToList() : [];
        var calls = new List<Expression>();
        foreach (var (textOp, term) in texts)
        {
            if (textOp is not ("eq" or "contains" or "startsWith" or "endsWith"))
            {
                throw ErrorCodes.Error(ErrorCodes.Validation, $"'{path}.value.{textOp}' is not an operator of phone, e-mail and web values.");
            }

            calls.Add(PointsMatch(accessor, textOp, (string)term!, valueType));
        }

        if (calls.Count == 0)
        {
            calls.Add(PointsMatch(accessor, "eq", null, valueType));
        }

        var some = ExpressionFold.Balanced(calls, Expression.AndAlso, Expression.Constant(true));
        return op switch
        {
            "some" => some,
            "none" => Expression.Not(some),
            _ => throw ErrorCodes.Error(ErrorCodes.Validation, $"'{path}' is not an operator of this field; use some or none."),
        };
    }

    private static Expression PointsMatch(Expression accessor, string op, string? term, string? valueType) =>
        Expression.Call(
            typeof(CrmDbFunctions).GetMethod(nameof(CrmDbFunctions.PointsMatch))!,
            accessor,
            Expression.Constant(op),
            Parameter.Of(term, typeof(string)),
            Parameter.Of(valueType, typeof(string)));

    private static Expression InList(EntityField field, Expression accessor, object operand, string path)
    {
        if (operand is not IEnumerable items || operand is string)
        {
            throw ErrorCodes.Error(ErrorCodes.Validation, $"'{path}' must be a list.");
        }

        var elementType = accessor.Type;
        var listType = typeof(List<>).MakeGenericType(elementType);
        var list = (IList)Activator.CreateInstance(listType)!;
        foreach (var item in items)
        {
            list.Add(item is null ? null : field.ToKey(ConvertValue(field, item, path)));
        }

        var contains = listType.GetMethod(nameof(List<object>.Contains))!;
        return Expression.Call(Parameter.Of(list, listType), contains, accessor);
    }

    /// <summary>A comparison; text (custom dates and times are kept as ISO text) compares through string.Compare, which EF translates to &lt; and &gt;.</summary>
    internal static Expression Ordered(Expression left, Expression right, Func<Expression, Expression, BinaryExpression> compare) =>
        left.Type == typeof(string)
            ? compare(Expression.Call(typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!, left, right), Expression.Constant(0))
            : compare(left, right);

    private static Expression Value(EntityField field, object operand, Type type, string path) =>
        Parameter.Of(field.ToKey(ConvertValue(field, operand, path)), type);

    /// <summary>Converts a GraphQL input value to the field's CLR type; ids arrive as strings.</summary>
    public static object ConvertValue(EntityField field, object value, string path)
    {
        if (field.ParseOperand is { } parse)
        {
            return parse(value, path);
        }

        if (field.Kind == FieldKind.Id)
        {
            var id = RecordIds.Parse(value, path, minimum: field.MinimumId);
            return field.ValueType == typeof(int) ? checked((int)id) : id;
        }

        if (value is DateTime time)
        {
            // Times are stored in UTC; an input without a zone is taken as UTC.
            return time.Kind switch
            {
                DateTimeKind.Local => time.ToUniversalTime(),
                DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
                _ => time,
            };
        }

        if (field.ValueType.IsInstanceOfType(value))
        {
            return value;
        }

        try
        {
            return Convert.ChangeType(value, field.ValueType, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            // A filter given as JSON (a saved view, a rule's filter) is not typed by the schema: any value may come.
            throw ErrorCodes.Error(ErrorCodes.Validation, $"'{path}' is not a value of this field.");
        }
    }
}

/// <summary>Puts a field's accessor lambda onto another parameter.</summary>
internal sealed class ParameterRebinder(ParameterExpression from, Expression to) : ExpressionVisitor
{
    public static Expression Rebind(LambdaExpression lambda, Expression target) =>
        new ParameterRebinder(lambda.Parameters[0], target).Visit(lambda.Body);

    protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
}
