using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;

namespace Crm.PluginSdk.Data;

/// <summary>
/// The few things the two engines do differently, in one place: case-insensitive pattern
/// matching and where NULLs sort. Everything else is plain LINQ that EF translates for both.
/// </summary>
internal abstract class SqlDialect
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

    /// <summary>What text sorts by first: its folded form (<see cref="TextOrder"/>), compared by code point.</summary>
    public abstract Expression TextOrderKey(Expression text);

    /// <summary>Text compared by code point, which breaks ties among texts that fold alike.</summary>
    public abstract Expression BinaryText(Expression text);

    private static readonly MethodInfo FoldMethod = typeof(CrmDbFunctions).GetMethod(nameof(CrmDbFunctions.Fold))!;

    private static readonly MethodInfo CollateMethod = typeof(RelationalDbFunctionsExtensions).GetMethod(nameof(RelationalDbFunctionsExtensions.Collate))!.MakeGenericMethod(typeof(string));

    private static Expression Fold(Expression text) => Expression.Call(FoldMethod, text);

    /// <summary>PostgreSQL's "C" collation: byte order, which is code point order in UTF-8, whatever the database's locale.</summary>
    private static Expression CollateC(Expression text) => Expression.Call(CollateMethod, Expression.Constant(EF.Functions), text, Expression.Constant("C"));

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

        public override Expression TextOrderKey(Expression text) => CollateC(Fold(text));

        public override Expression BinaryText(Expression text) => CollateC(text);
    }

    private sealed class SqliteDialect : SqlDialect
    {
        public override bool SortsNullsFirst => true;

        private static readonly MethodInfo LowerMethod = typeof(CrmDbFunctions).GetMethod(nameof(CrmDbFunctions.Lower))!;

        // SQLite's LIKE and lower() know ASCII letters only: both sides go through the
        // platform's own lower case (a function on each connection, never in an index).
        public override Expression InsensitiveLike(Expression value, Expression pattern) =>
            Like(Expression.Call(LowerMethod, value), Expression.Call(LowerMethod, pattern));

        // BINARY, SQLite's default, compares UTF-8 bytes: code point order.
        public override Expression TextOrderKey(Expression text) => Fold(text);

        public override Expression BinaryText(Expression text) => text;
    }
}
