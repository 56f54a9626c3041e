using System.Globalization;
using Crm.PluginSdk.Automation;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// Steps whose effect leaves the database (a script that may call <c>crm.http</c>, a webhook call) and
/// so cannot commit with the advance past them: taken at most once. The branch is marked started in a
/// commit of its own before the call; the advance past the step clears the mark. A host that dies
/// between the two leaves the mark: the recovery sweep (<see cref="ProcessRecovery"/>) fails the instance
/// at that step rather than call again (its effect may have happened), and an admin may retry it.
/// </summary>
public sealed partial class ProcessEngine
{
    /// <summary>The code an instance fails with when an outside step of it was cut off.</summary>
    public const string Interrupted = "INTERRUPTED";

    /// <summary>Tries of the advance after the call when other branches' advances win the instance's revision first.</summary>
    private const int AdvanceAttempts = 5;

    private async Task<Advanced?> ActOnceAsync(ProcessInstance instance, ProcessDefinition definition, InstanceState state, InstanceToken token, ProcessStep step, ProcessStepRun history, ActionRequest request, CancellationToken cancellationToken)
    {
        var startedAt = clock.GetUtcNow();
        var marked = state.Replace(token.Id, token with { StartedAt = startedAt });
        var taken = await db.ProcessInstances
            .Where(x => x.Id == instance.Id && x.Revision == instance.Revision && x.Status == InstanceStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, marked.ToJson()).SetProperty(x => x.Revision, instance.Revision + 1).SetProperty(x => x.UpdatedAt, Now), cancellationToken);
        if (taken == 0)
        {
            // Another advance got there first: the next read shows where the instance is.
            return null;
        }

        // While the call lasts its host renews the instance's lease (held by the advance that got here): the
        // recovery sweep takes the step for cut off only once that heartbeat is a grace old (its host is gone).
        var outcome = await AutomationRunner.RunAsync(scopes, request, cancellationToken);

        // The call is made: its outcome is recorded whatever the caller does now, on a fresh read while the branch still carries this start.
        var next = definition.Out(step.Id).First(e => e.When is null).To;
        for (var attempt = 0; attempt < AdvanceAttempts; attempt++)
        {
            var current = await db.ProcessInstances.AsNoTracking().FirstOrDefaultAsync(x => x.Id == instance.Id, CancellationToken.None);
            var now = current is { Status: InstanceStatus.Running or InstanceStatus.Waiting } ? InstanceState.FromJson(current.State) : null;
            if (now?.Tokens.FirstOrDefault(t => t.Id == token.Id && t.StartedAt == startedAt) is not { } mine)
            {
                // Cancelled (or failed by another branch) meanwhile: nothing to move on.
                return null;
            }

            var transition = outcome.Succeeded
                ? new Transition(now.Replace(token.Id, mine with { At = next, StartedAt = null }), history with { Output = Output(outcome) })
                : Failed(definition, now, mine, step, history, outcome);
            if (await ApplyAsync(current!, transition, CancellationToken.None) is { } advanced)
            {
                return advanced;
            }
        }

        return null;
    }

    /// <summary>
    /// At a recovery sweep, which holds the instance's lease taken from a host that is gone (or from no
    /// host): the instance fails at each outside step that host was inside (the mark cleared, so that a
    /// retry takes the step again); false when it had none.
    /// </summary>
    public async Task<bool> FailInterruptedAsync(long instanceId, CancellationToken cancellationToken)
    {
        var instance = await db.ProcessInstances.AsNoTracking().FirstOrDefaultAsync(x => x.Id == instanceId, cancellationToken);
        var state = instance is { Status: InstanceStatus.Running } ? InstanceState.FromJson(instance.State) : null;
        if (state?.Tokens.Where(t => t.StartedAt is not null).ToList() is not { Count: > 0 } cut)
        {
            return false;
        }

        var first = cut[0];
        var error = $"{Interrupted}: step '{first.At}' started at {first.StartedAt!.Value.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)} and its host stopped before it finished; "
            + "it may have taken effect, so it is not taken again (retryProcessInstance takes it again).";
        var cleared = state with { Tokens = [.. state.Tokens.Select(t => t with { StartedAt = null })] };
        var kind = (await DefinitionAsync(instance!.ProcessId, instance.ProcessVersion, cancellationToken)).Step(first.At).Kind;
        var history = new ProcessStepRun { Token = first.Id, StepId = first.At, Kind = kind, Status = "FAILED", Error = error };
        return await ApplyAsync(instance, new Transition(cleared, history) { Failure = error }, cancellationToken) is not null;
    }
}
