using System.Globalization;
using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Definitions;

/// <summary>
/// Rules and processes whose draft or active version names a department, role or list item keep it:
/// <c>deleteDepartment</c>, <c>deleteRole</c> and <c>removeSelectionListItem</c> are refused while one does
/// (their actions would fail at run time, or ask no one). Archived versions do not count: nothing new starts on them.
/// </summary>
internal sealed class DefinitionDirectoryUses : IDepartmentReferenceHolder, IRoleReferenceHolder, ISelectionListItemReferenceHolder
{
    // Nothing is let go: a use keeps the department, and the delete is refused before it gets here.
    public Task ReleaseDepartmentAsync(IServiceProvider services, long departmentId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<string>> UsesKeepingDepartmentAsync(IServiceProvider services, long departmentId, int limit, CancellationToken cancellationToken) =>
        UsesAsync(services, DirectoryReferences.DepartmentToken(departmentId), limit, cancellationToken);

    public Task<IReadOnlyList<string>> UsesKeepingRoleAsync(IServiceProvider services, long roleId, int limit, CancellationToken cancellationToken) =>
        UsesAsync(services, DirectoryReferences.RoleToken(roleId), limit, cancellationToken);

    /// <summary>The item by each list family that holds the list (a stage of pipeline 3 is <c>DEAL_STAGE</c>'s, whichever type's field uses it).</summary>
    public async Task<IReadOnlyList<string>> UsesKeepingItemAsync(IServiceProvider services, string listId, string itemId, int limit, CancellationToken cancellationToken)
    {
        var families = FamiliesOf(services, listId);
        var uses = new List<string>();
        foreach (var family in families)
        {
            uses.AddRange((await UsesAsync(services, DirectoryReferences.ItemToken(family, itemId), limit - uses.Count, cancellationToken)).Except(uses));
            if (uses.Count >= limit)
            {
                break;
            }
        }

        return uses;
    }

    /// <summary>
    /// The whole list in two statements a family: every draft or active version naming any item of the family
    /// (its references hold <c>|item:FAMILY:</c>), then the items looked up among what they record.
    /// </summary>
    public async Task<string?> FirstNamedItemAsync(IServiceProvider services, string listId, IReadOnlyList<string> itemIds, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        var recorded = new List<(string Family, string References)>();
        foreach (var family in FamiliesOf(services, listId))
        {
            var prefix = DirectoryReferences.ItemToken(family, "")[..^1];
            var versions = db.RuleVersions.AsNoTracking().Where(v => v.State != DefinitionState.Archived && v.References != null && v.References.Contains(prefix)).Select(v => v.References!)
                .Concat(db.ProcessVersions.AsNoTracking().Where(v => v.State != DefinitionState.Archived && v.References != null && v.References.Contains(prefix)).Select(v => v.References!));
            recorded.AddRange((await versions.ToListAsync(cancellationToken)).Select(r => (family, r)));
        }

        return itemIds.FirstOrDefault(item => recorded.Exists(r => r.References.Contains(DirectoryReferences.ItemToken(r.Family, item), StringComparison.Ordinal)));
    }

    private static IEnumerable<string> FamiliesOf(IServiceProvider services, string listId) =>
        services.GetRequiredService<IEntityRegistry>().Types.OfType<ICrmEntityDefinition>()
            .SelectMany(t => t.Fields.Values).Where(f => f.UsesList(listId)).Select(f => f.ListFamily!).Distinct(StringComparer.Ordinal).ToList();

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
