using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Processes;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Definitions;

/// <summary>
/// The draft and active versions saved before versions recorded the departments, roles and list items they name
/// (<see cref="DefinitionVersion.References"/>) get them, so that those keep their department or role
/// from deletion as a version saved now does. Read from each stored definition by the kinds loaded
/// at this start; archived versions are left as they are (nothing new starts on them).
/// </summary>
public sealed class NamedDirectoryBackfill : IModuleDataMigration
{
    public string Id => "0002-versions-record-the-departments-and-roles-they-name";

    public async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        var rules = await db.Rules.AsNoTracking().ToDictionaryAsync(r => r.Id, r => r.EntityType, cancellationToken);
        foreach (var version in await db.RuleVersions.Where(v => v.State != DefinitionState.Archived && v.References == null).ToListAsync(cancellationToken))
        {
            version.References = DirectoryReferences.OfRule(services, TypeOf(services, rules, version.RuleId), RuleDefinition.FromJson(version.Definition)).Column;
        }

        var processes = await db.Processes.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.EntityType, cancellationToken);
        foreach (var version in await db.ProcessVersions.Where(v => v.State != DefinitionState.Archived && v.References == null).ToListAsync(cancellationToken))
        {
            version.References = DirectoryReferences.OfProcess(services, TypeOf(services, processes, version.ProcessId), ProcessDefinition.FromJson(version.Definition)).Column;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static ICrmEntityDefinition? TypeOf(IServiceProvider services, Dictionary<long, string> typeOf, long id) =>
        typeOf.TryGetValue(id, out var name) ? ParameterValidator.EntityTypeOf(services, name) : null;
}
