namespace Crm.PluginSdk.Security;

/// <summary>
/// A module that keeps department ids in its own tables (a view shared with a department, a
/// setting naming one). No reference outlives its department: when an administrator deletes one
/// (<c>deleteDepartment</c>), every holder is asked, in the delete's transaction, to let go of it.
/// </summary>
/// <remarks>
/// Register the implementation in the module's services
/// (<c>services.AddScoped&lt;IDepartmentReferenceHolder, MyDepartmentReferences&gt;()</c>); it is
/// resolved from the request's scope, so it may use the module's DbContext, which shares the
/// delete's connection and transaction. Letting go must never widen what anyone can see: a thing
/// shared with the department becomes its owner's alone, not everyone's.
/// </remarks>
public interface IDepartmentReferenceHolder
{
    /// <summary>Clears every reference to department <paramref name="departmentId"/> (about to be deleted), saving in the current transaction.</summary>
    Task ReleaseDepartmentAsync(IServiceProvider services, long departmentId, CancellationToken cancellationToken);
}
