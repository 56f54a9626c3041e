using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Rights;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Permissions.Departments;

public sealed record DepartmentPayload(Department? Department, IReadOnlyList<UserError> Errors);

/// <summary><c>createDepartment</c> and <c>updateDepartment</c>; the tree never gets a cycle.</summary>
public sealed class DepartmentEditor(PermissionsDbContext db, CrmDatabaseSession session, ChangeGuard guard, DirectoryReader reader) : IScopedService
{
    public const string Cycle = "CYCLE";

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

    private async Task<DepartmentPayload> SaveAsync(Department department, bool isNew, CancellationToken cancellationToken)
    {
        var result = await session.InTransactionAsync(async () =>
        {
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
        if (result.Errors.Count == 0)
        {
            reader.Forget();
            guard.Published();
        }

        return result;
    }

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
                var tree = new Rights.DepartmentTree(await db.Departments.AsNoTracking().Select(d => new KeyValuePair<long, long?>(d.Id, d.ParentId)).ToListAsync(cancellationToken));
                if (!tree.Contains(parentId))
                {
                    errors.Add(Refusals.NotFound("department", parentId, "input", "parentId"));
                }
                else if (department.Id != 0 && tree.IsAtOrBelow(parentId, department.Id))
                {
                    errors.Add(UserError.At(Cycle, "A department cannot be placed under itself or one of its subdepartments.", "input", "parentId"));
                }
                else
                {
                    department.ParentId = parentId;
                }
            }
        }
    }
}
