namespace Crm.PluginSdk.Timeline;

/// <summary>
/// Something the signed-in user has to do (an activity to hold, later a task to finish), as the
/// feed shows it above the stream when asked (<c>feed(planned:)</c>). The item is a record of a
/// registered type (<paramref name="EntityType"/>, <paramref name="Id"/>): a client reads the rest
/// of it through <c>record</c>.
/// </summary>
/// <param name="Kind">What sort of item, for a client to pick its icon: the record type's name or a finer kind ("activity").</param>
/// <param name="EntityType">The registry name of the item's record type ("activity").</param>
/// <param name="Id">The item's record id.</param>
/// <param name="Title">What the user sees ("Call ACME about the renewal").</param>
/// <param name="Due">When it is due (UTC), or null for an item with no deadline (listed last).</param>
public sealed record PlannedItem(string Kind, string EntityType, long Id, string Title, DateTime? Due);

/// <summary>
/// A module's or plugin's planned items for the signed-in user: the feed asks every such class
/// and merges their answers, overdue first, then by due time (none last). A module's class
/// implementing it (public, with a public constructor without parameters) is found by convention,
/// as <see cref="Activities.IActivityTypeDeclarations"/> is, and lives as long as the process.
/// </summary>
public interface IPlannedItems
{
    /// <summary>
    /// At most <paramref name="max"/> of the current actor's planned items (their own to do, not
    /// done), only those the actor may read now, earliest due first (none last). One or two
    /// statements, whatever <paramref name="max"/> (at most <c>Limits:MaxPageSize</c>). Nothing for
    /// an actor who is not a user (the platform, an API key of no user). An exception loses this
    /// module's items for the request (logged), not the feed.
    /// </summary>
    Task<IReadOnlyList<PlannedItem>> PlannedForMeAsync(IServiceProvider requestServices, int max, CancellationToken cancellationToken);
}
