using System.Globalization;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Rules;
using Crm.Modules.Automation.Runs;
using Crm.Modules.Automation.Scripts;
using Crm.Modules.Automation.Waits;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Data;
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
    RunWaits waits, WaitOptions waitOptions, RunOptions runOptions)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Runs <paramref name="rule"/> on the record <paramref name="start"/> names; null when it did not run (outside the rule's scope, or this start already ran it on this record).
    /// A run that ends before its actions (skipped, refused) is recorded ended, in one statement; one that acts is recorded PENDING under
    /// this host's lease, moves RUNNING in its first action's transaction, and is finished (see <see cref="RunWrites"/>).
    /// </summary>
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
            Status = RunStatus.Pending,
            RunAsUserId = rule.Version.RunAsUserId,
            StartedAt = clock.GetUtcNow().UtcDateTime,
            RetryOf = start.RetryOf,
            FirstAction = start.FromAction,
            Start = StoredStart.Of(start, clock),
        };
        if (start.Depth > RuleEngine.MaxCascadeDepth)
        {
            return await RecordEndedAsync(run, RunStatus.Failed, $"CASCADE_LIMIT: rules started one another {RuleEngine.MaxCascadeDepth} times in a row; this run would have been the next.", cancellationToken);
        }

        var check = await CheckAsync(rule, identity, start, startedInStage: null, testCondition: !start.ConditionHeld, cancellationToken);
        switch (check.Verdict)
        {
            case Verdict.OutOfScope:
                return null; // a record outside the rule's scope (a deal of another pipeline) is not the rule's: no run
            case Verdict.Refused:
                return await RecordEndedAsync(run, RunStatus.Failed, check.Detail, cancellationToken);
            case Verdict.ConditionFalse:
                run.ConditionResult = false;
                return await RecordEndedAsync(run, RunStatus.Skipped, null, cancellationToken);
        }

        run.ConditionResult = true;
        run.Deadline = run.StartedAt + runOptions.MaxRunDuration;
        var token = Guid.NewGuid();
        if (!await RunWrites.RecordPendingAsync(db, run, token, clock.GetUtcNow().UtcDateTime, runOptions, cancellationToken))
        {
            return null; // this start already ran this rule on this record (or a live host runs it)
        }

        await using var lease = RunLease.Hold(run.Id, token, scopes, runOptions, clock);
        await ContinueAsync(new RunState(rule, identity with { RunId = run.RunId }, start, run, [], check.Record!, WaitPlanner.StageOf(check.Record!), start.ChangesSeen, lease), start.FromAction, resumed: null, cancellationToken);
        return run;
    }

    /// <summary>
    /// Runs a PENDING run the recovery sweep took over under <paramref name="token"/> (its host stopped
    /// before its first action): from its start as kept, its condition tested again on the record as it is now.
    /// </summary>
    public async Task TakeOverAsync(AutomationRun run, Guid token, CancellationToken cancellationToken)
    {
        await using var lease = RunLease.Hold(run.Id, token, scopes, runOptions, clock);
        var version = await db.RuleVersions.AsNoTracking().FirstOrDefaultAsync(v => v.RuleId == run.RuleId && v.Version == run.RuleVersion, cancellationToken);
        run.Deadline = clock.GetUtcNow().UtcDateTime + runOptions.MaxRunDuration;
        if (version is null)
        {
            await FinishAsync(run, lease, RunStatus.Cancelled, "CANCELLED: the rule was deleted before the run started.", [], cancellationToken);
            return;
        }

        var rule = new ActiveRule(version, run.EntityType, RuleDefinition.FromJson(version.Definition));
        var identity = new AutomationRunIdentity(run.RuleId, version.Name, version.Version, run.RunId) { Depth = run.Depth };
        var start = RestartOf(run) with { FromAction = run.FirstAction, RetryOf = run.RetryOf };
        var check = await CheckAsync(rule, identity, start, startedInStage: null, testCondition: true, cancellationToken);
        if (check.Verdict != Verdict.Proceed)
        {
            run.ConditionResult = check.Verdict == Verdict.ConditionFalse ? false : run.ConditionResult;
            var status = check.Verdict switch { Verdict.Refused => RunStatus.Failed, Verdict.ConditionFalse => RunStatus.Skipped, _ => RunStatus.Cancelled };
            await FinishAsync(run, lease, status, check.Verdict == Verdict.Refused ? check.Detail : status == RunStatus.Cancelled ? $"CANCELLED: {check.Detail}." : null, [], cancellationToken);
            return;
        }

        await ContinueAsync(new RunState(rule, identity, start, run, [], check.Record!, WaitPlanner.StageOf(check.Record!), start.ChangesSeen, lease), run.FirstAction, resumed: null, cancellationToken);
    }

    private enum Verdict
    {
        Proceed,
        OutOfScope,
        LeftStage,
        ConditionFalse,
        Refused,
    }

    /// <param name="Record">The record as the run-as user reads it (null when refused).</param>
    /// <param name="Detail">Why the run does not proceed: the refusal (with its code), or what changed.</param>
    private sealed record Check(Verdict Verdict, JsonObject? Record, string? Detail);

    /// <summary>
    /// What a run (or a run resumed after its wait) checks before its actions, in a scope of its own as
    /// its user: the record readable, within the rule's scope, still in the stage it started in (when
    /// <paramref name="startedInStage"/> is given and the rule does not keep its runs when the record
    /// leaves it), the condition holding (unless <paramref name="testCondition"/> is false).
    /// </summary>
    private async Task<Check> CheckAsync(ActiveRule rule, AutomationRunIdentity identity, RunStart start, string? startedInStage, bool testCondition, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var snapshot = await ReadRecordAsync(scope.ServiceProvider, rule, identity, start, cancellationToken);
        if (snapshot.Refused is { } refused)
        {
            return new Check(Verdict.Refused, null, $"{refused.Code}: {refused.Message}");
        }

        var record = snapshot.Record!;
        if (rule.Definition.Scope is { } ruleScope && !ConditionEvaluator.Within(ruleScope, record))
        {
            return new Check(Verdict.OutOfScope, record, "the record left the rule's scope");
        }

        if (startedInStage is not null && !rule.Definition.KeepWhenStageLeft && WaitPlanner.StageOf(record) is var stage && stage != startedInStage)
        {
            return new Check(Verdict.LeftStage, record, $"the record left the stage {startedInStage} it started in (it is at {stage ?? "none"})");
        }

        try
        {
            return !testCondition || TestCondition(rule, start, record, scope.ServiceProvider, cancellationToken)
                ? new Check(Verdict.Proceed, record, null)
                : new Check(Verdict.ConditionFalse, record, "its condition no longer holds");
        }
        catch (ScriptConditionException ex)
        {
            return new Check(Verdict.Refused, record, ScriptInputs.Describe(ex.Error) + (ex.Error.Stack is { } stack ? $"\n{stack}" : ""));
        }
    }

    /// <summary>What a run carries from action to action, and across its waits.</summary>
    private sealed record RunState(ActiveRule Rule, AutomationRunIdentity Identity, RunStart Start, AutomationRun Run, JsonArray Steps, JsonObject Record,
        string? StageId, IReadOnlyDictionary<string, FieldChange>? Changes, RunLease Lease);

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
            if (state.Lease.Lost)
            {
                return; // ended by the recovery sweep, or taken over: this host writes no more of it
            }

            var action = actions[i];
            var now = clock.GetUtcNow();
            if (now.UtcDateTime > state.Run.Deadline)
            {
                await FinishAsync(state.Run, state.Lease, RunStatus.TimedOut,
                    $"TIMED_OUT: the run took longer than Automation:MaxRunDuration ({runOptions.MaxRunDuration.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s); it stopped before action {i.ToString(CultureInfo.InvariantCulture)}.", state.Steps, cancellationToken);
                return;
            }

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

            var attempts = failedBefore + 1;
            if (state.Run.Status == RunStatus.Pending && catalog.FindAction(action.Kind) is { HasExternalEffects: true })
            {
                // No transaction takes a call to the outside back: the run is RUNNING before it, not with it.
                if (!await RunWrites.StartAsync(db, state.Run.Id, state.Lease.Token, now.UtcDateTime, cancellationToken))
                {
                    return;
                }

                state.Run.Status = RunStatus.Running;
            }

            var outcome = await ActAsync(state.Rule, state.Identity, state.Start, action, cancellationToken, progress: Progress(state, action, attempts));
            if (state.Lease.Lost)
            {
                return; // the action's transaction rolled back: the run is no longer this host's
            }

            if (outcome.Outcome.Succeeded)
            {
                state.Run.Status = RunStatus.Running;
            }
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

        await FinishAsync(state.Run, state.Lease, failure is null ? RunStatus.Succeeded : RunStatus.Failed, failure, state.Steps, cancellationToken);
    }

    /// <summary>
    /// Whether the rule's condition holds for <paramref name="record"/> (read by <see cref="ReadRecordAsync"/>
    /// in <paramref name="services"/>, the run's scope), its scripts run with the start's event and the
    /// run-as user's reads; a script's failure is a <see cref="ScriptConditionException"/>.
    /// <paramref name="explain"/> and <paramref name="scripts"/> are told each node's result and each script's outcome (a dry run shows them);
    /// <paramref name="at"/> is the clock the condition reads (a backtest's replayed time; null: the platform's);
    /// <paramref name="changes"/> the changes its event tests see (a resumed run's, kept with its wait; null: the start's event's);
    /// <paramref name="records"/> what its script's <c>crm.get</c>/<c>find</c>/<c>count</c> read (a backtest's records as they were; null: today's).
    /// </summary>
    internal bool TestCondition(ActiveRule rule, RunStart start, JsonObject record, IServiceProvider services, CancellationToken cancellationToken,
        Action<string, bool>? explain = null, Action<ScriptOutcome>? scripts = null, TimeProvider? at = null, IReadOnlyDictionary<string, FieldChange>? changes = null,
        IScriptRecordSource? records = null)
    {
        var now = at ?? clock;
        changes ??= start.ChangesSeen;
        records ??= new RunRecordSource(services, registry);
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
        state.Run.Deadline = null; // a waiting run spends none of its budget
        if (!await waits.WaitAsync(state.Run, state.Lease.Token, actionIndex, failedAttempts, dueAt, state.StageId, state.Changes, cancellationToken))
        {
            state.Lease.MarkLost();
        }
    }

    /// <summary>Refusals (rights, validation) come out the same however often they are tried: only other failures are retried.</summary>
    private static bool Retryable(ActionOutcome outcome) =>
        outcome.Code is not (ErrorCodes.Forbidden or ErrorCodes.NotFound or ErrorCodes.Validation or ErrorCodes.InvalidValue);

    /// <summary>
    /// Goes on with a run whose wait fell due (taken once by <see cref="WaitHandler"/>, which moved the run RUNNING under <paramref name="token"/>), on the version
    /// the run pinned (even when a newer one is active), with its budget again: checks as a start does
    /// (<see cref="CheckAsync"/>: the record read again as the run-as user, the rule's scope, the stage
    /// the run started in, the condition, whose event tests see what the run's start saw) and is
    /// cancelled when one no longer holds.
    /// </summary>
    public async Task ResumeAsync(AutomationWait wait, Guid token, CancellationToken cancellationToken)
    {
        // Running again since its wait was taken, within a budget of its own: a host that stops from here leaves it to the sweep (StalledRuns).
        var run = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == wait.RunId, cancellationToken);
        if (run is null || run.Lease != token)
        {
            return;
        }

        await using var lease = RunLease.Hold(run.Id, token, scopes, runOptions, clock);
        var steps = JsonNode.Parse(run.Steps)!.AsArray();
        var version = await db.RuleVersions.AsNoTracking().FirstOrDefaultAsync(v => v.RuleId == run.RuleId && v.Version == run.RuleVersion, cancellationToken);
        if (version is null)
        {
            await FinishAsync(run, lease, RunStatus.Cancelled, "CANCELLED: the rule was deleted while the run waited.", steps, cancellationToken);
            return;
        }

        var rule = new ActiveRule(version, run.EntityType, RuleDefinition.FromJson(version.Definition));
        var identity = new AutomationRunIdentity(run.RuleId, version.Name, version.Version, run.RunId) { Depth = run.Depth };
        var start = RestartOf(run, wait);
        var check = await CheckAsync(rule, identity, start, wait.StageId, testCondition: true, cancellationToken);
        if (check.Verdict != Verdict.Proceed)
        {
            await FinishAsync(run, lease, check.Verdict == Verdict.Refused ? RunStatus.Failed : RunStatus.Cancelled, check.Verdict == Verdict.Refused ? check.Detail : $"CANCELLED: {check.Detail}.", steps, cancellationToken);
            return;
        }

        await ContinueAsync(new RunState(rule, identity, start, run, steps, check.Record!, wait.StageId, start.ChangesSeen, lease), wait.ActionIndex, wait, cancellationToken);
    }

    /// <summary>A recorded run's start again, as its first start showed it (<see cref="StoredStart"/>; a run recorded before runs kept it: its wait's changes).</summary>
    internal static RunStart RestartOf(AutomationRun run, AutomationWait? wait = null)
    {
        var start = new RunStart(run.EntityType, run.EntityId, run.EventId, run.EventType, run.Depth);
        return StoredStart.Parse(run.Start) is { } stored ? stored.Apply(start) : start with { Changes = wait is null ? null : RunWaits.ChangesOf(wait) };
    }

    /// <summary>
    /// Writes the run RUNNING with its steps so far, this action's included, with the action (in its
    /// transaction, or right after one with external effects), if this host still holds the run: a run
    /// whose host stops later is retried from the action under way, not from one that was done; a run
    /// the sweep ended (or another host took over) has the action rolled back (<see cref="RunWrites.HeldAsync"/>).
    /// </summary>
    private Func<IServiceProvider, ActionOutcome, CancellationToken, Task> Progress(RunState state, RuleAction action, int attempts)
    {
        var started = Stopwatch.GetTimestamp();
        return async (services, done, cancellationToken) =>
        {
            var steps = state.Steps.DeepClone().AsArray();
            steps.Add(Step(action, done, attempts, Stopwatch.GetElapsedTime(started)));
            try
            {
                await RunWrites.HeldAsync(services, state.Run.Id, state.Lease.Token, steps.ToJsonString(), clock.GetUtcNow().UtcDateTime, cancellationToken);
            }
            catch (RunLeaseLostException)
            {
                state.Lease.MarkLost();
                throw;
            }
        };
    }

    /// <summary>Runs one action of the run, once (a retry is a wait of its own); <paramref name="dryRun"/>: its writes rolled back, its effects recorded.</summary>

    internal async Task<(ActionOutcome Outcome, TimeSpan Elapsed)> ActAsync(ActiveRule rule, AutomationRunIdentity identity, RunStart start, RuleAction action, CancellationToken cancellationToken, bool dryRun = false,
        Func<IServiceProvider, ActionOutcome, CancellationToken, Task>? progress = null)
    {
        var started = Stopwatch.GetTimestamp();
        if (catalog.FindAction(action.Kind) is not { } kind)
        {
            return (ActionOutcome.Failed(ErrorCodes.NotFound, $"The action kind '{action.Kind}' is no longer loaded."), TimeSpan.Zero);
        }

        var outcome = await AutomationRunner.RunAsync(scopes,
            new ActionRequest(kind, identity, new AutomationRecord(start.EntityType, start.EntityId), rule.Version.RunAsUserId, action.Params, dryRun) { Event = start.Event, Start = start.Event is null ? start.AsAutomationStart(clock) : null, RecordScope = rule.Definition.RecordScope(), Alongside = progress },
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

    /// <summary>Records a run that ended before its actions (skipped, refused), ended, in one statement; null when this start already ran the rule on the record.</summary>
    private async Task<AutomationRun?> RecordEndedAsync(AutomationRun run, RunStatus status, string? error, CancellationToken cancellationToken)
    {
        run.Status = status;
        run.Error = error is { Length: > 2_000 } ? error[..2_000] : error;
        run.FinishedAt = clock.GetUtcNow().UtcDateTime;
        return await RunWrites.RecordAsync(db, run, cancellationToken) ? run : null;
    }

    /// <summary>Ends the run, if this host still holds it (one conditional statement): a run the sweep ended keeps the end the sweep gave it.</summary>
    private async Task FinishAsync(AutomationRun run, RunLease lease, RunStatus status, string? error, JsonArray steps, CancellationToken cancellationToken)
    {
        run.Status = status;
        run.Error = error is { Length: > 2_000 } ? error[..2_000] : error;
        run.Steps = steps.ToJsonString();
        run.FinishedAt = clock.GetUtcNow().UtcDateTime;
        run.Deadline = null;
        if (!await RunWrites.FinishAsync(db, run, lease.Token, cancellationToken))
        {
            lease.MarkLost();
        }

        run.Lease = null;
        run.Heartbeat = null;
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
