namespace Crm.PluginSdk.Entities;

/// <summary>
/// A module that keeps references to records as <c>(entityType, entityId)</c> pairs in its own
/// tables (an activity's bindings and communications, a record's comments) and can move them from
/// one record to another: when records are merged, what named a removed record names the kept one,
/// in the merge's transaction. A module that implements only <see cref="IRecordReferenceHolder"/>
/// has its references cleared by the removed record's delete instead.
/// </summary>
/// <remarks>
/// A separate interface rather than a member of <see cref="IRecordReferenceHolder"/>: a new member
/// would break every partner's holder (it no longer compiles, and an assembly built before fails
/// to load), and a default implementation that did nothing would lose their references silently
/// in a merge. Register it in the module's services (<c>services.AddScoped&lt;IRecordReferenceMover, MyMover&gt;()</c>);
/// it is resolved from the merge's scope, so it may use the module's DbContext (it shares the
/// merge's connection and transaction). Moving runs with every right (it is the platform's doing)
/// and should write each change as a change of the record that held the reference, locking it first.
/// </remarks>
public interface IRecordReferenceMover
{
    /// <summary>How many of the module's records name record <paramref name="fromId"/> of <paramref name="entityType"/>; counting may stop at <paramref name="max"/> + 1.</summary>
    Task<int> CountReferencesAsync(IServiceProvider services, string entityType, long fromId, int max, CancellationToken cancellationToken);

    /// <summary>Makes every reference to record <paramref name="fromId"/> name <paramref name="toId"/> (of the same type) instead, saving in the current transaction.</summary>
    Task MoveReferencesAsync(IServiceProvider services, string entityType, long fromId, long toId, CancellationToken cancellationToken);
}
