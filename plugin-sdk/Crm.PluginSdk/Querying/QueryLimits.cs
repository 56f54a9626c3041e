namespace Crm.PluginSdk.Querying;

/// <summary>Limits every query is held to; bound from the <c>Limits</c> configuration section.</summary>
public sealed class QueryLimits
{
    /// <summary>Page size when a list is asked for without <c>first</c> or <c>last</c>.</summary>
    public int DefaultPageSize { get; set; } = 50;

    /// <summary>The most records one list field returns.</summary>
    public int MaxPageSize { get; set; } = 200;

    /// <summary>The deepest nesting of selections a query may have.</summary>
    public int MaxDepth { get; set; } = 12;

    /// <summary>
    /// The most a query may cost: each field costs 1, and a list's fields count once per record
    /// it may return (its <c>first</c>/<c>last</c>, or the default page size).
    /// </summary>
    public int MaxCost { get; set; } = 50_000;

    /// <summary>
    /// The most records a delete may update to clear their references to the deleted record
    /// (a company's contacts and deals, say); a delete that would touch more is refused before it
    /// starts, as it would hold its locks and a core for too long.
    /// </summary>
    public int MaxDetachedReferences { get; set; } = 1_000;
}
