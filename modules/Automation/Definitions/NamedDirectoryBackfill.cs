using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Processes;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Definitions;

/// <summary>
/// The draft and active versions saved before versions recorded the departments and roles they name
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
        var catalog = services.GetRequiredService<AutomationCatalog>();
        foreach (var version in await db.RuleVersions.Where(v => v.State != DefinitionState.Archived && v.References == null).ToListAsync(cancellationToken))
        {
            version.References = DirectoryReferences.OfRule(catalog, RuleDefinition.FromJson(version.Definition)).Column;
        }

        foreach (var version in await db.ProcessVersions.Where(v => v.State != DefinitionState.Archived && v.References == null).ToListAsync(cancellationToken))
        {
            version.References = DirectoryReferences.OfProcess(catalog, ProcessDefinition.FromJson(version.Definition)).Column;
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
