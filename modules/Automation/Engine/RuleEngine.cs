using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Rules;
using Crm.Modules.Automation.Runs;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.Modules.Automation.Scripts;
using Crm.PluginSdk.Scripting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Engine;

/// <summary>
/// Starts the active rules that published events start. For a batch of events, one statement reads
/// the active versions of the rules of the batch's record types; for each event and rule whose
/// event-driven trigger matches (<see cref="IAutomationTriggerKind.Matches"/>), <see cref="RuleRunner"/>
/// runs it (once per rule, event and record: a redelivered event runs nothing twice).
/// A rule's own changes do not start it again unless it allows it, and a cascade of rules starting
/// one another stops at <see cref="MaxCascadeDepth"/> (the run that would go deeper fails, logged).
/// Rules with delayed actions cannot be activated yet (<see cref="RuleStore"/>): every action runs at once.
/// </summary>
[EventHandler("rules")]
public sealed class RuleEngine(AutomationDbContext db, AutomationCatalog catalog, IServiceScopeFactory scopes, RuleRunner runner)
    : IEventBatchHandler<CrmEvent>
{
    /// <summary>How many rules may start one another in a row: a change by a run of depth 3 starts no rule.</summary>
    public const int MaxCascadeDepth = 3;

    public async Task HandleAsync(IReadOnlyList<DomainEvent<CrmEvent>> events, CancellationToken cancellationToken)
    {
        var types = events.Select(e => e.EntityType).Distinct().ToList();
        var active = await (from rule in db.Rules.AsNoTracking()
                            join version in db.RuleVersions.AsNoTracking() on new { RuleId = rule.Id, Version = rule.ActiveVersion!.Value } equals new { version.RuleId, version.Version }
                            where types.Contains(rule.EntityType) && rule.ActiveVersion != null
                            orderby rule.Id
                            select new { rule.EntityType, Version = version })
            .ToListAsync(cancellationToken);
        if (active.Count == 0)
        {
            return;
        }

        var rules = active.Select(a => new ActiveRule(a.Version, a.EntityType, RuleDefinition.FromJson(a.Version.Definition))).ToLookup(r => r.EntityType);
        var triggers = new Dictionary<long, AutomationParameters?>();
        foreach (var domainEvent in events)
        {
            foreach (var rule in rules[domainEvent.EntityType])
            {
                if (catalog.FindTrigger(rule.Definition.Trigger.Kind) is not { Firing: TriggerFiring.Event } trigger || !trigger.EventTypes.Contains(domainEvent.Type))
                {
                    continue;
                }

                var parameters = triggers.TryGetValue(rule.Version.Id, out var known) ? known : triggers[rule.Version.Id] = await TriggerParametersAsync(trigger, rule, cancellationToken);
                if (parameters is null || !trigger.Matches(domainEvent, rule.EntityType, parameters))
                {
                    continue;
                }

                var cause = AutomationChannel.TryParse(domainEvent.Origin.Via, out var byRule, out _, out var depth) ? (Rule: byRule, Depth: depth) : (Rule: 0L, Depth: 0);
                if (cause.Rule == rule.Version.RuleId && !rule.Definition.AllowSelfTrigger)
                {
                    continue;
                }

                await runner.RunAsync(rule, RunStart.Of(domainEvent, cause.Depth + 1), cancellationToken);
            }
        }
    }

    /// <summary>The trigger's parameters as the rule saved them, checked again (a field may be gone); null when they no longer hold.</summary>
    private async Task<AutomationParameters?> TriggerParametersAsync(IAutomationTriggerKind trigger, ActiveRule rule, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        if (ParameterValidator.EntityTypeOf(scope.ServiceProvider, rule.EntityType) is not { } recordType)
        {
            return null;
        }

        return await ParameterValidator.ValidateAsync(scope.ServiceProvider, trigger, recordType, rule.Definition.RecordScope(), rule.Definition.Trigger.Params, ["trigger", "params"], [], cancellationToken);
    }
}
