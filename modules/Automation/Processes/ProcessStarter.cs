using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// Starts the active processes that records' creations and changes start (<see cref="StartMode"/>,
/// with the start condition tested on the record as the process's run-as user reads it), once per
/// process, event and record; and re-tests the condition waits of instances on the changed records.
/// A process's own changes do not start it again. One statement reads the batch's active processes,
/// one the instances waiting on its records.
/// </summary>
[EventHandler("processes")]
public sealed class ProcessStarter(AutomationDbContext db, IServiceProvider services, StepReader reader) : IEventBatchHandler<CrmEvent>
{
    public async Task HandleAsync(IReadOnlyList<DomainEvent<CrmEvent>> events, CancellationToken cancellationToken)
    {
        var records = events.Where(e => e.Data is RecordCreated or RecordUpdated).ToList();
        if (records.Count == 0)
        {
            return;
        }

        var types = records.Select(e => e.EntityType).Distinct().ToList();
        var active = await (from process in db.Processes.AsNoTracking()
                            join version in db.ProcessVersions.AsNoTracking() on new { ProcessId = process.Id, Version = process.ActiveVersion!.Value } equals new { version.ProcessId, version.Version }
                            where types.Contains(process.EntityType) && process.ActiveVersion != null
                            orderby process.Id
                            select new { Process = process, Version = version })
            .ToListAsync(cancellationToken);
        var starting = active.Select(a => (a.Process, a.Version, Definition: ProcessDefinition.FromJson(a.Version.Definition)))
            .Where(a => a.Definition.Start != StartMode.Manual)
            .ToLookup(a => a.Process.EntityType);
        var instances = new ProcessInstances(services);
        foreach (var domainEvent in records)
        {
            var mode = domainEvent.Data is RecordCreated ? StartMode.OnCreate : StartMode.OnUpdate;
            var changes = domainEvent.Data is RecordUpdated updated ? updated.Changes : null;
            AutomationChannel.TryParseProcess(domainEvent.Origin.Via, out var byProcess);
            foreach (var (process, version, definition) in starting[domainEvent.EntityType].Where(p => p.Definition.Start == mode && p.Process.Id != byProcess))
            {
                if (definition.StartCondition is { } condition)
                {
                    var probe = new ProcessInstance { EntityType = domainEvent.EntityType, EntityId = domainEvent.EntityId, RunAsUserId = version.RunAsUserId, RunId = Guid.NewGuid(), ProcessId = process.Id, ProcessVersion = version.Version };
                    var record = await reader.ReadAsync(probe, new AutomationRunIdentity(process.Id, version.Name, version.Version, probe.RunId) { IsProcess = true }, cancellationToken);
                    if (record.Record is null || reader.Holds(condition, record.Record, changes) is not { Result: true, Error: null })
                    {
                        continue;
                    }
                }

                await instances.StartVersionAsync(process, version.Version, domainEvent.EntityId, "EVENT", domainEvent.Id, null, cancellationToken);
            }
        }

        await RecheckConditionWaitsAsync(records, instances, cancellationToken);
    }

    /// <summary>The condition waits of instances on the changed records, tested again; those that hold move on.</summary>
    private async Task RecheckConditionWaitsAsync(List<DomainEvent<CrmEvent>> records, ProcessInstances instances, CancellationToken cancellationToken)
    {
        var changed = records.Where(e => e.Data is RecordUpdated).Select(e => e.EntityId).Distinct().ToList();
        if (changed.Count == 0)
        {
            return;
        }

        var types = records.Select(e => e.EntityType).Distinct().ToList();
        var waiting = await db.ProcessInstances.AsNoTracking()
            .Where(i => i.AwaitsRecordChange && i.Status == InstanceStatus.Waiting && types.Contains(i.EntityType) && changed.Contains(i.EntityId))
            .ToListAsync(cancellationToken);
        foreach (var instance in waiting.Where(i => records.Any(e => e.EntityType == i.EntityType && e.EntityId == i.EntityId)))
        {
            var version = await db.ProcessVersions.AsNoTracking().FirstAsync(v => v.ProcessId == instance.ProcessId && v.Version == instance.ProcessVersion, cancellationToken);
            var definition = ProcessDefinition.FromJson(version.Definition);
            var record = await reader.ReadAsync(instance, new AutomationRunIdentity(instance.ProcessId, version.Name, instance.ProcessVersion, instance.RunId) { IsProcess = true, Depth = instance.Depth }, cancellationToken);
            if (record.Record is null)
            {
                continue;
            }

            var met = InstanceState.FromJson(instance.State).Tokens
                .Where(t => t.Wait?.Kind == "condition" && reader.Holds(definition.Step(t.At).Params["condition"] as System.Text.Json.Nodes.JsonObject, record.Record) is { Result: true })
                .Select(t => t.Id).ToHashSet();
            if (met.Count > 0)
            {
                await instances.ResumeAsync(instance.Id, t => met.Contains(t.Id), "condition", null, cancellationToken);
            }
        }
    }

}
