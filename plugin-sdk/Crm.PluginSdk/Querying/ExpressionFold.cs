using System.Linq.Expressions;

namespace Crm.PluginSdk.Querying;

/// <summary>
/// Joins conditions with AND or OR as a balanced tree, log2(n) deep rather than n: EF Core walks
/// expression trees recursively (a deep one overflows the stack) and SQLite refuses SQL
/// expressions nested over 1,000 deep.
/// </summary>
internal static class ExpressionFold
{
    /// <summary>The conditions joined; <paramref name="empty"/> when there are none.</summary>
    public static Expression Balanced(IReadOnlyList<Expression> conditions, Func<Expression, Expression, BinaryExpression> join, Expression empty) =>
        conditions.Count == 0 ? empty : Fold(conditions, 0, conditions.Count, join);

    private static Expression Fold(IReadOnlyList<Expression> conditions, int start, int count, Func<Expression, Expression, BinaryExpression> join)
    {
        if (count == 1)
        {
            return conditions[start];
        }

        var half = count / 2;
        return join(Fold(conditions, start, half, join), Fold(conditions, start + half, count - half, join));
    }
}
