using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Where a reading of a whole list, one keyset page at a time, stands: what a job keeps in its
/// checkpoint (it serialises as <c>{ "after": "…", "total": 12 }</c>) so that a resumed run goes on
/// from the next page, however the list changed meanwhile.
/// </summary>
/// <param name="After">The list's cursor after the last page read; null before the first.</param>
/// <param name="Total">How many records the list held when the first page counted them; null until then (or when not counted).</param>
public sealed record ListPosition(string? After = null, long? Total = null)
{
    /// <summary>Before the first page.</summary>
    public static ListPosition Start { get; } = new();
}

/// <summary>One page of a list read by <see cref="ListPages.ReadPageAsync"/>.</summary>
/// <param name="Records">The page's records, in the list's order.</param>
/// <param name="Next">Where the next page starts: the position to save once this page's work is done.</param>
/// <param name="HasMore">Whether a page follows.</param>
public sealed record ListPage(IReadOnlyList<object> Records, ListPosition Next, bool HasMore)
{
    /// <summary>The records' ids, in the list's order.</summary>
    public IReadOnlyList<long> Ids => [.. Records.Select(r => ((ICrmRecord)r).Id)];
}

/// <summary>
/// Reads a list (its filter, order and the actor's rights, as <see cref="ICrmEntityDefinition.ListAsync(IServiceProvider, ListArguments, bool, CancellationToken)"/>
/// reads it) one keyset page after another, for work over every record of a list that outlives a
/// scope (an export, a bulk action, a rebuild of derived rows): each page is read in a scope of its
/// own, from the <see cref="ListPosition"/> the last one left.
/// </summary>
public static class ListPages
{
    /// <summary>
    /// The page of at most <paramref name="pageSize"/> records after <paramref name="from"/>; with
    /// <paramref name="countTotal"/>, the first page read (the position has no total yet) also counts
    /// the list, in one more statement, and the position keeps that count.
    /// </summary>
    /// <param name="definition">The record type.</param>
    /// <param name="services">The scope whose actor reads the list.</param>
    /// <param name="arguments">The list's filter, order, search and right; its paging (first, after, last, before) is the page's.</param>
    /// <param name="pageSize">Records per page, 1 to the list's limit (<c>Limits:MaxPageSize</c>, which the list enforces).</param>
    /// <param name="from">Where the last page left off; <see cref="ListPosition.Start"/> for the first.</param>
    /// <param name="countTotal">Whether to count the list with the first page (a job's progress total).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<ListPage> ReadPageAsync(this ICrmEntityDefinition definition, IServiceProvider services, ListArguments arguments, int pageSize,
        ListPosition from, bool countTotal, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var page = arguments with { First = pageSize, After = from.After, Last = null, Before = null };
        var connection = await definition.ListAsync(services, page, withTotalCount: countTotal && from.Total is null, cancellationToken);

        // An empty page has no end cursor: the next read starts where this one did.
        var next = new ListPosition(connection.PageInfo.EndCursor ?? from.After, from.Total ?? connection.TotalCount);
        return new ListPage([.. connection.Edges.Select(e => e.Node)], next, connection.PageInfo.HasNextPage);
    }
}
