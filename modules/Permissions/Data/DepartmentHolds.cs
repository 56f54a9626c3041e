using Crm.Modules.Permissions.Departments;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Data;

/// <summary>
/// Departments a write is about to name (a user's, a department's parent), held until its
/// transaction ends: a deleteDepartment either finished before (they are found gone) or waits for
/// the write (and then refuses, the department being in use).
/// </summary>
public static class DepartmentHolds
{
    /// <summary>Locks the departments (inside a transaction) and refuses those that no longer exist, at <paramref name="path"/>.</summary>
    public static async Task<UserError?> RefuseUnlessHeldAsync(this PermissionsDbContext db, IReadOnlyCollection<long> departmentIds, CancellationToken cancellationToken, params string[] path)
    {
        if (departmentIds.Count == 0)
        {
            return null;
        }

        await db.LockAsync<Department>(departmentIds, RowLock.KeyShare, cancellationToken);
        var wanted = departmentIds.Distinct().ToList();
        var existing = await db.Departments.AsNoTracking().Where(d => wanted.Contains(d.Id)).Select(d => d.Id).ToListAsync(cancellationToken);
        return wanted.FirstOrDefault(id => !existing.Contains(id)) is var missing and not 0
            ? Refusals.NotFound("department", missing, path)
            : null;
    }
}
