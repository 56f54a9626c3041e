namespace Crm.PluginSdk.Security;

/// <summary>
/// A module that keeps department ids in its own tables (a view shared with a department, a
/// setting naming one). No reference outlives its department: when an administrator deletes one
/// (<c>deleteDepartment</c>), every holder is asked, in the delete's transaction, first what it cannot
/// let go of (<see cref="UsesKeepingDepartmentAsync"/>: the delete is refused, <c>IN_USE</c>, naming
/// them), then to let go of the rest.
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

    /// <summary>
    /// What names department <paramref name="departmentId"/> and cannot simply let go of it (a rule that
    /// gives records to its people: dropping the department would change what the rule does), each said
    /// for an admin (<c>automation rule 4 'Leads to sales'</c>), at most <paramref name="limit"/>; none by default.
    /// Asked in the delete's transaction, with the department's row held, before <see cref="ReleaseDepartmentAsync"/>.
    /// A writer of such a reference holds the department as it writes (<see cref="IOrganization.HoldDepartmentAsync"/>).
    /// </summary>
    Task<IReadOnlyList<string>> UsesKeepingDepartmentAsync(IServiceProvider services, long departmentId, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);
}
