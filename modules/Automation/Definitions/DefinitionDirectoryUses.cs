using System.Globalization;
using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Definitions;

/// <summary>
/// Rules and processes whose draft or active version names a department or role keep it:
/// <c>deleteDepartment</c> and <c>deleteRole</c> are refused while one does (their actions would fail
/// at run time, or ask no one). Archived versions do not count: nothing new starts on them.
/// </summary>
internal sealed class DefinitionDirectoryUses : IDepartmentReferenceHolder, IRoleReferenceHolder
{
    // Nothing is let go: a use keeps the department, and the delete is refused before it gets here.
    public Task ReleaseDepartmentAsync(IServiceProvider services, long departmentId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<string>> UsesKeepingDepartmentAsync(IServiceProvider services, long departmentId, int limit, CancellationToken cancellationToken) =>
        UsesAsync(services, DirectoryReferences.Token(DirectoryEntry.Department, departmentId), limit, cancellationToken);

    public Task<IReadOnlyList<string>> UsesKeepingRoleAsync(IServiceProvider services, long roleId, int limit, CancellationToken cancellationToken) =>
        UsesAsync(services, DirectoryReferences.Token(DirectoryEntry.Role, roleId), limit, cancellationToken);

    private static async Task<IReadOnlyList<string>> UsesAsync(IServiceProvider services, string token, int limit, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        var rules = await db.RuleVersions.AsNoTracking()
            .Where(v => v.State != DefinitionState.Archived && v.References != null && v.References.Contains(token))
            .Select(v => new { Id = v.RuleId, v.Name }).Distinct().OrderBy(v => v.Id).Take(limit)
            .ToListAsync(cancellationToken);
        var processes = rules.Count >= limit ? [] : await db.ProcessVersions.AsNoTracking()
            .Where(v => v.State != DefinitionState.Archived && v.References != null && v.References.Contains(token))
            .Select(v => new { Id = v.ProcessId, v.Name }).Distinct().OrderBy(v => v.Id).Take(limit - rules.Count)
            .ToListAsync(cancellationToken);
        return
        [
            .. rules.DistinctBy(r => r.Id).Select(r => Named("automation rule", r.Id, r.Name)),
            .. processes.DistinctBy(p => p.Id).Select(p => Named("business process", p.Id, p.Name)),
        ];
    }

    private static string Named(string what, long id, string name) => string.Create(CultureInfo.InvariantCulture, $"{what} {id} '{name}'");
}
