namespace Crm.PluginSdk.Security;

/// <summary>
/// A module that keeps role ids in its own tables (an approval asking a role's holders, a rule giving
/// records to them). No reference outlives its role: <c>deleteRole</c> asks every holder, in the
/// delete's transaction, what still names the role, and is refused (<c>IN_USE</c>, naming them) while anything does.
/// </summary>
/// <remarks>
/// Register it in the module's services (<c>services.AddScoped&lt;IRoleReferenceHolder, MyRoleReferences&gt;()</c>);
/// it is resolved from the request's scope, so it may use the module's DbContext, which shares the
/// delete's connection and transaction. A writer of such a reference holds the role as it writes
/// (<see cref="IOrganization.HoldRoleAsync"/>), so that a delete and the write never cross.
/// </remarks>
public interface IRoleReferenceHolder
{
    /// <summary>What names role <paramref name="roleId"/> (about to be deleted), each said for an admin, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<string>> UsesKeepingRoleAsync(IServiceProvider services, long roleId, int limit, CancellationToken cancellationToken);
}
