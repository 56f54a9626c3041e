namespace Crm.PluginSdk.Entities;

/// <summary>
/// A module that keeps references to records of any type as <c>(entityType, entityId)</c> pairs
/// in its own tables, outside what the SDK declares and cleans itself (reference fields,
/// relation links, bindings): an activity's communications, a mail's recipients. No reference
/// outlives its record: when a record is deleted, the SDK's reference cleaning asks every
/// holder, in the delete's transaction, first how many of its records name it (all holders'
/// and the SDK's own together are bounded by <c>Limits:MaxDetachedReferences</c>: beyond it the
/// delete is refused with LIMIT_EXCEEDED before anything changes), then to clear them.
/// </summary>
/// <remarks>
/// Register the implementation in the module's services
/// (<c>services.AddScoped&lt;IRecordReferenceHolder, MyReferences&gt;()</c>); it is resolved
/// from the request's scope, so it may use the module's DbContext, which shares the delete's
/// connection and transaction. Clearing runs with every right (it is the platform's doing) and
/// should write each change as a change of the record that held the reference
/// (<see cref="Data.ModuleDbContext.RecordChange"/>), locking those records first.
/// </remarks>
public interface IRecordReferenceHolder
{
    /// <summary>How many of the module's records hold a reference to record <paramref name="targetId"/> of type <paramref name="targetType"/>; counting may stop at <paramref name="max"/> + 1.</summary>
    Task<int> CountHoldersAsync(IServiceProvider services, string targetType, long targetId, int max, CancellationToken cancellationToken);

    /// <summary>Clears every reference to that record (the record is about to be deleted), saving in the current transaction.</summary>
    Task ClearReferencesAsync(IServiceProvider services, string targetType, long targetId, CancellationToken cancellationToken);
}
