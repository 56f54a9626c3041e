using Crm.PluginSdk.Entities;

namespace Crm.PluginSdk.Views;

/// <summary>
/// Saved views as lists and jobs use them: a view's id resolved, for the current actor, into what it
/// saved (filter, order, columns, page size), ready to combine with a caller's own arguments
/// (<see cref="ResolvedView.ApplyTo"/>). Every record type's list takes <c>viewId:</c> through it; an
/// export or a bulk action resolves its <c>viewId</c> the same way. The Views module implements it;
/// without that module there are no views (resolve it with <c>GetService</c>).
/// </summary>
public interface ISavedViews
{
    /// <summary>
    /// The view (or saved filter) <paramref name="viewId"/> of <paramref name="entityType"/>, as the
    /// current actor may use it. Conditions, sort keys and columns naming fields that no longer exist
    /// (a deleted custom field) are left out, each said in <see cref="ResolvedView.Warnings"/>.
    /// Throws an <c>ExecutionError</c> with code <c>VIEW_NOT_FOUND</c> when no such view of that type
    /// exists or the actor may not see it (the two are not told apart).
    /// </summary>
    Task<ResolvedView> ResolveAsync(string entityType, long viewId, CancellationToken cancellationToken);
}

/// <summary>A saved view as one actor uses it now.</summary>
/// <param name="Id">The view's id.</param>
/// <param name="EntityType">The record type it lists.</param>
/// <param name="Name">Its name.</param>
/// <param name="Where">The view's filter in the list's <c>where</c> grammar (as the list's GraphQL input arrives); null for none.</param>
/// <param name="Order">The view's order in the list's <c>order</c> grammar; null for none.</param>
/// <param name="Columns">The columns to show, in order; empty for a saved filter.</param>
/// <param name="PageSize">The page size; null for the list's default.</param>
/// <param name="Warnings">What was left out and why (a deleted field's condition), for people.</param>
public sealed record ResolvedView(
    long Id,
    string EntityType,
    string Name,
    IReadOnlyDictionary<string, object?>? Where,
    IReadOnlyList<IReadOnlyDictionary<string, object?>>? Order,
    IReadOnlyList<ViewColumn> Columns,
    int? PageSize,
    IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// A list's arguments with this view applied: its filter AND-ed with the one given, its order when
    /// none is given, its page size when neither <c>first</c> nor <c>last</c> is.
    /// </summary>
    public ListArguments ApplyTo(ListArguments arguments) => arguments with
    {
        Where = CombinedWhere(arguments.Where),
        Order = arguments.Order is { Count: > 0 } ? arguments.Order : Order,
        First = arguments.First is null && arguments.Last is null ? PageSize : arguments.First,
    };

    /// <summary>
    /// The view's filter AND-ed with <paramref name="where"/> given as JSON, as JSON: what a job that
    /// takes <c>viewId</c> (an export, a bulk action) stores with its parameters when it starts.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject? CombinedWhereJson(System.Text.Json.Nodes.JsonObject? where) =>
        CombinedWhere(Querying.FilterJson.ToWhere(where)) is { } combined ? (System.Text.Json.Nodes.JsonObject?)System.Text.Json.JsonSerializer.SerializeToNode(combined) : null;

    /// <summary>The view's filter AND-ed with <paramref name="where"/>.</summary>
    public IReadOnlyDictionary<string, object?>? CombinedWhere(IReadOnlyDictionary<string, object?>? where) =>
        (Where is { Count: > 0 }, where is { Count: > 0 }) switch
        {
            (false, _) => where,
            (true, false) => Where,
            _ => new Dictionary<string, object?>(StringComparer.Ordinal) { ["and"] = new List<object?> { Where, where } },
        };
}

/// <summary>A column of a view: a field (built-in or custom) and its width in pixels (null: the front end's choice).</summary>
public sealed record ViewColumn(string Field, int? Width);
