using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>An instance as a start, a cancel or a signal left it, or why it was refused.</summary>
public sealed record InstancePayload(ProcessInstance? Instance, IReadOnlyList<UserError> Errors);

/// <summary>
/// Starts, cancels and signals instances. A start writes the instance at its start step (the unique
/// active key refuses a second active instance of a process on a record when the process allows one,
/// whatever starts race), then the engine advances it in scopes of its own. Who may change the record
/// may start, signal or cancel its processes; the settings right may too.
/// </summary>
public sealed class ProcessInstances(IServiceProvider services)
{
    private readonly AutomationDbContext _db = services.GetRequiredService<AutomationDbContext>();

    private DateTime Now => services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;

    public async Task<InstancePayload> StartAsync(long processId, long recordId, CancellationToken cancellationToken)
    {
        var process = await _db.Processes.AsNoTracking().FirstOrDefaultAsync(p => p.Id == processId, cancellationToken);
        if (process is null)
        {
            return new InstancePayload(null, [UserError.At(ErrorCodes.NotFound, $"No business process {processId.ToString(CultureInfo.InvariantCulture)}.", "processId")]);
        }

        if (await RefusedAsync(process.EntityType, recordId, "recordId", cancellationToken) is { } refused)
        {
            return new InstancePayload(null, [refused]);
        }

        if (process.ActiveVersion is not { } active)
        {
            return new InstancePayload(null, [UserError.At(ErrorCodes.InvalidValue, "The process has no active version: activate it first.", "processId")]);
        }

        var started = await StartVersionAsync(process, active, recordId, "MANUAL", null, services.GetRequiredService<ICurrentActor>().UserId, cancellationToken);
        return started is null
            ? new InstancePayload(null, [UserError.At(ErrorCodes.Conflict, "The record already has an active instance of this process (it allows one at a time).", "recordId")])
            : new InstancePayload(started, []);
    }

    /// <summary>Writes and advances a new instance of the version; null when the record has an active one already (or the event started one).</summary>
    internal async Task<ProcessInstance?> StartVersionAsync(BusinessProcess process, int version, long recordId, string via, Guid? eventId, long? startedBy, CancellationToken cancellationToken)
    {
        await using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        var engine = scope.ServiceProvider.GetRequiredService<ProcessEngine>();
        var db = scope.ServiceProvider.GetRequiredService<AutomationDbContext>();
        var row = await db.ProcessVersions.AsNoTracking().FirstAsync(v => v.ProcessId == process.Id && v.Version == version, cancellationToken);
        var definition = await engine.DefinitionAsync(process.Id, version, cancellationToken);
        var instance = engine.NewInstance(process, row, definition, process.EntityType, recordId, via, eventId, startedBy);
        // The usual refusals are read first (cheaper than an insert); either unique key (one active instance,
        // one start per event) decides a race, as no error: the insert goes in or finds its key taken.
        if (await db.ProcessInstances.AnyAsync(i => (instance.ActiveKey != null && i.ActiveKey == instance.ActiveKey)
                || (eventId != null && i.ProcessId == process.Id && i.StartEventId == eventId && i.EntityId == recordId), cancellationToken)
            || !await db.InsertUnlessTakenAsync(instance, [], cancellationToken))
        {
            return null;
        }

        await engine.AdvanceAsync(instance.Id, cancellationToken);
        return await db.ProcessInstances.AsNoTracking().FirstAsync(i => i.Id == instance.Id, cancellationToken);
    }

    public async Task<InstancePayload> CancelAsync(long instanceId, CancellationToken cancellationToken)
    {
        if (await FindAsync(instanceId, cancellationToken) is not { } found)
        {
            return NotFound(instanceId);
        }

        if (await RefusedAsync(found.EntityType, found.EntityId, "id", cancellationToken) is { } refused)
        {
            return new InstancePayload(null, [refused]);
        }

        var now = Now;
        return await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            // The instance and the sub-process instances under it, each with its open approvals.
            var ids = new List<long> { instanceId };
            for (var level = 0; level < ProcessLimits.MaxSubProcessDepth; level++)
            {
                ids.AddRange(await _db.ProcessInstances.Where(i => i.ParentInstanceId != null && ids.Contains(i.ParentInstanceId.Value) && !ids.Contains(i.Id)).Select(i => i.Id).ToListAsync(cancellationToken));
            }

            var instances = await _db.ProcessInstances.Where(i => ids.Contains(i.Id) && (i.Status == InstanceStatus.Running || i.Status == InstanceStatus.Waiting)).ToListAsync(cancellationToken);
            if (instances.All(i => i.Id != instanceId))
            {
                return new InstancePayload(null, [UserError.At(ErrorCodes.InvalidValue, $"The instance is already {found.Status.ToString().ToUpperInvariant()}.", "id")]);
            }

            foreach (var instance in instances)
            {
                InstanceWriter.Finish(instance, InstanceStatus.Cancelled, null, now);
                instance.Revision++;
                instance.UpdatedAt = now;
                _db.ProcessStepRuns.Add(new ProcessStepRun { InstanceId = instance.Id, StepId = "", Kind = "instance", Status = "CANCELLED", At = now });
            }

            await _db.ProcessApprovals.Where(a => ids.Contains(a.InstanceId) && a.Status == ApprovalStatus.Open)
                .ExecuteUpdateAsync(a => a.SetProperty(x => x.Status, ApprovalStatus.Cancelled).SetProperty(x => x.DecidedAt, now), cancellationToken);
            await _db.SaveChangesAsync(cancellationToken);
            return new InstancePayload(instances.First(i => i.Id == instanceId), []);
        }, p => p.Errors.Count == 0, cancellationToken);
    }

    /// <summary>Resumes the instance's branches waiting for the signal <paramref name="name"/> (its payload kept in the history); refused when none waits.</summary>
    public async Task<InstancePayload> SignalAsync(long instanceId, string name, JsonNode? payload, CancellationToken cancellationToken)
    {
        if (name.Length is 0 or > ProcessLimits.MaxSignalNameLength || payload?.ToJsonString().Length > ProcessLimits.MaxSignalPayloadLength)
        {
            return new InstancePayload(null, [UserError.At(ErrorCodes.LimitExceeded,
                $"A signal's name is 1 to {ProcessLimits.MaxSignalNameLength} characters and its payload at most {ProcessLimits.MaxSignalPayloadLength} characters of JSON.", "name")]);
        }

        if (await FindAsync(instanceId, cancellationToken) is not { } found)
        {
            return NotFound(instanceId);
        }

        if (await RefusedAsync(found.EntityType, found.EntityId, "instanceId", cancellationToken) is { } refused)
        {
            return new InstancePayload(null, [refused]);
        }

        var resumed = await ResumeAsync(instanceId, t => t.Wait is { Kind: "signal" } wait && wait.Name == name, "signal",
            new JsonObject { ["signal"] = name, ["payload"] = payload?.DeepClone() }, cancellationToken);
        return resumed switch
        {
            null => new InstancePayload(null, [UserError.At(ErrorCodes.InvalidValue, $"No branch of the instance waits for the signal '{name}'.", "name")]),
            _ => new InstancePayload(await FindAsync(instanceId, cancellationToken), []),
        };
    }

    /// <summary>
    /// Takes a FAILED instance on again from the step it failed at (an action without an error edge,
    /// an outside step cut off by its host): settings right only, since the step may already have had
    /// its effect. Refused for an instance failed by its sub-process (retry that one) or one whose
    /// record has another active instance of the process meanwhile (CONFLICT).
    /// </summary>
    public async Task<InstancePayload> RetryAsync(long instanceId, CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<ICurrentActor>().RefuseUnlessCanConfigure("Retrying process instances") is { } refused)
        {
            return new InstancePayload(null, [refused]);
        }

        if (await FindAsync(instanceId, cancellationToken) is not { } found)
        {
            return NotFound(instanceId);
        }

        var state = InstanceState.FromJson(found.State);
        if (found.Status != InstanceStatus.Failed || state.Tokens.Count == 0 || state.Tokens.Any(t => t.Wait?.ChildInstanceId is not null))
        {
            return new InstancePayload(null, [UserError.At(ErrorCodes.InvalidValue,
                $"Only an instance that FAILED at one of its steps is retried (this one is {found.Status.ToString().ToUpperInvariant()}; one failed by its sub-process is retried there).", "id")]);
        }

        await using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        var engine = scope.ServiceProvider.GetRequiredService<ProcessEngine>();
        var db = scope.ServiceProvider.GetRequiredService<AutomationDbContext>();
        var definition = await engine.DefinitionAsync(found.ProcessId, found.ProcessVersion, cancellationToken);
        var activeKey = definition.AllowConcurrentInstances || found.ParentInstanceId is not null ? null : ProcessEngine.ActiveKeyOf(found.ProcessId, found.EntityId);
        var now = Now;
        int retried;
        try
        {
            retried = await scope.ServiceProvider.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
            {
                var changed = await db.ProcessInstances.Where(i => i.Id == instanceId && i.Revision == found.Revision && i.Status == InstanceStatus.Failed)
                    .ExecuteUpdateAsync(u => u.SetProperty(i => i.Status, InstanceStatus.Running).SetProperty(i => i.Error, (string?)null).SetProperty(i => i.FinishedAt, (DateTime?)null)
                        .SetProperty(i => i.ActiveKey, activeKey).SetProperty(i => i.Revision, found.Revision + 1).SetProperty(i => i.UpdatedAt, now), cancellationToken);
                if (changed == 1)
                {
                    db.ProcessStepRuns.Add(new ProcessStepRun { InstanceId = instanceId, StepId = "", Kind = "instance", Status = "RETRIED", At = now });
                    await db.SaveChangesAsync(cancellationToken);
                }

                return changed;
            }, changed => changed == 1, cancellationToken);
        }
        catch (System.Data.Common.DbException)
        {
            // The unique active key: the record has another active instance of the process now.
            retried = -1;
        }

        if (retried != 1)
        {
            return new InstancePayload(null, [UserError.At(ErrorCodes.Conflict, retried == 0
                ? "The instance changed meanwhile: read it again."
                : "The record has another active instance of this process (it allows one at a time).", "id")]);
        }

        foreach (var wait in state.Tokens.Select(t => t.Wait).Where(w => w?.Timer is not null && w.DueAt is not null))
        {
            await ProcessTimers.ScheduleAsync(scope.ServiceProvider.GetRequiredService<Crm.PluginSdk.Scheduling.IWorkScheduler>(), instanceId, wait!, cancellationToken);
        }

        await engine.AdvanceAsync(instanceId, cancellationToken);
        return new InstancePayload(await FindAsync(instanceId, cancellationToken), []);
    }

    /// <summary>
    /// Moves the instance's branches that <paramref name="waiting"/> selects past their wait, in one
    /// transaction holding the instance's revision, then advances it; null when none waited.
    /// </summary>
    /// <param name="edge">The label of the edge the branches take (null: the wait's one unlabelled edge).</param>
    /// <param name="first">Work of the same transaction done first (an approval's row locked and marked timed out).</param>
    internal async Task<ProcessInstance?> ResumeAsync(long instanceId, Func<InstanceToken, bool> waiting, string why, JsonObject? output, CancellationToken cancellationToken,
        string? edge = null, Func<AutomationDbContext, Task>? first = null)
    {
        await using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AutomationDbContext>();
        var engine = scope.ServiceProvider.GetRequiredService<ProcessEngine>();
        var now = Now;
        var resumed = await scope.ServiceProvider.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            if (first is not null)
            {
                await first(db);
            }

            var instance = await db.ProcessInstances.FirstOrDefaultAsync(i => i.Id == instanceId, cancellationToken);
            if (instance is not { Status: InstanceStatus.Running or InstanceStatus.Waiting })
            {
                return null;
            }

            var state = InstanceState.FromJson(instance.State);
            var tokens = state.Tokens.Where(waiting).ToList();
            if (tokens.Count == 0)
            {
                return null;
            }

            var definition = await engine.DefinitionAsync(instance.ProcessId, instance.ProcessVersion, cancellationToken);
            foreach (var token in tokens)
            {
                state = state.Replace(token.Id, token with { At = definition.Out(token.At).First(e => e.When == edge).To, Wait = null });
                db.ProcessStepRuns.Add(new ProcessStepRun
                {
                    InstanceId = instance.Id, Token = token.Id, StepId = token.At, Kind = definition.Step(token.At).Kind, Status = "RESUMED", Outcome = edge ?? why, Output = output?.ToJsonString(), At = now,
                });
            }

            instance.State = state.ToJson();
            instance.Status = InstanceStatus.Running;
            instance.AwaitsRecordChange = state.Tokens.Any(t => t.Wait?.Kind == "condition");
            instance.Revision++;
            instance.UpdatedAt = now;
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return instance;
            }
            catch (DbUpdateConcurrencyException)
            {
                return null;
            }
        }, i => i is not null, cancellationToken);
        db.ChangeTracker.Clear();
        if (resumed is not null)
        {
            await engine.AdvanceAsync(instanceId, cancellationToken);
        }

        return resumed;
    }

    private Task<ProcessInstance?> FindAsync(long id, CancellationToken cancellationToken) =>
        _db.ProcessInstances.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, cancellationToken);

    /// <summary>A refusal unless the caller may change the record (or configure the CRM).</summary>
    private async Task<UserError?> RefusedAsync(string entityType, long recordId, string field, CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<IEntityRegistry>().Find(entityType) is not ICrmEntityDefinition type)
        {
            return UserError.At(ErrorCodes.NotFound, $"No record type '{entityType}' is loaded.", field);
        }

        return await type.ReachesAsync(services, recordId, PermissionAction.Update, cancellationToken)
            ? null
            : UserError.At(ErrorCodes.Forbidden, $"You cannot change {type.Name} {recordId.ToString(CultureInfo.InvariantCulture)}, so neither run its processes (or it does not exist).", field);
    }

    private static InstancePayload NotFound(long id) =>
        new(null, [UserError.At(ErrorCodes.NotFound, $"No process instance {id.ToString(CultureInfo.InvariantCulture)}.", "id")]);

}
