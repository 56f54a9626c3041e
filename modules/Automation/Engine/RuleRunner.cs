using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Rules;
using Crm.Modules.Automation.Runs;
using Crm.Modules.Automation.Scripts;
using Crm.Modules.Automation.Waits;
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
/// <see cref="AutomationRunner"/>, each with its timing (a run waits for an action that is not due yet)
/// and its error policy. The run log is its account.
/// </summary>
public sealed class RuleRunner(AutomationDbContext db, AutomationCatalog catalog, IServiceScopeFactory scopes, IEntityRegistry registry, ScriptSandbox sandbox, TimeProvider clock,
    RunWaits waits, WaitOptions waitOptions)
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
        var changes = start.Event?.Data is RecordUpdated updated ? updated.Changes : null;
        JsonObject record;
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

            record = snapshot.Record!;
            try
            {
                run.ConditionResult = start.ConditionHeld || TestCondition(rule, start, record, scope.ServiceProvider, cancellationToken);
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

        await ContinueAsync(new RunState(rule, identity, start, run, [], record, WaitPlanner.StageOf(record), changes), start.FromAction, resumed: null, cancellationToken);
        return run;
    }

    /// <summary>What a run carries from action to action, and across its waits.</summary>
    private sealed record RunState(ActiveRule Rule, AutomationRunIdentity Identity, RunStart Start, AutomationRun Run, JsonArray Steps, JsonObject Record,
        string? StageId, IReadOnlyDictionary<string, FieldChange>? Changes);

    /// <summary>
    /// Runs the actions from <paramref name="from"/> on: an action that is not due yet makes the run
    /// wait there (<see cref="RunWaits"/>); a failed action with the RETRY policy waits its back-off and
    /// is tried again. <paramref name="resumed"/>: the wait the run comes back from, whose action is due.
    /// </summary>
    private async Task ContinueAsync(RunState state, int from, AutomationWait? resumed, CancellationToken cancellationToken)
    {
        var actions = state.Rule.Definition.Actions;
        string? failure = null;
        for (var i = from; i < actions.Count; i++)
        {
            var action = actions[i];
            var now = clock.GetUtcNow();
            var failedBefore = resumed?.ActionIndex == i ? resumed.FailedAttempts : 0;
            if (resumed?.ActionIndex != i)
            {
                var (due, problem) = WaitPlanner.Due(action.Timing, state.Record, now, waitOptions);
                if (problem is not null)
                {
                    var refused = ActionOutcome.Failed(ErrorCodes.InvalidValue, $"The action cannot be timed: {problem}.");
                    state.Steps.Add(Step(action, refused, 0, TimeSpan.Zero));
                    if (action.OnError != ErrorPolicy.Continue)
                    {
                        failure = $"{refused.Code}: {refused.Message}";
                        break;
                    }

                    continue;
                }

                if (due > now)
                {
                    await WaitAsync(state, i, 0, due.Value, cancellationToken);
                    return;
                }
            }

            var outcome = await ActAsync(state.Rule, state.Identity, state.Start, action, cancellationToken);
            var attempts = failedBefore + 1;
            if (!outcome.Outcome.Succeeded && action.OnError == ErrorPolicy.Retry && attempts <= action.Retries && Retryable(outcome.Outcome))
            {
                // Tried again after a back-off, through a wait like any other: no host sleeps on it.
                await WaitAsync(state, i, attempts, now + waitOptions.BackOff(attempts), cancellationToken);
                return;
            }

            state.Steps.Add(Step(action, outcome.Outcome, attempts, outcome.Elapsed));
            if (!outcome.Outcome.Succeeded && action.OnError != ErrorPolicy.Continue)
            {
                failure = $"{outcome.Outcome.Code}: {outcome.Outcome.Message}";
                break;
            }
        }

        await FinishAsync(state.Run, failure is null ? RunStatus.Succeeded : RunStatus.Failed, failure, state.Steps, cancellationToken);
    }

    /// <summary>
    /// Whether the rule's condition holds for <paramref name="record"/> (read by <see cref="ReadRecordAsync"/>
    /// in <paramref name="services"/>, the run's scope), its scripts run with the start's event and the
    /// run-as user's reads; a script's failure is a <see cref="ScriptConditionException"/>.
    /// <paramref name="explain"/> and <paramref name="scripts"/> are told each node's result and each script's outcome (a dry run shows them);
    /// <paramref name="at"/> is the clock the condition reads (a backtest's replayed time; null: the platform's);
    /// <paramref name="changes"/> the changes its event tests see (a resumed run's, kept with its wait; null: the start's event's).
    /// </summary>
    internal bool TestCondition(ActiveRule rule, RunStart start, JsonObject record, IServiceProvider services, CancellationToken cancellationToken,
        Action<string, bool>? explain = null, Action<ScriptOutcome>? scripts = null, TimeProvider? at = null, IReadOnlyDictionary<string, FieldChange>? changes = null)
    {
        var now = at ?? clock;
        changes ??= start.Event?.Data is RecordUpdated updated ? updated.Changes : null;
        var records = new RunRecordSource(services, registry);
        return ConditionEvaluator.Evaluate(rule.Definition.Condition, record, changes, now.GetUtcNow(), source =>
        {
            var outcome = sandbox.Run(new ScriptRun(source) { Event = ScriptInputs.EventOf(start, now), Record = record, Records = records, Clock = now, RandomSeed = at is null ? null : 1 }, cancellationToken);
            scripts?.Invoke(outcome);
            return outcome;
        }, explain);
    }

    private async Task WaitAsync(RunState state, int actionIndex, int failedAttempts, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        state.Run.Steps = state.Steps.ToJsonString();
        await waits.WaitAsync(state.Run, actionIndex, failedAttempts, dueAt, state.StageId, state.Changes, cancellationToken);
        db.Entry(state.Run).State = EntityState.Detached;
    }

    /// <summary>Refusals (rights, validation) come out the same however often they are tried: only other failures are retried.</summary>
    private static bool Retryable(ActionOutcome outcome) =>
        outcome.Code is not (ErrorCodes.Forbidden or ErrorCodes.NotFound or ErrorCodes.Validation or ErrorCodes.InvalidValue);

    /// <summary>
    /// Goes on with a run whose wait fell due (taken once by <see cref="WaitHandler"/>), on the version
    /// the run pinned (even when a newer one is active): reads the record again as the run-as user and
    /// checks again the rule's scope, the stage the run started in (unless the rule keeps its runs when
    /// the record leaves it) and its condition, whose event tests see the starting event's changes.
    /// </summary>
    public async Task ResumeAsync(AutomationWait wait, CancellationToken cancellationToken)
    {
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == wait.RunId, cancellationToken);
        if (run is null || run.Status != RunStatus.Waiting)
        {
            return;
        }

        var version = await db.RuleVersions.AsNoTracking().FirstOrDefaultAsync(v => v.RuleId == run.RuleId && v.Version == run.RuleVersion, cancellationToken);
        if (version is null)
        {
            await FinishAsync(run, RunStatus.Cancelled, "CANCELLED: the rule was deleted while the run waited.", JsonNode.Parse(run.Steps)!.AsArray(), cancellationToken);
            return;
        }

        var rule = new ActiveRule(version, run.EntityType, RuleDefinition.FromJson(version.Definition));
        var identity = new AutomationRunIdentity(run.RuleId, version.Name, version.Version, run.RunId) { Depth = run.Depth };
        var start = new RunStart(run.EntityType, run.EntityId, run.EventId, run.EventType, run.Depth);
        var steps = JsonNode.Parse(run.Steps)!.AsArray();
        var changes = RunWaits.ChangesOf(wait);
        run.Status = RunStatus.Running;
        JsonObject record;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var snapshot = await ReadRecordAsync(scope.ServiceProvider, rule, identity, start, cancellationToken);
            if (snapshot.Refused is { } refused)
            {
                await FinishAsync(run, RunStatus.Failed, $"{refused.Code}: {refused.Message}", steps, cancellationToken);
                return;
            }

            record = snapshot.Record!;
            var stage = WaitPlanner.StageOf(record);
            var cancel = rule.Definition.Scope is { } ruleScope && !ConditionEvaluator.Within(ruleScope, record) ? "the record left the rule's scope"
                : !rule.Definition.KeepWhenStageLeft && wait.StageId is not null && stage != wait.StageId ? $"the record left the stage {wait.StageId} it started in (it is at {stage ?? "none"})"
                : null;
            if (cancel is null)
            {
                try
                {
                    var holds = TestCondition(rule, start, record, scope.ServiceProvider, cancellationToken, changes: changes);
                    cancel = holds ? null : "its condition no longer holds";
                }
                catch (ScriptConditionException ex)
                {
                    await FinishAsync(run, RunStatus.Failed, ScriptInputs.Describe(ex.Error) + (ex.Error.Stack is { } stack ? $"\n{stack}" : ""), steps, cancellationToken);
                    return;
                }
            }

            if (cancel is not null)
            {
                await FinishAsync(run, RunStatus.Cancelled, $"CANCELLED: {cancel}.", steps, cancellationToken);
                return;
            }
        }

        await ContinueAsync(new RunState(rule, identity, start, run, steps, record, wait.StageId, changes), wait.ActionIndex, wait, cancellationToken);
    }

    /// <summary>Runs one action of the run, once (a retry is a wait of its own); <paramref name="dryRun"/>: its writes rolled back, its effects recorded.</summary>
    internal async Task<(ActionOutcome Outcome, TimeSpan Elapsed)> ActAsync(ActiveRule rule, AutomationRunIdentity identity, RunStart start, RuleAction action, CancellationToken cancellationToken, bool dryRun = false)
    {
        var started = Stopwatch.GetTimestamp();
        if (catalog.FindAction(action.Kind) is not { } kind)
        {
            return (ActionOutcome.Failed(ErrorCodes.NotFound, $"The action kind '{action.Kind}' is no longer loaded."), TimeSpan.Zero);
        }

        var outcome = await AutomationRunner.RunAsync(scopes,
            new ActionRequest(kind, identity, new AutomationRecord(start.EntityType, start.EntityId), rule.Version.RunAsUserId, action.Params, dryRun) { Event = start.Event, Start = start.Event is null ? start.AsAutomationStart(clock) : null, RecordScope = rule.Definition.RecordScope() },
            cancellationToken);
        return (outcome, Stopwatch.GetElapsedTime(started));
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
