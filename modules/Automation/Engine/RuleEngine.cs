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
/// Runs the active rules that published events start. For a batch of events, one statement reads
/// the active versions of the rules of the batch's record types; for each event and rule whose
/// event-driven trigger matches (<see cref="IAutomationTriggerKind.Matches"/>), a run is recorded
/// (once per rule, event and record: a redelivered event runs nothing twice), the record is read
/// as the rule's run-as user, the condition tested (<see cref="ConditionEvaluator"/>), and the
/// actions run in order through <see cref="AutomationRunner"/>, each with its error policy.
/// A rule's own changes do not start it again unless it allows it, and a cascade of rules starting
/// one another stops at <see cref="MaxCascadeDepth"/> (the run that would go deeper fails, logged).
/// Rules with delayed actions cannot be activated yet (<see cref="RuleStore"/>): every action runs at once.
/// </summary>
[EventHandler("rules")]
public sealed class RuleEngine(AutomationDbContext db, AutomationCatalog catalog, IServiceScopeFactory scopes, IEntityRegistry registry, ScriptSandbox sandbox, TimeProvider clock)
    : IEventBatchHandler<CrmEvent>
{
    /// <summary>How many rules may start one another in a row: a change by a run of depth 3 starts no rule.</summary>
    public const int MaxCascadeDepth = 3;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record ActiveRule(AutomationRuleVersion Version, string EntityType, RuleDefinition Definition);

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

                await RunAsync(rule, domainEvent, cause.Depth + 1, cancellationToken);
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

    private async Task RunAsync(ActiveRule rule, DomainEvent<CrmEvent> domainEvent, int depth, CancellationToken cancellationToken)
    {
        var identity = new AutomationRunIdentity(rule.Version.RuleId, rule.Version.Name, rule.Version.Version, Guid.NewGuid()) { Depth = depth };
        var run = new AutomationRun
        {
            RunId = identity.RunId,
            RuleId = rule.Version.RuleId,
            RuleVersion = rule.Version.Version,
            EntityType = domainEvent.EntityType,
            EntityId = domainEvent.EntityId,
            EventId = domainEvent.Id,
            EventType = domainEvent.Type,
            Depth = depth,
            Status = RunStatus.Running,
            RunAsUserId = rule.Version.RunAsUserId,
            StartedAt = clock.GetUtcNow().UtcDateTime,
        };
        // The run's own scope, as its user: the record its condition tests, and what a condition's script reads.
        await using (var scope = scopes.CreateAsyncScope())
        {
            var snapshot = depth > MaxCascadeDepth ? new RecordRead(null, null) : await ReadRecordAsync(scope.ServiceProvider, rule, identity, domainEvent, cancellationToken);
            // A record outside the rule's scope (a deal of another pipeline) is not the rule's: no run.
            if (snapshot.Record is { } read && rule.Definition.Scope is { } ruleScope && !ConditionEvaluator.Within(ruleScope, read))
            {
                return;
            }

            if (!await RecordAsync(run, cancellationToken))
            {
                return; // this event already ran this rule on this record
            }

            if (depth > MaxCascadeDepth)
            {
                await FinishAsync(run, RunStatus.Failed, $"CASCADE_LIMIT: rules started one another {MaxCascadeDepth} times in a row; this run would have been the next.", [], cancellationToken);
                return;
            }

            if (snapshot.Refused is { } refused)
            {
                await FinishAsync(run, RunStatus.Failed, $"{refused.Code}: {refused.Message}", [], cancellationToken);
                return;
            }

            var changes = domainEvent.Data is RecordUpdated updated ? updated.Changes : null;
            var records = new RunRecordSource(scope.ServiceProvider, registry);
            try
            {
                run.ConditionResult = ConditionEvaluator.Evaluate(rule.Definition.Condition, snapshot.Record!, changes, clock.GetUtcNow(),
                    source => sandbox.Run(new ScriptRun(source) { Event = ScriptInputs.EventOf(domainEvent), Record = snapshot.Record, Records = records, Clock = clock }, cancellationToken));
            }
            catch (ScriptConditionException ex)
            {
                await FinishAsync(run, RunStatus.Failed, ScriptInputs.Describe(ex.Error) + (ex.Error.Stack is { } stack ? $"\n{stack}" : ""), [], cancellationToken);
                return;
            }
        }

        if (run.ConditionResult != true)
        {
            await FinishAsync(run, RunStatus.Skipped, null, [], cancellationToken);
            return;
        }

        var steps = new JsonArray();
        string? failure = null;
        foreach (var action in rule.Definition.Actions)
        {
            var outcome = await ActAsync(rule, identity, domainEvent, action, cancellationToken);
            steps.Add(Step(action, outcome.Outcome, outcome.Attempts, outcome.Elapsed));
            if (!outcome.Outcome.Succeeded && action.OnError != ErrorPolicy.Continue)
            {
                failure = $"{outcome.Outcome.Code}: {outcome.Outcome.Message}";
                break;
            }
        }

        await FinishAsync(run, failure is null ? RunStatus.Succeeded : RunStatus.Failed, failure, steps, cancellationToken);
    }

    private async Task<(ActionOutcome Outcome, int Attempts, TimeSpan Elapsed)> ActAsync(ActiveRule rule, AutomationRunIdentity identity, DomainEvent<CrmEvent> domainEvent, RuleAction action, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (catalog.FindAction(action.Kind) is not { } kind)
        {
            return (ActionOutcome.Failed(ErrorCodes.NotFound, $"The action kind '{action.Kind}' is no longer loaded."), 0, TimeSpan.Zero);
        }

        var attempts = 0;
        ActionOutcome outcome;
        do
        {
            attempts++;
            outcome = await AutomationRunner.RunAsync(scopes,
                new ActionRequest(kind, identity, new AutomationRecord(domainEvent.EntityType, domainEvent.EntityId), rule.Version.RunAsUserId, action.Params, DryRun: false) { Event = domainEvent, RecordScope = rule.Definition.RecordScope() },
                cancellationToken);
        }
        // Refusals (rights, validation) come out the same however often they are tried: only other failures are retried.
        while (!outcome.Succeeded && action.OnError == ErrorPolicy.Retry && attempts <= action.Retries && outcome.Code is not (ErrorCodes.Forbidden or ErrorCodes.NotFound or ErrorCodes.Validation or ErrorCodes.InvalidValue));

        return (outcome, attempts, Stopwatch.GetElapsedTime(started));
    }

    private sealed record RecordRead(JsonObject? Record, UserError? Refused);

    /// <summary>The record as the run-as user reads it now (in <paramref name="services"/>, made theirs here); a deleted record is its id alone.</summary>
    private async Task<RecordRead> ReadRecordAsync(IServiceProvider services, ActiveRule rule, AutomationRunIdentity identity, DomainEvent<CrmEvent> domainEvent, CancellationToken cancellationToken)
    {
        if (await AutomationRunner.ActAsAsync(services, rule.Version.RunAsUserId, identity, cancellationToken) is { } refused)
        {
            return new RecordRead(null, refused);
        }

        if (domainEvent.Data is RecordDeleted)
        {
            return new RecordRead(new JsonObject { ["id"] = domainEvent.EntityId }, null);
        }

        if (registry.Find(domainEvent.EntityType) is not ICrmEntityDefinition type)
        {
            return new RecordRead(null, new UserError(ErrorCodes.NotFound, $"No record type '{domainEvent.EntityType}' is loaded.", []));
        }

        var record = await type.GetAsync(services, domainEvent.EntityId, cancellationToken);
        return record is null
            ? new RecordRead(null, new UserError(ErrorCodes.Forbidden, $"The run-as user cannot read {type.Name} {domainEvent.EntityId} (or it is gone).", []))
            : new RecordRead(RecordSnapshot.Of(type, record), null);
    }

    /// <summary>Adds the run's row; false when the rule already ran for this event and record.</summary>
    private async Task<bool> RecordAsync(AutomationRun run, CancellationToken cancellationToken)
    {
        if (await db.Runs.AnyAsync(r => r.RuleId == run.RuleId && r.EventId == run.EventId && r.EntityId == run.EntityId, cancellationToken))
        {
            return false;
        }

        db.Runs.Add(run);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another host delivering the same event got there first (the unique index says so).
            db.Entry(run).State = EntityState.Detached;
            return false;
        }
    }

    private async Task FinishAsync(AutomationRun run, RunStatus status, string? error, JsonArray steps, CancellationToken cancellationToken)
    {
        run.Status = status;
        run.Error = error is { Length: > 2_000 } ? error[..2_000] : error;
        run.Steps = steps.ToJsonString();
        run.FinishedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        // A finished run is not looked at again: untracked, so a batch's later saves do not compare it.
        db.Entry(run).State = EntityState.Detached;
    }

    private static JsonObject Step(RuleAction action, ActionOutcome outcome, int attempts, TimeSpan elapsed) => new()
    {
        ["kind"] = action.Kind,
        ["status"] = outcome.Succeeded ? "SUCCEEDED" : "FAILED",
        ["code"] = outcome.Code,
        ["message"] = outcome.Message,
        ["output"] = outcome.Output?.DeepClone(),
        ["sideEffects"] = JsonSerializer.SerializeToNode(outcome.SideEffects, Json),
        ["attempts"] = attempts,
        ["milliseconds"] = Math.Round(elapsed.TotalMilliseconds, 1),
    };
}
