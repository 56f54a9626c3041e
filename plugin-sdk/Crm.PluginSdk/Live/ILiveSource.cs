namespace Crm.PluginSdk.Live;

/// <summary>
/// A live source: items a module writes with an increasing cursor (an identity column, say), which
/// the host reads for GraphQL subscriptions (see <see cref="LiveField{TItem}"/>). The host reads a
/// source once per wake-up for all of its subscribers, and checks each item against each
/// subscriber's current rights before it is sent.
/// </summary>
/// <remarks>
/// The cursor must become visible in increasing order: an item may not commit after an item with
/// a higher cursor was readable (else a reader that passed it never sees it). On PostgreSQL, where
/// identities are handed out before commit, write under a lock that orders the writers
/// (<see cref="LiveSignal.LockWritersAsync"/>); SQLite writes one at a time anyway.
/// </remarks>
public interface ILiveSource<TItem> where TItem : class
{
    /// <summary>
    /// The wake-up signal writers raise with <see cref="LiveSignal.RaiseAsync"/>, and the source's
    /// key on a host: lower-case letters, digits, '_' and '.', at most 63 characters, prefixed
    /// with the module's id (<c>sample_plugin.quote_notes</c>).
    /// </summary>
    string Signal { get; }

    /// <summary>The item's cursor: greater than that of every item written before it.</summary>
    long CursorOf(TItem item);

    /// <summary>The cursor of the last item written, 0 when there is none: where a subscription without <c>after</c> starts.</summary>
    Task<long> LastCursorAsync(IServiceProvider services, CancellationToken cancellationToken);

    /// <summary>
    /// At most <paramref name="limit"/> items whose cursor is greater than <paramref name="after"/>,
    /// in cursor order, whoever may see them. Called in a scope of the platform itself.
    /// </summary>
    Task<IReadOnlyList<TItem>> ReadAfterAsync(IServiceProvider services, long after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Those of <paramref name="items"/> that the actor of <paramref name="services"/> (the subscriber,
    /// signed in again with their rights of now) may see, in the order given. One batch per call:
    /// answer it with one statement, not one per item.
    /// </summary>
    Task<IReadOnlyList<TItem>> VisibleAsync(IServiceProvider services, IReadOnlyList<TItem> items, CancellationToken cancellationToken);
}
