using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Rules;
using Crm.Modules.Automation.Runs;
using Crm.Modules.Automation.Scripts;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Scripting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Engine;

/// <summary>
/// Runs one active rule's version on one record, whatever started it (<see cref="RunStart"/>):
/// records the run (once per rule, start and record), reads the record as the rule's run-as user,
/// tests the condition (<see cref="ConditionEvaluator"/>), and runs the actions in order through
/// <see cref="AutomationRunner"/>, each with its error policy. The run log is its account.
/// </summary>
public sealed class RuleRunner(AutomationDbContext db, AutomationCatalog catalog, IServiceScopeFactory scopes, IEntityRegistry registry, ScriptSandbox sandbox, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Runs <paramref name="rule"/> on the record <paramref name="start"/> names; null when it did not run (outside the rule's scope, or this start already ran it on this record).</summary>
    public async Task<AutomationRun?> RunAsync(ActiveRule rule, RunStart start, CancellationToken cancellationToken)
    {
        var identity = new AutomationRunIdentity(rule.Version.RuleId, rule.Version.Name, rule.Version.Version, Guid.NewGuid()) { Depth = start.Depth };
        var run = new AutomationRun
        {
            RunId = identity.RunId,
            RuleId = rule.Version.RuleId,
            RuleVersion = rule.Version.Version,
            EntityType = start.EntityType,
            EntityId = start.EntityId,
            EventId = start.StartId,
            EventType = start.StartType,
            Depth = start.Depth,
            Status = RunStatus.Running,
            RunAsUserId = rule.Version.RunAsUserId,
            StartedAt = clock.GetUtcNow().UtcDateTime,
            RetryOf = start.RetryOf,
            FirstAction = start.FromAction,
        };
        // The run's own scope, as its user: the record its condition tests, and what a condition's script reads.
        await using (var scope = scopes.CreateAsyncScope())
        {
            var snapshot = start.Depth > RuleEngine.MaxCascadeDepth ? new RecordRead(null, null) : await ReadRecordAsync(scope.ServiceProvider, rule, identity, start, cancellationToken);
            // A record outside the rule's scope (a deal of another pipeline) is not the rule's: no run.
            if (snapshot.Record is { } read && rule.Definition.Scope is { } ruleScope && !ConditionEvaluator.Within(ruleScope, read))
            {
                return null;
            }

            if (!await RecordAsync(run, cancellationToken))
            {
                return null; // this start already ran this rule on this record
            }

            if (start.Depth > RuleEngine.MaxCascadeDepth)
            {
                await FinishAsync(run, RunStatus.Failed, $"CASCADE_LIMIT: rules started one another {RuleEngine.MaxCascadeDepth} times in a row; this run would have been the next.", [], cancellationToken);
                return run;
            }

            if (snapshot.Refused is { } refused)
            {
                await FinishAsync(run, RunStatus.Failed, $"{refused.Code}: {refused.Message}", [], cancellationToken);
                return run;
            }

            try
            {
                run.ConditionResult = start.ConditionHeld || TestCondition(rule, start, snapshot.Record!, scope.ServiceProvider, cancellationToken);
            }
            catch (ScriptConditionException ex)
            {
                await FinishAsync(run, RunStatus.Failed, ScriptInputs.Describe(ex.Error) + (ex.Error.Stack is { } stack ? $"\n{stack}" : ""), [], cancellationToken);
                return run;
            }
        }

        if (run.ConditionResult != true)
        {
            await FinishAsync(run, RunStatus.Skipped, null, [], cancellationToken);
            return run;
        }

        var steps = new JsonArray();
        string? failure = null;
        foreach (var action in rule.Definition.Actions.Skip(start.FromAction))
        {
            var outcome = await ActAsync(rule, identity, start, action, cancellationToken);
            steps.Add(Step(action, outcome.Outcome, outcome.Attempts, outcome.Elapsed));
            if (!outcome.Outcome.Succeeded && action.OnError != ErrorPolicy.Continue)
            {
                failure = $"{outcome.Outcome.Code}: {outcome.Outcome.Message}";
                break;
            }
        }

        await FinishAsync(run, failure is null ? RunStatus.Succeeded : RunStatus.Failed, failure, steps, cancellationToken);
        return run;
    }

    /// <summary>
    /// Whether the rule's condition holds for <paramref name="record"/> (read by <see cref="ReadRecordAsync"/>
    /// in <paramref name="services"/>, the run's scope), its scripts run with the start's event and the
    /// run-as user's reads; a script's failure is a <see cref="ScriptConditionException"/>.
    /// <paramref name="explain"/> and <paramref name="scripts"/> are told each node's result and each script's outcome (a dry run shows them);
    /// <paramref name="at"/> is the clock the condition reads (a backtest's replayed time; null: the platform's).
    /// </summary>
    internal bool TestCondition(ActiveRule rule, RunStart start, JsonObject record, IServiceProvider services, CancellationToken cancellationToken,
        Action<string, bool>? explain = null, Action<ScriptOutcome>? scripts = null, TimeProvider? at = null)
    {
        var now = at ?? clock;
        var changes = start.Event?.Data is RecordUpdated updated ? updated.Changes : null;
        var records = new RunRecordSource(services, registry);
        return ConditionEvaluator.Evaluate(rule.Definition.Condition, record, changes, now.GetUtcNow(), source =>
        {
            var outcome = sandbox.Run(new ScriptRun(source) { Event = ScriptInputs.EventOf(start, now), Record = record, Records = records, Clock = now, RandomSeed = at is null ? null : 1 }, cancellationToken);
            scripts?.Invoke(outcome);
            return outcome;
        }, explain);
    }

    /// <summary>Runs one action of the run (retried as its error policy says); <paramref name="dryRun"/>: its writes rolled back, its effects recorded.</summary>
    internal async Task<(ActionOutcome Outcome, int Attempts, TimeSpan Elapsed)> ActAsync(ActiveRule rule, AutomationRunIdentity identity, RunStart start, RuleAction action, CancellationToken cancellationToken, bool dryRun = false)
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
                new ActionRequest(kind, identity, new AutomationRecord(start.EntityType, start.EntityId), rule.Version.RunAsUserId, action.Params, dryRun) { Event = start.Event, Start = start.Event is null ? start.AsAutomationStart(clock) : null, RecordScope = rule.Definition.RecordScope() },
                cancellationToken);
        }
        // Refusals (rights, validation) come out the same however often they are tried: only other failures are retried.
        while (!outcome.Succeeded && action.OnError == ErrorPolicy.Retry && attempts <= action.Retries && outcome.Code is not (ErrorCodes.Forbidden or ErrorCodes.NotFound or ErrorCodes.Validation or ErrorCodes.InvalidValue));

        return (outcome, attempts, Stopwatch.GetElapsedTime(started));
    }

    internal sealed record RecordRead(JsonObject? Record, UserError? Refused);

    /// <summary>The record as the run-as user reads it now (in <paramref name="services"/>, made theirs here); a deleted record is its id alone.</summary>
    internal async Task<RecordRead> ReadRecordAsync(IServiceProvider services, ActiveRule rule, AutomationRunIdentity identity, RunStart start, CancellationToken cancellationToken)
    {
        if (await AutomationRunner.ActAsAsync(services, rule.Version.RunAsUserId, identity, cancellationToken) is { } refused)
        {
            return new RecordRead(null, refused);
        }

        if (start.Event?.Data is RecordDeleted)
        {
            return new RecordRead(new JsonObject { ["id"] = start.EntityId }, null);
        }

        if (registry.Find(start.EntityType) is not ICrmEntityDefinition type)
        {
            return new RecordRead(null, new UserError(ErrorCodes.NotFound, $"No record type '{start.EntityType}' is loaded.", []));
        }

        var record = await type.GetAsync(services, start.EntityId, cancellationToken);
        return record is null
            ? new RecordRead(null, new UserError(ErrorCodes.Forbidden, $"The run-as user cannot read {type.Name} {start.EntityId} (or it is gone).", []))
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
