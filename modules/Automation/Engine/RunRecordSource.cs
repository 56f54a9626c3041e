using System.Text.Json.Nodes;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Scripting;

namespace Crm.Modules.Automation.Engine;

/// <summary>
/// A script's <c>crm.get</c>, <c>crm.find</c> and <c>crm.count</c> for a run: the record types' own
/// reads in the run's scope, so the run-as user's rights narrow them exactly as they narrow the
/// user's lists; <c>where</c> is the list filter's shape (<c>{ title: { contains: "x" } }</c>).
/// The sandbox caps the calls, rows and bytes.
/// </summary>
internal sealed class RunRecordSource(IServiceProvider services, IEntityRegistry registry) : IScriptRecordSource
{
    public async Task<JsonObject?> GetAsync(string type, long id, CancellationToken cancellationToken) =>
        Type(type) is { } definition && await definition.GetAsync(services, id, cancellationToken) is { } record
            ? RecordSnapshot.Of(definition, record)
            : null;

    public Task<IReadOnlyList<JsonObject>> FindAsync(string type, JsonObject? where, int limit, CancellationToken cancellationToken) =>
        FindAsync(type, where, null, limit, cancellationToken);

    /// <summary>The records <paramref name="where"/> selects, by <paramref name="orderBy"/> (a field, ascending) then id.</summary>
    public Task<IReadOnlyList<JsonObject>> FindAsync(string type, JsonObject? where, string? orderBy, int limit, CancellationToken cancellationToken) =>
        FindAsync(type, FilterJson.ToWhere(where), orderBy, limit, cancellationToken);

    /// <summary>As above, with the filter's values already of their fields' types (a <see cref="DateOnly"/> for a date).</summary>
    public async Task<IReadOnlyList<JsonObject>> FindAsync(string type, IReadOnlyDictionary<string, object?>? where, string? orderBy, int limit, CancellationToken cancellationToken)
    {
        if (Type(type) is not { } definition || limit < 1)
        {
            return [];
        }

        // The direction as the list's GraphQL order arrives: the enum (the text "ASC" is not one of its names).
        IReadOnlyList<IReadOnlyDictionary<string, object?>> order = orderBy is null
            ? [new Dictionary<string, object?> { ["id"] = SortDirection.Ascending }]
            : [new Dictionary<string, object?> { [orderBy] = SortDirection.Ascending }, new Dictionary<string, object?> { ["id"] = SortDirection.Ascending }];
        // In pages no larger than a list's own (Limits:MaxPageSize), on its cursor.
        var found = new List<JsonObject>();
        var pageSize = Math.Min(PageSize, (services.GetService(typeof(QueryLimits)) as QueryLimits)?.MaxPageSize ?? PageSize);
        string? after = null;
        while (found.Count < limit)
        {
            var page = await definition.ListAsync(services, new ListArguments(where, order, Math.Min(pageSize, limit - found.Count), after, null, null), false, cancellationToken);
            found.AddRange(page.Edges.Select(e => RecordSnapshot.Of(definition, e.Node)));
            if (!page.PageInfo.HasNextPage || page.PageInfo.EndCursor is not { } next)
            {
                break;
            }

            after = next;
        }

        return found;
    }

    private const int PageSize = 100;

    public async Task<long> CountAsync(string type, JsonObject? where, CancellationToken cancellationToken) =>
        Type(type) is { } definition
            ? (await definition.ListAsync(services, new ListArguments(FilterJson.ToWhere(where), null, 1, null, null, null), true, cancellationToken)).TotalCount ?? 0
            : 0;

    private ICrmEntityDefinition? Type(string name) => registry.Find(name.ToLowerInvariant()) as ICrmEntityDefinition;
}
