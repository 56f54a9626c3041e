using System.Globalization;
using Crm.PluginSdk.Data;

namespace Crm.PluginSdk.Querying;

/// <summary>Limits every request is held to; bound from the <c>Limits</c> configuration section.</summary>
public sealed class QueryLimits
{
    /// <summary>
    /// The most <see cref="MaxFilterTerms"/> may be on SQLite: it refuses SQL expressions nested
    /// deeper than 1,000, and EF Core writes a list of conditions as one flat chain, which SQLite
    /// nests one level per condition (the rights filter and paging add a few more).
    /// </summary>
    public const int SqliteMaxFilterTerms = 500;

    /// <summary>The most <see cref="MaxFilterValues"/> may be on SQLite, which takes at most 32,766 parameters per statement.</summary>
    public const int SqliteMaxFilterValues = 10_000;

    /// <summary>What keeps a filter's parameters (up to two per term, one per value) under PostgreSQL's 65,535 per statement.</summary>
    public const int MaxFilterParameters = 60_000;

    /// <summary>Page size when a list is asked for without <c>first</c> or <c>last</c>.</summary>
    public int DefaultPageSize { get; set; } = 50;

    /// <summary>The most records one list field returns.</summary>
    public int MaxPageSize { get; set; } = 200;

    /// <summary>
    /// The page size a list field's argument <paramref name="argument"/> asks for: <paramref name="requested"/>,
    /// or <see cref="DefaultPageSize"/> when not given (or <paramref name="whenMissing"/>); refused
    /// with <c>VALIDATION</c> when negative and <c>LIMIT_EXCEEDED</c> above <see cref="MaxPageSize"/>,
    /// worded alike for every list of every module.
    /// </summary>
    public int PageSize(int? requested, string argument = "first", int? whenMissing = null)
    {
        var size = requested ?? whenMissing ?? DefaultPageSize;
        if (size < 0)
        {
            throw GraphQL.ErrorCodes.Error(GraphQL.ErrorCodes.Validation, $"'{argument}' cannot be negative.");
        }

        return size > MaxPageSize
            ? throw GraphQL.ErrorCodes.Error(GraphQL.ErrorCodes.LimitExceeded,
                string.Create(CultureInfo.InvariantCulture, $"'{argument}' {size} exceeds the limit of {MaxPageSize} (Limits:MaxPageSize)."))
            : size;
    }

    /// <summary>The deepest nesting of selections a query may have.</summary>
    public int MaxDepth { get; set; } = 12;

    /// <summary>
    /// The most a query may cost: each field costs 1, and a list's fields count once per record
    /// it may return (its <c>first</c>/<c>last</c>, or the default page size).
    /// </summary>
    public int MaxCost { get; set; } = 50_000;

    /// <summary>
    /// The most lexical tokens (names, punctuation, values; not comments) a document may have,
    /// counted before it is parsed.
    /// </summary>
    public int MaxTokens { get; set; } = 10_000;

    /// <summary>
    /// The most selections (fields, fragment spreads and inline fragments, as written) a document
    /// may have: what GraphQL's field-merging check compares pairwise.
    /// </summary>
    public int MaxSelections { get; set; } = 1_000;

    /// <summary>
    /// The most fragment definitions a document may have: GraphQL's field-merging check compares
    /// fragments pairwise and looks each one up by a scan of the document (cubic in fragments).
    /// </summary>
    public int MaxFragments { get; set; } = 50;

    /// <summary>The most aliased fields a document may have.</summary>
    public int MaxAliases { get; set; } = 100;

    /// <summary>The most directives (<c>@skip</c>, <c>@include</c> ...) a document may have.</summary>
    public int MaxDirectives { get; set; } = 50;

    /// <summary>The most root fields one mutation request may have (each a change of its own).</summary>
    public int MaxMutations { get; set; } = 20;

    /// <summary>
    /// The most conditions one filter (<c>where</c>) may hold: each operator on a field counts
    /// one, and so does each empty filter in an <c>and</c>/<c>or</c> list.
    /// </summary>
    public int MaxFilterTerms { get; set; } = 100;

    /// <summary>The most values the <c>in</c>/<c>nin</c> lists of one filter may hold together (each is a SQL parameter).</summary>
    public int MaxFilterValues { get; set; } = 1_000;

    /// <summary>
    /// The longest <c>search</c> text, and text operand of <c>contains</c>, <c>ncontains</c>,
    /// <c>startsWith</c> and <c>endsWith</c>, in characters (each becomes a LIKE pattern).
    /// </summary>
    public int MaxSearchLength { get; set; } = 1_000;

    /// <summary>
    /// The most records a delete may update to clear their references to the deleted record
    /// (a company's contacts and deals, say); a delete that would touch more is refused before it
    /// starts, as it would hold its locks and a core for too long.
    /// </summary>
    public int MaxDetachedReferences { get; set; } = 1_000;

    /// <summary>Why these limits cannot be used on <paramref name="provider"/>: each names its setting; empty when they can.</summary>
    public IReadOnlyList<string> Problems(DatabaseProvider provider)
    {
        var problems = typeof(QueryLimits).GetProperties()
            .Where(p => p.PropertyType == typeof(int) && (int)p.GetValue(this)! <= 0)
            .Select(p => $"Limits:{p.Name} must be positive.")
            .ToList();
        if (DefaultPageSize > MaxPageSize)
        {
            problems.Add("Limits:DefaultPageSize cannot be larger than Limits:MaxPageSize.");
        }

        if (provider == DatabaseProvider.Sqlite && MaxFilterTerms > SqliteMaxFilterTerms)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Limits:MaxFilterTerms is at most {SqliteMaxFilterTerms} on SQLite, which refuses SQL expressions nested deeper than 1,000."));
        }

        if (provider == DatabaseProvider.Sqlite && MaxFilterValues > SqliteMaxFilterValues)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Limits:MaxFilterValues is at most {SqliteMaxFilterValues} on SQLite, which takes at most 32,766 parameters per statement."));
        }

        if ((2L * MaxFilterTerms) + MaxFilterValues > MaxFilterParameters)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Twice Limits:MaxFilterTerms and Limits:MaxFilterValues together are at most {MaxFilterParameters}: a statement takes at most 65,535 parameters."));
        }

        return problems;
    }
}
