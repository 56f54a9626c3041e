using System.Globalization;
using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Rights;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Permissions.Departments;

public sealed record DepartmentPayload(Department? Department, IReadOnlyList<UserError> Errors);

/// <summary><c>createDepartment</c>, <c>updateDepartment</c> and <c>deleteDepartment</c>; the tree never gets a cycle.</summary>
public sealed class DepartmentEditor(PermissionsDbContext db, CrmDatabaseSession session, ChangeGuard guard, DirectoryReader reader, IServiceProvider services, DirectoryLimits limits)
    : IScopedService
{
    public const string Cycle = "CYCLE";

    public const string InUse = "IN_USE";

    public async Task<DepartmentPayload> CreateAsync(IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (guard.RefuseUnlessCanConfigure("Managing departments") is { } forbidden)
        {
            return new DepartmentPayload(null, [forbidden]);
        }

        var department = new Department();
        var errors = new List<UserError>();
        await ApplyAsync(department, input, isCreate: true, errors, cancellationToken);
        if (errors.Count > 0)
        {
            return new DepartmentPayload(null, errors);
        }

        return await SaveAsync(department, isNew: true, cancellationToken);
    }

    public async Task<DepartmentPayload> UpdateAsync(long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (guard.RefuseUnlessCanConfigure("Managing departments") is { } forbidden)
        {
            return new DepartmentPayload(null, [forbidden]);
        }

        var department = await db.Departments.FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (department is null)
        {
            return new DepartmentPayload(null, [Refusals.NotFound("department", id, "id")]);
        }

        var errors = new List<UserError>();
        await ApplyAsync(department, input, isCreate: false, errors, cancellationToken);
        if (errors.Count > 0)
        {
            db.ChangeTracker.Clear();
            return new DepartmentPayload(null, errors);
        }

        return await SaveAsync(department, isNew: false, cancellationToken);
    }

    /// <summary>
    /// Deletes a department that nobody is in and no department is below (IN_USE otherwise: they are
    /// moved first, so that nobody's rights change by surprise), with the roles given to it, and lets
    /// every module holding it let go of it (<see cref="IDepartmentReferenceHolder"/>), in one transaction.
    /// </summary>
    public async Task<DeletePayload> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        if (guard.RefuseUnlessCanConfigure("Managing departments") is { } forbidden)
        {
            return new DeletePayload(null, [forbidden]);
        }

        var result = await session.InTransactionAsync(async () =>
        {
            // Held as a delete holds it: a write naming it (a member, a department below, a role
            // given to it, a view shared with it) committed before and is counted here, or waits
            // for this transaction and then finds it gone.
            if (!await db.HeldAsync<Department>(id, RowLock.Update, cancellationToken))
            {
                return new DeletePayload(null, [Refusals.NotFound("department", id, "id")]);
            }

            var people = await db.UserDepartments.CountAsync(m => m.DepartmentId == id, cancellationToken);
            var below = await db.Departments.CountAsync(d => d.ParentId == id, cancellationToken);
            if (people > 0 || below > 0)
            {
                return new DeletePayload(null, [UserError.At(InUse,
                    $"The department still has {Count(people, "person", "people")} and {Count(below, "department", "departments")} below it; move them to another department first.", "id")]);
            }

            var holders = services.GetServices<IDepartmentReferenceHolder>().ToList();
            if (await InUseRefusals.RefusalAsync("The department", holders, (h, limit) => h.UsesKeepingDepartmentAsync(services, id, limit, cancellationToken), "id") is { } inUse)
            {
                return new DeletePayload(null, [inUse]);
            }

            foreach (var holder in holders)
            {
                await holder.ReleaseDepartmentAsync(services, id, cancellationToken);
            }

            await db.RoleAssignments.Where(a => a.DepartmentId == id).ExecuteDeleteAsync(cancellationToken);
            await db.Departments.Where(d => d.Id == id).ExecuteDeleteAsync(cancellationToken);
            await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
            return new DeletePayload(id, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        return guard.Committed(result, result.Errors, reader);
    }

    private static string Count(int n, string one, string many) => n == 1 ? $"1 {one}" : $"{n.ToString(CultureInfo.InvariantCulture)} {many}";

    private async Task<DepartmentPayload> SaveAsync(Department department, bool isNew, CancellationToken cancellationToken)
    {
        var result = await session.InTransactionAsync(async () =>
        {
            if (isNew)
            {
                // Counted and added in one turn of the lock: parallel creates stop at the bound exactly.
                await db.LockNameAsync("permissions.departments", cancellationToken);
                if (await db.Departments.CountAsync(cancellationToken) >= limits.MaxDepartments)
                {
                    return new DepartmentPayload(null, [DirectoryLimits.Refusal(limits.MaxDepartments, "departments")]);
                }
            }

            // Deleted meanwhile: not written back.
            if (!isNew && !await db.HeldAsync<Department>(department.Id, RowLock.NoKeyUpdate, cancellationToken))
            {
                return new DepartmentPayload(null, [Refusals.NotFound("department", department.Id, "id")]);
            }

            if (department.ParentId is { } parentId && await db.RefuseUnlessDepartmentsHeldAsync([parentId], cancellationToken, "input", "parentId") is { } gone)
            {
                return new DepartmentPayload(null, [gone]);
            }

            if (!isNew && db.Entry(department).Property(d => d.ParentId).IsModified && await MovedUnderItselfAsync(department, cancellationToken))
            {
                return new DepartmentPayload(null, [MovedUnderItself()]);
            }

            // Moving a department can bring the caller under a department's role.
            var before = await guard.CallerRolesAsync(cancellationToken);
            if (isNew)
            {
                db.Departments.Add(department);
            }

            await db.SaveChangesAsync(cancellationToken);
            await db.BumpVersionAsync(sessionsRevoked: false, cancellationToken);
            return await guard.CallerGainedAsync(before, cancellationToken)
                ? new DepartmentPayload(null, [ChangeGuard.Forbidden("This change would give you a role you do not hold; only an administrator can make it.", "input", "parentId")])
                : new DepartmentPayload(department, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        db.ChangeTracker.Clear();
        return guard.Committed(result, result.Errors, reader);
    }

    /// <summary>
    /// Whether the move puts the department under itself, checked again on the tree as it is in the
    /// transaction, with the tree held (a lock on its name on PostgreSQL, the write transaction on
    /// SQLite): two departments moved under each other at once each passed the check before it, and
    /// would both move, cutting them off from the top in a cycle. Moves take turns; other edits do not wait.
    /// </summary>
    private async Task<bool> MovedUnderItselfAsync(Department department, CancellationToken cancellationToken)
    {
        await db.LockNameAsync("permissions.departments.tree", cancellationToken);
        var tree = await DepartmentTree.ReadAsync(db, cancellationToken);
        return department.ParentId is { } parentId && tree.IsAtOrBelow(parentId, department.Id);
    }

    private static UserError MovedUnderItself() =>
        UserError.At(Cycle, "A department cannot be placed under itself or one of its subdepartments.", "input", "parentId");

    private async Task ApplyAsync(Department department, IReadOnlyDictionary<string, object?> input, bool isCreate, List<UserError> errors, CancellationToken cancellationToken)
    {
        if (InputBinder.Text(input, "name", 255, isCreate, errors) is { } name)
        {
            department.Name = name;
        }

        if (input.TryGetValue("sort", out var sort) && sort is int position)
        {
            department.Sort = position;
        }

        if (input.TryGetValue("headId", out var headValue))
        {
            if (headValue is null)
            {
                department.HeadId = null;
            }
            else if (!RecordIds.TryParse(headValue, out var headId))
            {
                errors.Add(RecordIds.Invalid(headValue, "user", "input", "headId"));
            }
            else if (!await db.Users.AnyAsync(u => u.Id == headId, cancellationToken))
            {
                errors.Add(Refusals.NotFound("user", headId, "input", "headId"));
            }
            else
            {
                department.HeadId = headId;
            }
        }

        if (input.TryGetValue("parentId", out var parentValue))
        {
            if (parentValue is null)
            {
                department.ParentId = null;
            }
            else if (!RecordIds.TryParse(parentValue, out var parentId))
            {
                errors.Add(RecordIds.Invalid(parentValue, "department", "input", "parentId"));
            }
            else
            {
                var tree = await DepartmentTree.ReadAsync(db, cancellationToken);
                if (!tree.Contains(parentId))
                {
                    errors.Add(Refusals.NotFound("department", parentId, "input", "parentId"));
                }
                else if (department.Id != 0 && tree.IsAtOrBelow(parentId, department.Id))
                {
                    errors.Add(MovedUnderItself());
                }
                else
                {
                    department.ParentId = parentId;
                }
            }
        }
    }
}
