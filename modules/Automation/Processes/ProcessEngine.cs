using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// Advances a process instance step by step until every branch waits (a signal, a condition, an
/// approval, a sub-process) or the instance ends. Each step is one transaction: an action's effect
/// and the instance's advance past it commit together (<see cref="ActionRequest.Alongside"/>), except
/// for kinds with external effects (a script, a webhook), taken at most once (ProcessEngine.OutsideSteps.cs).
/// The position is read from the database before every step, so an instance survives restarts
/// and a host that finds it running (or resumes it) takes it on from where it is.
/// </summary>
public sealed partial class ProcessEngine(IServiceProvider services, AutomationDbContext db, CrmDatabaseSession session, AutomationCatalog catalog, IServiceScopeFactory scopes, StepReader reader, Crm.PluginSdk.Scheduling.IWorkScheduler scheduler, TimeProvider clock)
{
    /// <summary>The action kind a script step runs (the sandbox and the requests it makes, as in a rule).</summary>
    public const string ScriptKind = "platform.script";

    /// <summary>Steps one call takes before it lets go (an instance keeps its position; the next resume goes on).</summary>
    private const int MaxStepsPerCall = 500;

    private readonly Dictionary<(long, int), ProcessDefinition> _definitions = [];

    /// <summary>The instances whose lease this engine's calls hold (a nested call for one of them leaves it to the outer).</summary>
    private readonly HashSet<long> _held = [];

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<ProcessDefinition> DefinitionAsync(long processId, int version, CancellationToken cancellationToken)
    {
        if (!_definitions.TryGetValue((processId, version), out var definition))
        {
            var row = await db.ProcessVersions.AsNoTracking().FirstAsync(v => v.ProcessId == processId && v.Version == version, cancellationToken);
            _definitions[(processId, version)] = definition = ProcessDefinition.FromJson(row.Definition);
        }

        return definition;
    }

    /// <summary>Takes the instance's ready steps until none is left (or the call's share is used up), unless another live host is at it.</summary>
    public Task AdvanceAsync(long instanceId, CancellationToken cancellationToken) => AdvanceAsync(instanceId, recovering: false, cancellationToken);

    /// <summary>
    /// Takes the instance's lease (<see cref="InstanceLeases"/>) and, while holding it, its ready steps until
    /// none is left or the call's share is used up; when <paramref name="recovering"/> (the recovery sweep,
    /// which took it from a host that is gone), it first fails the outside steps that host was inside.
    /// False when a live host holds the instance: that host takes the ready steps, and looks again before
    /// it lets go, so a branch made ready meanwhile is not left to no one.
    /// </summary>
    public async Task<bool> AdvanceAsync(long instanceId, bool recovering, CancellationToken cancellationToken)
    {
        if (!_held.Add(instanceId))
        {
            return false; // re-entered (a sub-process ended within its parent's advance): the outer call's loop takes the step
        }

        try
        {
            var options = services.GetRequiredService<RunOptions>();
            var lease = Guid.NewGuid();
            if (!await InstanceLeases.TakeAsync(db, instanceId, lease, Now, Now - options.StalledRunGrace, cancellationToken))
            {
                return false;
            }

            await using var heartbeat = InstanceLeases.Renew(instanceId, lease, scopes, options, clock);
            if (recovering)
            {
                await FailInterruptedAsync(instanceId, cancellationToken);
            }

            await AdvanceHeldAsync(instanceId, lease, cancellationToken);
            return true;
        }
        finally
        {
            _held.Remove(instanceId);
        }
    }

    private async Task AdvanceHeldAsync(long instanceId, Guid lease, CancellationToken cancellationToken)
    {
        var released = false;
        try
        {
            for (var i = 0; i < MaxStepsPerCall; i++)
            {
                var instance = await db.ProcessInstances.AsNoTracking().FirstOrDefaultAsync(x => x.Id == instanceId, cancellationToken);
                if (instance is null || instance.Lease != lease)
                {
                    // Gone, or taken from this host (its heartbeat missed a grace): the taker goes on.
                    released = true;
                    return;
                }

                var state = InstanceState.FromJson(instance.State);
                // A branch whose outside step is under way (or was cut off) is not ready: its step is taken at most once.
                if (instance.Status != InstanceStatus.Running || state.Tokens.FirstOrDefault(t => t.Wait is null && t.StartedAt is null) is not { } token)
                {
                    // Let go only if nothing moved the instance since this read; else look again.
                    released = await InstanceLeases.ReleaseAsync(db, instanceId, lease, instance.Revision, Now, cancellationToken);
                    if (released)
                    {
                        return;
                    }

                    continue;
                }

                var definition = await DefinitionAsync(instance.ProcessId, instance.ProcessVersion, cancellationToken);
                var step = definition.Step(token.At);
                var history = new ProcessStepRun { Token = token.Id, StepId = step.Id, Kind = step.Kind, Status = "SUCCEEDED" };
                if (instance.StepsTaken >= ProcessLimits.MaxStepsPerInstance)
                {
                    await ApplyAsync(instance, new Transition(state, history with { Status = "FAILED" }) { Failure = $"STEP_LIMIT: an instance takes at most {ProcessLimits.MaxStepsPerInstance} steps." }, cancellationToken);
                    continue;
                }

                var advanced = step.Kind is StepKinds.Action or StepKinds.Script
                    ? await ActAsync(instance, definition, state, token, step, history, cancellationToken)
                    : await ApplyAsync(instance, await TakeAsync(instance, definition, state, token, step, history, cancellationToken), cancellationToken);
                if (advanced?.ChildToAdvance is { } child)
                {
                    await AdvanceAsync(child, cancellationToken);
                }

                if (advanced?.ParentToAdvance is { } parent)
                {
                    await AdvanceAsync(parent, cancellationToken);
                }
            }
        }
        finally
        {
            if (!released)
            {
                await LetGoAsync(instanceId, lease);
            }
        }
    }

    /// <summary>After the call's share, a failure or a cancellation: the lease is let go whatever the instance's revision (the next resume, or the sweep, goes on).</summary>
    private async Task LetGoAsync(long instanceId, Guid lease)
    {
        try
        {
            await InstanceLeases.ReleaseAsync(db, instanceId, lease, revision: null, Now, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Unreachable database: its heartbeat stops, and the sweep takes the instance on after a grace.
        }
    }

    private sealed record Advanced(long? ChildToAdvance, long? ParentToAdvance);

    private async Task<Advanced?> ApplyAsync(ProcessInstance instance, Transition transition, CancellationToken cancellationToken)
    {
        long? child = null;
        var written = await session.InTransactionAsync(async () =>
        {
            var wrapped = transition.Before is { } before
                ? transition with { Before = async (d, t) => { var s = await before(d, t); child = s.Tokens.Select(x => x.Wait?.ChildInstanceId).FirstOrDefault(c => c is not null); return s; } }
                : transition;
            return await InstanceWriter.ApplyAsync(db, instance, wrapped, Now, cancellationToken);
        }, row => row is not null, cancellationToken);
        if (written is null)
        {
            return null;
        }

        // Scheduled after the commit (the scheduler is not in the transaction): a wait begun by this step.
        var was = InstanceState.FromJson(instance.State);
        var before = was.Tokens.Select(t => t.Wait?.Timer).ToHashSet();
        foreach (var wait in InstanceState.FromJson(written.State).Tokens.Select(t => t.Wait).Where(w => w?.Timer is { } key && !before.Contains(key)))
        {
            await ProcessTimers.ScheduleAsync(scheduler, instance.Id, wait!, cancellationToken);
        }

        // Told after the commit too (a call may come at once): a webhook wait begun by this step that says whom to tell.
        await NotifyNewWaitsAsync(was, written);

        return new Advanced(child, Finished(written) ? written.ParentInstanceId : null);
    }

    private static bool Finished(ProcessInstance row) => row.Status is InstanceStatus.Completed or InstanceStatus.Failed;

    /// <summary>An action or script step: the action through <see cref="AutomationRunner"/> as the run-as user, the advance in its transaction.</summary>
    private async Task<Advanced?> ActAsync(ProcessInstance instance, ProcessDefinition definition, InstanceState state, InstanceToken token, ProcessStep step, ProcessStepRun history, CancellationToken cancellationToken)
    {
        var (kindName, parameters) = step.Kind == StepKinds.Script ? (ScriptKind, step.Params) : (step.Params["kind"]!.GetValue<string>(), step.Params["params"] as JsonObject);
        var next = definition.Out(step.Id).First(e => e.When is null).To;
        var moved = state.Replace(token.Id, token with { At = next });
        var identity = Identity(instance);
        if (catalog.FindAction(kindName) is not { } kind)
        {
            return await FailedActionAsync(instance, definition, state, token, step, history, ActionOutcome.Failed(ErrorCodes.NotFound, $"The action kind '{kindName}' is no longer loaded."), cancellationToken);
        }

        var request = new ActionRequest(kind, identity, new AutomationRecord(instance.EntityType, instance.EntityId), instance.RunAsUserId, parameters, DryRun: false);
        if (kind.HasExternalEffects)
        {
            return await ActOnceAsync(instance, definition, state, token, step, history, request, cancellationToken);
        }

        ProcessInstance? written = null;
        var outcome = await AutomationRunner.RunAsync(scopes,
            request with
            {
                Alongside = async (services, done, token2) =>
                {
                    var target = services.GetRequiredService<AutomationDbContext>();
                    written = await InstanceWriter.ApplyAsync(target, instance, new Transition(moved, history with { Output = Output(done) }), Now, token2)
                        ?? throw new DbUpdateConcurrencyException($"Process instance {instance.Id} was advanced by another host: this step is rolled back.");
                },
            },
            cancellationToken);
        if (outcome.Succeeded)
        {
            return written is null ? null : new Advanced(null, Finished(written) ? written.ParentInstanceId : null);
        }

        // Another host advanced the instance (the step rolled back): nothing to record, the next read shows where it is.
        var current = await db.ProcessInstances.AsNoTracking().Where(x => x.Id == instance.Id).Select(x => x.Revision).FirstAsync(cancellationToken);
        return current != instance.Revision ? null : await FailedActionAsync(instance, definition, state, token, step, history, outcome, cancellationToken);
    }

    private Task<Advanced?> FailedActionAsync(ProcessInstance instance, ProcessDefinition definition, InstanceState state, InstanceToken token, ProcessStep step, ProcessStepRun history, ActionOutcome outcome, CancellationToken cancellationToken) =>
        ApplyAsync(instance, Failed(definition, state, token, step, history, outcome), cancellationToken);

    /// <summary>A failed action's transition: along its <c>error</c> edge when it has one; else the instance fails at the step.</summary>
    private static Transition Failed(ProcessDefinition definition, InstanceState state, InstanceToken token, ProcessStep step, ProcessStepRun history, ActionOutcome outcome)
    {
        var failed = history with { Status = "FAILED", Output = Output(outcome), Error = $"{outcome.Code}: {outcome.Message}" };
        return definition.Out(step.Id).FirstOrDefault(e => e.When == "error") is { } onError
            ? new Transition(state.Replace(token.Id, token with { At = onError.To, StartedAt = null }), failed with { Outcome = "error" })
            : new Transition(state.Replace(token.Id, token with { StartedAt = null }), failed) { Failure = $"Step '{step.Id}' failed: {failed.Error}" };
    }

    /// <summary>What a step other than an action does to the instance.</summary>
    private async Task<Transition> TakeAsync(ProcessInstance instance, ProcessDefinition definition, InstanceState state, InstanceToken token, ProcessStep step, ProcessStepRun history, CancellationToken cancellationToken)
    {
        Transition Take(string? label, ProcessStepRun? run = null)
        {
            var edge = definition.Out(step.Id).FirstOrDefault(e => e.When == label) ?? definition.Out(step.Id).First(e => e.When == "default");
            return new Transition(state.Replace(token.Id, token with { At = edge.To }), (run ?? history) with { Outcome = edge.When });
        }

        switch (step.Kind)
        {
            case StepKinds.Start:
                return Take(null);
            case StepKinds.End:
                return new Transition(state.Replace(token.Id), history);
            case StepKinds.Split:
                var next = state.NextToken;
                var branches = definition.Out(step.Id).Select(e => new InstanceToken(next++, e.To, null)).ToArray();
                return new Transition(state.Replace(token.Id, branches) with { NextToken = next }, history);
            case StepKinds.Join:
                var arrived = state.Joins.GetValueOrDefault(step.Id) + 1;
                var expected = definition.Edges.Count(e => e.To == step.Id);
                var joins = new Dictionary<string, int>(state.Joins) { [step.Id] = arrived == expected ? 0 : arrived };
                return arrived == expected
                    ? Take(null) with { State = state.Replace(token.Id, token with { At = definition.Out(step.Id).First().To }) with { Joins = joins } }
                    : new Transition(state.Replace(token.Id) with { Joins = joins }, history with { Status = "WAITING" });
            case StepKinds.Loop:
                var passes = state.Loops.GetValueOrDefault(step.Id);
                var again = passes < step.Params["max"]!.GetValue<int>();
                var loops = new Dictionary<string, int>(state.Loops) { [step.Id] = again ? passes + 1 : 0 };
                var taken = Take(again ? "body" : "done");
                return taken with { State = taken.State with { Loops = loops } };
        }

        // The rest read the record as the run-as user.
        var record = step.Kind is StepKinds.If or StepKinds.Switch or StepKinds.Wait || ApproverResolver.NeedsRecord(step) ? await reader.ReadAsync(instance, Identity(instance), cancellationToken) : null;
        if (record is { Refused: { } refused })
        {
            return new Transition(state, history with { Status = "FAILED", Error = $"{refused.Code}: {refused.Message}" }) { Failure = $"{refused.Code}: {refused.Message}" };
        }

        switch (step.Kind)
        {
            case StepKinds.If:
                var holds = reader.Holds(step.Params["condition"] as JsonObject, record!.Record!);
                return holds.Error is { } error
                    ? new Transition(state, history with { Status = "FAILED", Error = error }) { Failure = error }
                    : Take(holds.Result ? "true" : "false");
            case StepKinds.Switch:
                var value = record!.Record![step.Params["field"]!.GetValue<string>()];
                var text = value is null ? "" : value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
                return Take(text);
            case StepKinds.Wait when step.Params["on"]!.GetValue<string>() == "condition":
                var met = reader.Holds(step.Params["condition"] as JsonObject, record!.Record!);
                return met.Error is { } failed ? new Transition(state, history with { Status = "FAILED", Error = failed }) { Failure = failed }
                    : met.Result ? Take(null)
                    : new Transition(state.Replace(token.Id, token with { Wait = new TokenWait("condition") }), history with { Status = "WAITING" });
            case StepKinds.Wait when step.Params["on"]!.GetValue<string>() == "timer":
                var due = clock.GetUtcNow() + ProcessValidator.Duration(step.Params, "delay")!.Value;
                return new Transition(state.Replace(token.Id, token with { Wait = new TokenWait("timer", Timer: TimerKey(instance, token), DueAt: due) }), history with { Status = "WAITING" });
            case StepKinds.Wait when step.Params["on"]!.GetValue<string>() == "webhook":
                // Its own secret per wait reached: a call for one instance's wait resumes no other.
                return new Transition(state.Replace(token.Id, token with { Wait = new TokenWait("webhook", Secret: Webhooks.WebhookGate.NewSecret()) }), history with { Status = "WAITING" });
            case StepKinds.Wait:
                var signal = step.Params["name"]!.GetValue<string>();
                return new Transition(state.Replace(token.Id, token with { Wait = new TokenWait("signal", signal) }), history with { Status = "WAITING" });
            case StepKinds.Approval:
                var (assignees, nobody) = await ApproverResolver.ResolveAsync(services, step, record?.Record, cancellationToken);
                return nobody is not null
                    ? new Transition(state, history with { Status = "FAILED", Error = nobody }) { Failure = nobody }
                    : Approvals.Open(instance, state, token, step, history, clock.GetUtcNow(), assignees);
            case StepKinds.SubProcess:
                return await SubProcessAsync(instance, state, token, step, history, cancellationToken);
            default:
                throw new InvalidOperationException($"The step kind '{step.Kind}' passed validation but has no meaning here.");
        }
    }

    private async Task<Transition> SubProcessAsync(ProcessInstance instance, InstanceState state, InstanceToken token, ProcessStep step, ProcessStepRun history, CancellationToken cancellationToken)
    {
        var childId = long.Parse(step.Params["processId"]!.ToJsonString().Trim('"'), System.Globalization.CultureInfo.InvariantCulture);
        var process = await db.Processes.AsNoTracking().FirstOrDefaultAsync(p => p.Id == childId, cancellationToken);
        string? problem = process?.ActiveVersion is null ? $"SUBPROCESS_INACTIVE: process {childId} has no active version."
            : instance.Depth >= ProcessLimits.MaxSubProcessDepth ? $"SUBPROCESS_DEPTH: sub-processes nest at most {ProcessLimits.MaxSubProcessDepth} deep."
            : null;
        if (problem is not null)
        {
            return new Transition(state, history with { Status = "FAILED", Error = problem }) { Failure = problem };
        }

        var definition = await DefinitionAsync(childId, process!.ActiveVersion!.Value, cancellationToken);
        var version = await db.ProcessVersions.AsNoTracking().FirstAsync(v => v.ProcessId == childId && v.Version == process.ActiveVersion, cancellationToken);
        return new Transition(state, history with { Status = "WAITING" })
        {
            Before = async (target, ct) =>
            {
                var child = NewInstance(process, version, definition, instance.EntityType, instance.EntityId, "SUBPROCESS", null, null);
                // A sub-process's instance belongs to its parent's: the one-active-instance rule is for starts on the record.
                (child.ParentInstanceId, child.ParentToken, child.Depth, child.ActiveKey) = (instance.Id, token.Id, instance.Depth + 1, null);
                target.ProcessInstances.Add(child);
                await target.SaveChangesAsync(ct);
                return state.Replace(token.Id, token with { Wait = new TokenWait("subProcess", ChildInstanceId: child.Id) });
            },
        };
    }

    /// <summary>A new instance of a version at its start step (not yet written).</summary>
    public ProcessInstance NewInstance(BusinessProcess process, BusinessProcessVersion version, ProcessDefinition definition, string entityType, long entityId, string via, Guid? eventId, long? startedBy)
    {
        var now = Now;
        return new ProcessInstance
        {
            RunId = Guid.NewGuid(),
            ProcessId = process.Id,
            ProcessVersion = version.Version,
            EntityType = entityType,
            EntityId = entityId,
            Status = InstanceStatus.Running,
            ActiveKey = definition.AllowConcurrentInstances ? null : ActiveKeyOf(process.Id, entityId),
            StartEventId = eventId,
            StartedVia = via,
            StartedById = startedBy,
            RunAsUserId = version.RunAsUserId,
            State = InstanceState.At(definition.StartStep.Id).ToJson(),
            StartedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>The key of the scheduled work of a wait the token begins with the instance's next step (unique per step taken).</summary>
    internal static string TimerKey(ProcessInstance instance, InstanceToken token) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{instance.Id}:{token.Id}:{instance.StepsTaken + 1}");

    public static string ActiveKeyOf(long processId, long entityId) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{processId}:{entityId}");

    private static AutomationRunIdentity Identity(ProcessInstance instance) =>
        new(instance.ProcessId, $"process {instance.ProcessId}", instance.ProcessVersion, instance.RunId) { IsProcess = true, Depth = instance.Depth };

    private static string Output(ActionOutcome outcome) => new JsonObject
    {
        ["code"] = outcome.Code,
        ["message"] = outcome.Message,
        ["output"] = outcome.Output?.DeepClone(),
    }.ToJsonString();
}
