using System.Collections;
using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Crm.PluginSdk.Security;

/// <summary>
/// Writes an access filter of <see cref="AccessFilter"/> as SQL over one record type's table, so
/// that another module's query can test, in the same statement, whether the actor reaches a
/// record it names (an activity's bound deal). The filter's shapes are few and known (true/false,
/// and, or, not, a column equal to a value, an assignee among users, <c>opened</c>); anything
/// else is a bug of the SDK and throws. Values travel as parameters, user ids as integer literals.
/// </summary>
internal static class AccessSql
{
    /// <summary>
    /// <c>EXISTS (SELECT 1 FROM table AS alias WHERE alias.id = <paramref name="idSql"/> AND filter)</c>;
    /// the id test alone when <paramref name="filter"/> is null (every record reached).
    /// Placeholders are <c>{n}</c> (FromSqlRaw's), numbered after those already in <paramref name="parameters"/>.
    /// </summary>
    public static string Exists(LambdaExpression? filter, IEntityType entityType, string alias, string idSql, List<object> parameters)
    {
        var table = Table(entityType);
        var id = Column(entityType, nameof(Records.ICrmRecord.Id));
        var condition = filter is null ? "" : " AND " + new Writer(entityType, filter.Parameters[0], alias, parameters).Write(filter.Body);
        return $"EXISTS (SELECT 1 FROM {table} AS {alias} WHERE {alias}.\"{id}\" = {idSql}{condition})";
    }

    /// <summary>The filter as a condition on the row <paramref name="alias"/> of <paramref name="entityType"/>'s table; placeholders as for <see cref="Exists"/>.</summary>
    public static string Condition(LambdaExpression filter, IEntityType entityType, string alias, List<object> parameters) =>
        new Writer(entityType, filter.Parameters[0], alias, parameters).Write(filter.Body);

    public static string Table(IEntityType entityType) =>
        entityType.GetSchema() is { } schema ? $"\"{schema}\".\"{entityType.GetTableName()}\"" : $"\"{entityType.GetTableName()}\"";

    public static string Column(IEntityType entityType, string property) =>
        entityType.FindProperty(property)?.GetColumnName() ?? throw new InvalidOperationException($"{entityType.DisplayName()} has no column for {property}.");

    private sealed class Writer(IEntityType entityType, ParameterExpression record, string alias, List<object> parameters)
    {
        public string Write(Expression node) => node switch
        {
            ConstantExpression { Value: bool value } => value ? "1 = 1" : "1 = 0",
            BinaryExpression { NodeType: ExpressionType.AndAlso } and => $"({Write(and.Left)} AND {Write(and.Right)})",
            BinaryExpression { NodeType: ExpressionType.OrElse } or => $"({Write(or.Left)} OR {Write(or.Right)})",
            UnaryExpression { NodeType: ExpressionType.Not } not => $"NOT ({Write(not.Operand)})",
            BinaryExpression { NodeType: ExpressionType.Equal } equal => Compare(equal, "=", "IS NULL"),
            BinaryExpression { NodeType: ExpressionType.NotEqual } notEqual => Compare(notEqual, "<>", "IS NOT NULL"),
            MethodCallExpression { Method.Name: nameof(List<long>.Contains), Object: { } list, Arguments: [var item] } => In(list, item),
            MemberExpression member when Owner(member) is not null => $"{ColumnOf(member)} = {Literal(true)}",
            _ => throw new NotSupportedException($"An access filter shape the SQL writer does not know: {node}"),
        };

        private string Compare(BinaryExpression node, string op, string nullTest)
        {
            var (column, value) = Owner(node.Left) is not null ? (node.Left, node.Right) : (node.Right, node.Left);
            var evaluated = Evaluate(value);
            if (evaluated is null)
            {
                return $"{ColumnOf(column)} {nullTest}";
            }

            parameters.Add(evaluated);
            return $"{ColumnOf(column)} {op} {{{(parameters.Count - 1).ToString(CultureInfo.InvariantCulture)}}}";
        }

        private string In(Expression list, Expression item)
        {
            var values = ((IEnumerable)Evaluate(list)!).Cast<object>().ToList();
            if (values.Count == 0)
            {
                return "1 = 0";
            }

            // User ids are numbers the platform made, written as literals: one list of any length
            // works on both engines (SQLite has no array parameters).
            var literals = string.Join(", ", values.Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)));
            return $"{ColumnOf(item)} IN ({literals})";
        }

        private static string Literal(bool value) => value ? "TRUE" : "FALSE";

        private string ColumnOf(Expression node) => $"{alias}.\"{Column(entityType, Owner(node)!)}\"";

        /// <summary>The record property a node reads (through <c>.Value</c> of a nullable, or a conversion), or null when it reads no column.</summary>
        private string? Owner(Expression node) => node switch
        {
            MemberExpression { Expression: ParameterExpression p, Member.Name: var name } when p == record => name,
            MemberExpression { Member.Name: "Value", Expression: { } inner } => Owner(inner),
            UnaryExpression { NodeType: ExpressionType.Convert, Operand: var operand } => Owner(operand),
            _ => null,
        };

        private static object? Evaluate(Expression node) => node switch
        {
            // The filter's values are constants and boxed parameters (Parameter.Of): read directly,
            // as compiling a lambda per value cost more than the rest of a joined read.
            ConstantExpression constant => constant.Value,
            MemberExpression { Expression: ConstantExpression { Value: { } box }, Member: System.Reflection.PropertyInfo property } => property.GetValue(box),
            UnaryExpression { NodeType: ExpressionType.Convert, Operand: var operand } when Nullable.GetUnderlyingType(node.Type) == operand.Type || node.Type == typeof(object) => Evaluate(operand),
            _ => Expression.Lambda(node).Compile().DynamicInvoke(),
        };
    }
}
