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
/// Draft and active versions saved before versions recorded something they name get it recorded
/// (<see cref="DefinitionVersion.References"/>), so that it keeps what they name from deletion as a
/// version saved now does. Read from each stored definition by the kinds and record types loaded at
/// this start; archived versions are left as they are (nothing new starts on them).
/// </summary>
public abstract class DirectoryReferenceBackfill : IModuleDataMigration
{
    public abstract string Id { get; }

    /// <summary>Whether versions that already record their references are read again (what they record has grown since).</summary>
    protected abstract bool RereadsRecorded { get; }

    public async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        var all = RereadsRecorded;
        var rules = await db.Rules.AsNoTracking().ToDictionaryAsync(r => r.Id, r => r.EntityType, cancellationToken);
        foreach (var version in await db.RuleVersions.Where(v => v.State != DefinitionState.Archived && (all || v.References == null)).ToListAsync(cancellationToken))
        {
            version.References = DirectoryReferences.OfRule(services, TypeOf(services, rules, version.RuleId), RuleDefinition.FromJson(version.Definition)).Column;
        }

        var processes = await db.Processes.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.EntityType, cancellationToken);
        foreach (var version in await db.ProcessVersions.Where(v => v.State != DefinitionState.Archived && (all || v.References == null)).ToListAsync(cancellationToken))
        {
            version.References = DirectoryReferences.OfProcess(services, TypeOf(services, processes, version.ProcessId), ProcessDefinition.FromJson(version.Definition)).Column;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static ICrmEntityDefinition? TypeOf(IServiceProvider services, Dictionary<long, string> typeOf, long id) =>
        typeOf.TryGetValue(id, out var name) ? ParameterValidator.EntityTypeOf(services, name) : null;
}

/// <summary>Versions saved before they recorded the departments, roles and list items their parameters name.</summary>
public sealed class NamedDirectoryBackfill : DirectoryReferenceBackfill
{
    public override string Id => "0002-versions-record-the-departments-and-roles-they-name";

    protected override bool RereadsRecorded => false;
}

/// <summary>Versions saved before they recorded the list items their conditions compare fields with (<see cref="ConditionItems"/>).</summary>
public sealed class ConditionItemsBackfill : DirectoryReferenceBackfill
{
    public override string Id => "0003-versions-record-the-list-items-their-conditions-name";

    protected override bool RereadsRecorded => true;
}
