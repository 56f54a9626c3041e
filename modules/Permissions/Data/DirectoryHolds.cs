using Crm.Modules.Permissions.Departments;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Data;

/// <summary>
/// Directory rows (roles, users, departments, groups) a write checks and depends on, locked and then
/// read inside its transaction: a concurrent delete either finished before (they are found gone) or
/// waits for the write (and then finds what it wrote).
/// </summary>
public static class DirectoryHolds
{
    /// <summary>Locks the rows of <typeparamref name="TEntity"/> with these ids (inside a transaction) and returns the first that no longer exists, or null.</summary>
    public static async Task<long?> FirstGoneAsync<TEntity>(this PermissionsDbContext db, IReadOnlyCollection<long> ids, RowLock mode, CancellationToken cancellationToken)
        where TEntity : class
    {
        if (ids.Count == 0)
        {
            return null;
        }

        await db.LockAsync<TEntity>(ids, mode, cancellationToken);
        var wanted = ids.Distinct().ToList();
        var existing = await db.Set<TEntity>().AsNoTracking().Select(e => EF.Property<long>(e, "Id")).Where(id => wanted.Contains(id)).ToListAsync(cancellationToken);
        return wanted.Where(id => !existing.Contains(id)).Select(id => (long?)id).FirstOrDefault();
    }

    /// <summary>Locks one row (inside a transaction) and says whether it still exists.</summary>
    public static async Task<bool> HeldAsync<TEntity>(this PermissionsDbContext db, long id, RowLock mode, CancellationToken cancellationToken)
        where TEntity : class =>
        await db.FirstGoneAsync<TEntity>([id], mode, cancellationToken) is null;

    /// <summary>Departments a write is about to name (a user's, a department's parent), held until its transaction ends; the first gone is refused at <paramref name="path"/>.</summary>
    public static async Task<UserError?> RefuseUnlessDepartmentsHeldAsync(this PermissionsDbContext db, IReadOnlyCollection<long> departmentIds, CancellationToken cancellationToken, params string[] path) =>
        await db.FirstGoneAsync<Department>(departmentIds, RowLock.KeyShare, cancellationToken) is { } gone
            ? Refusals.NotFound("department", gone, path)
            : null;
}
