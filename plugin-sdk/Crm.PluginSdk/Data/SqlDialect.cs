using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;

namespace Crm.PluginSdk.Data;

/// <summary>
/// The few things the two engines do differently, in one place: case-insensitive pattern
/// matching and where NULLs sort. Everything else is plain LINQ that EF translates for both.
/// </summary>
public abstract class SqlDialect
{
    public static SqlDialect Postgres { get; } = new PostgresDialect();

    public static SqlDialect Sqlite { get; } = new SqliteDialect();

    public static SqlDialect For(ModuleDbContext context) => context.IsPostgres ? Postgres : Sqlite;

    /// <summary>
    /// Whether an ascending ORDER BY puts NULLs first. The query engine's own order is "NULLs
    /// last when ascending, first when descending", PostgreSQL's default; SQLite needs help.
    /// </summary>
    public abstract bool SortsNullsFirst { get; }

    /// <summary>A case-insensitive LIKE of <paramref name="value"/> against a pattern with '\' as escape.</summary>
    public abstract Expression InsensitiveLike(Expression value, Expression pattern);

    /// <summary>A case-sensitive LIKE (for text stored lower-case), which PostgreSQL's trigram indexes serve.</summary>
    public Expression Like(Expression value, Expression pattern) =>
        Expression.Call(PlainLike, Expression.Constant(EF.Functions), value, pattern, Expression.Constant("\\"));

    private static readonly MethodInfo PlainLike = typeof(DbFunctionsExtensions).GetMethod(
        nameof(DbFunctionsExtensions.Like), [typeof(DbFunctions), typeof(string), typeof(string), typeof(string)])!;

    public static string EscapeLikePattern(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);

    private sealed class PostgresDialect : SqlDialect
    {
        private static readonly MethodInfo ILike = typeof(NpgsqlDbFunctionsExtensions).GetMethod(
            nameof(NpgsqlDbFunctionsExtensions.ILike), [typeof(DbFunctions), typeof(string), typeof(string), typeof(string)])!;

        public override bool SortsNullsFirst => false;

        public override Expression InsensitiveLike(Expression value, Expression pattern) =>
            Expression.Call(ILike, Expression.Constant(EF.Functions), value, pattern, Expression.Constant("\\"));
    }

    private sealed class SqliteDialect : SqlDialect
    {
        public override bool SortsNullsFirst => true;

        // SQLite's LIKE ignores case for ASCII letters only; full Unicode folding needs the ICU extension.
        public override Expression InsensitiveLike(Expression value, Expression pattern) => Like(value, pattern);
    }
}
