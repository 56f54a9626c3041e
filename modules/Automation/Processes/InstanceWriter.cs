using Crm.Modules.Automation.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Processes;

/// <summary>What one step does to an instance: its new position, the history row, and rows it adds (an approval, a child instance).</summary>
internal sealed record Transition(InstanceState State, ProcessStepRun History)
{
    /// <summary>Ends the instance as failed with this reason (a failed action without an error edge, a record the run-as user cannot read).</summary>
    public string? Failure { get; init; }

    /// <summary>Rows written in the same transaction before the instance (each may set a token's wait from its new id).</summary>
    public Func<AutomationDbContext, CancellationToken, Task<InstanceState>>? Before { get; init; }
}

/// <summary>
/// Writes an instance's advance: the instance row (its <see cref="ProcessInstance.Revision"/> checked
/// and bumped, so that a concurrent advance of the same instance fails rather than doubles a step), its
/// status from its tokens, and the history row, through whichever context holds the transaction
/// (an action's, so that the action's effect and the advance commit together, or the engine's own).
/// When the instance finishes and a sub-process step waits for it, the parent's token moves on too.
/// </summary>
internal static class InstanceWriter
{
    /// <summary>Writes <paramref name="transition"/> on <paramref name="before"/>; false when another advance got there first.</summary>
    public static async Task<ProcessInstance?> ApplyAsync(AutomationDbContext db, ProcessInstance before, Transition transition, DateTime now, CancellationToken cancellationToken)
    {
        var state = transition.Before is { } write ? await write(db, cancellationToken) : transition.State;
        var row = Copy(before);
        db.ProcessInstances.Attach(row);
        row.State = state.ToJson();
        row.Revision = before.Revision + 1;
        row.StepsTaken = before.StepsTaken + 1;
        row.UpdatedAt = now;
        row.AwaitsRecordChange = state.Tokens.Any(t => t.Wait?.Kind == "condition");
        if (transition.Failure is { } failure)
        {
            Finish(row, InstanceStatus.Failed, failure, now);
        }
        else if (state.Tokens.Count == 0)
        {
            Finish(row, InstanceStatus.Completed, null, now);
        }
        else
        {
            row.Status = state.Tokens.Any(t => t.Wait is null) ? InstanceStatus.Running : InstanceStatus.Waiting;
        }

        transition.History.InstanceId = before.Id;
        transition.History.At = now;
        db.ProcessStepRuns.Add(transition.History);
        if (row.Status is InstanceStatus.Completed or InstanceStatus.Failed && row.ParentInstanceId is { } parent)
        {
            await ResumeParentAsync(db, row, parent, now, cancellationToken);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return row;
        }
        catch (DbUpdateConcurrencyException)
        {
            return null;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    public static void Finish(ProcessInstance row, InstanceStatus status, string? error, DateTime now)
    {
        row.Status = status;
        row.Error = error is { Length: > 2_000 } ? error[..2_000] : error;
        row.ActiveKey = null;
        row.FinishedAt = now;
        row.AwaitsRecordChange = false;
    }

    /// <summary>The sub-process step waiting for <paramref name="child"/> moves on (its child failed: the parent fails too).</summary>
    private static async Task ResumeParentAsync(AutomationDbContext db, ProcessInstance child, long parentId, DateTime now, CancellationToken cancellationToken)
    {
        var parent = await db.ProcessInstances.FirstOrDefaultAsync(i => i.Id == parentId, cancellationToken);
        if (parent is null || parent.Status is not (InstanceStatus.Running or InstanceStatus.Waiting))
        {
            return;
        }

        var state = InstanceState.FromJson(parent.State);
        if (state.Tokens.FirstOrDefault(t => t.Wait?.ChildInstanceId == child.Id) is not { } token)
        {
            return;
        }

        var version = await db.ProcessVersions.AsNoTracking().FirstAsync(v => v.ProcessId == parent.ProcessId && v.Version == parent.ProcessVersion, cancellationToken);
        var definition = ProcessDefinition.FromJson(version.Definition);
        var history = new ProcessStepRun { InstanceId = parent.Id, Token = token.Id, StepId = token.At, Kind = StepKinds.SubProcess, At = now };
        parent.Revision++;
        parent.UpdatedAt = now;
        if (child.Status == InstanceStatus.Failed)
        {
            history.Status = "FAILED";
            history.Error = $"SUBPROCESS_FAILED: instance {child.Id} failed: {child.Error}";
            Finish(parent, InstanceStatus.Failed, history.Error, now);
        }
        else
        {
            history.Status = "SUCCEEDED";
            var next = definition.Out(token.At).First().To;
            state = state.Replace(token.Id, token with { At = next, Wait = null });
            parent.State = state.ToJson();
            parent.Status = InstanceStatus.Running;
        }

        db.ProcessStepRuns.Add(history);
    }

    private static ProcessInstance Copy(ProcessInstance i) => new()
    {
        Id = i.Id, RunId = i.RunId, ProcessId = i.ProcessId, ProcessVersion = i.ProcessVersion, EntityType = i.EntityType, EntityId = i.EntityId,
        Status = i.Status, ActiveKey = i.ActiveKey, StartEventId = i.StartEventId, StartedVia = i.StartedVia, StartedById = i.StartedById,
        ParentInstanceId = i.ParentInstanceId, ParentToken = i.ParentToken, Depth = i.Depth, RunAsUserId = i.RunAsUserId, State = i.State,
        AwaitsRecordChange = i.AwaitsRecordChange, StepsTaken = i.StepsTaken, Revision = i.Revision, Error = i.Error,
        StartedAt = i.StartedAt, UpdatedAt = i.UpdatedAt, FinishedAt = i.FinishedAt,
    };
}
