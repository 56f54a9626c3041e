using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// Instances and approvals over GraphQL: <c>processInstances(where:)</c> with each one's step history,
/// <c>startProcess</c>, <c>cancelProcess</c>, <c>signalProcess</c>, <c>myApprovals</c> and
/// <c>completeApproval</c>. Whoever may read a record sees its instances; whoever may change it starts,
/// signals and cancels them; only an assignee decides an approval.
/// </summary>
public sealed class InstanceSchema : ISchemaContributor
{
    public const int DefaultPageSize = 50;

    public void Contribute(SchemaComposer composer)
    {
        var types = composer.Types;
        var status = AutomationGraphTypes.Enum<InstanceStatus>("ProcessInstanceStatus", "Where an instance is.");
        var approvalStatus = AutomationGraphTypes.Enum<ApprovalStatus>("ProcessApprovalStatus", "Where an approval is.");
        var mode = AutomationGraphTypes.Enum<ApprovalMode>("ProcessApprovalMode", "How an approval's votes decide it.");
        var decision = AutomationGraphTypes.Enum<ApprovalDecision>("ProcessApprovalDecision", "An assignee's decision.");

        var step = new ObjectGraphType { Name = "ProcessStepRun", Description = "One step an instance took, in order." };
        step.AddField(SharedGraphTypes.Field<ProcessStepRun>("stepId", typeof(NonNullGraphType<StringGraphType>), s => s.StepId));
        step.AddField(SharedGraphTypes.Field<ProcessStepRun>("kind", typeof(NonNullGraphType<StringGraphType>), s => s.Kind));
        step.AddField(SharedGraphTypes.Field<ProcessStepRun>("token", typeof(NonNullGraphType<IntGraphType>), s => s.Token, "The branch that took it."));
        step.AddField(SharedGraphTypes.Field<ProcessStepRun>("status", typeof(NonNullGraphType<StringGraphType>), s => s.Status, "SUCCEEDED, FAILED, WAITING, RESUMED or CANCELLED."));
        step.AddField(SharedGraphTypes.Field<ProcessStepRun>("outcome", typeof(StringGraphType), s => s.Outcome, "The label of the edge it took (true, approved, body ...)."));
        step.AddField(new FieldType { Name = "output", ResolvedType = types.Json, Resolver = new FuncFieldResolver<object?>(c => ((ProcessStepRun)c.Source!).Output is { } o ? JsonNode.Parse(o) : null) });
        step.AddField(SharedGraphTypes.Field<ProcessStepRun>("error", typeof(StringGraphType), s => s.Error));
        step.AddField(SharedGraphTypes.Field<ProcessStepRun>("at", typeof(NonNullGraphType<DateTimeGraphType>), s => Utc(s.At)));

        var assignee = new ObjectGraphType { Name = "ProcessApprovalAssignee", Description = "An assignee of an approval and their decision." };
        assignee.AddField(SharedGraphTypes.Field<ProcessApprovalAssignee>("userId", typeof(NonNullGraphType<IdGraphType>), a => a.UserId.ToString(CultureInfo.InvariantCulture)));
        assignee.AddField(new FieldType { Name = "decision", ResolvedType = decision, Resolver = new FuncFieldResolver<object?>(c => ((ProcessApprovalAssignee)c.Source!).Decision) });
        assignee.AddField(SharedGraphTypes.Field<ProcessApprovalAssignee>("comment", typeof(StringGraphType), a => a.Comment));
        assignee.AddField(SharedGraphTypes.Field<ProcessApprovalAssignee>("decidedAt", typeof(DateTimeGraphType), a => a.DecidedAt is { } t ? Utc(t) : null));

        var approval = new ObjectGraphType { Name = "ProcessApproval", Description = "An approval step an instance reached." };
        approval.AddField(SharedGraphTypes.Field<ProcessApproval>("id", typeof(NonNullGraphType<IdGraphType>), a => a.Id.ToString(CultureInfo.InvariantCulture)));
        approval.AddField(SharedGraphTypes.Field<ProcessApproval>("instanceId", typeof(NonNullGraphType<IdGraphType>), a => a.InstanceId.ToString(CultureInfo.InvariantCulture)));
        approval.AddField(SharedGraphTypes.Field<ProcessApproval>("stepId", typeof(NonNullGraphType<StringGraphType>), a => a.StepId));
        approval.AddField(SharedGraphTypes.Field<ProcessApproval>("title", typeof(NonNullGraphType<StringGraphType>), a => a.Title));
        approval.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(types.CrmEntityType), Resolver = new FuncFieldResolver<object?>(c => ((ProcessApproval)c.Source!).EntityType) });
        approval.AddField(SharedGraphTypes.Field<ProcessApproval>("entityId", typeof(NonNullGraphType<IdGraphType>), a => a.EntityId.ToString(CultureInfo.InvariantCulture)));
        approval.AddField(new FieldType { Name = "mode", ResolvedType = new NonNullGraphType(mode), Resolver = new FuncFieldResolver<object?>(c => ((ProcessApproval)c.Source!).Mode) });
        approval.AddField(new FieldType { Name = "status", ResolvedType = new NonNullGraphType(approvalStatus), Resolver = new FuncFieldResolver<object?>(c => ((ProcessApproval)c.Source!).Status) });
        approval.AddField(new FieldType { Name = "assignees", ResolvedType = SchemaComposer.NonNullList(assignee), Resolver = new FuncFieldResolver<object?>(c => ((ProcessApproval)c.Source!).Assignees.OrderBy(a => a.UserId)) });
        approval.AddField(SharedGraphTypes.Field<ProcessApproval>("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), a => Utc(a.CreatedAt)));
        approval.AddField(SharedGraphTypes.Field<ProcessApproval>("decidedAt", typeof(DateTimeGraphType), a => a.DecidedAt is { } t ? Utc(t) : null));

        var instance = new ObjectGraphType { Name = "ProcessInstance", Description = "One run of a process's version on a record." };
        instance.AddField(SharedGraphTypes.Field<ProcessInstance>("id", typeof(NonNullGraphType<IdGraphType>), i => i.Id.ToString(CultureInfo.InvariantCulture)));
        instance.AddField(SharedGraphTypes.Field<ProcessInstance>("processId", typeof(NonNullGraphType<IdGraphType>), i => i.ProcessId.ToString(CultureInfo.InvariantCulture)));
        instance.AddField(SharedGraphTypes.Field<ProcessInstance>("processVersion", typeof(NonNullGraphType<IntGraphType>), i => i.ProcessVersion, "The version it pinned."));
        instance.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(types.CrmEntityType), Resolver = new FuncFieldResolver<object?>(c => ((ProcessInstance)c.Source!).EntityType) });
        instance.AddField(SharedGraphTypes.Field<ProcessInstance>("entityId", typeof(NonNullGraphType<IdGraphType>), i => i.EntityId.ToString(CultureInfo.InvariantCulture)));
        instance.AddField(new FieldType { Name = "status", ResolvedType = new NonNullGraphType(status), Resolver = new FuncFieldResolver<object?>(c => ((ProcessInstance)c.Source!).Status) });
        instance.AddField(SharedGraphTypes.Field<ProcessInstance>("startedVia", typeof(NonNullGraphType<StringGraphType>), i => i.StartedVia, "MANUAL, EVENT or SUBPROCESS."));
        instance.AddField(SharedGraphTypes.Field<ProcessInstance>("startedById", typeof(IdGraphType), i => i.StartedById?.ToString(CultureInfo.InvariantCulture)));
        instance.AddField(SharedGraphTypes.Field<ProcessInstance>("parentInstanceId", typeof(IdGraphType), i => i.ParentInstanceId?.ToString(CultureInfo.InvariantCulture)));
        instance.AddField(new FieldType { Name = "position", ResolvedType = new NonNullGraphType(types.Json), Description = "Its branches ({ id at wait }), joins' arrivals and loops' passes.", Resolver = new FuncFieldResolver<object?>(c => Position(((ProcessInstance)c.Source!).State)) });
        instance.AddField(SharedGraphTypes.Field<ProcessInstance>("error", typeof(StringGraphType), i => i.Error));
        instance.AddField(SharedGraphTypes.Field<ProcessInstance>("startedAt", typeof(NonNullGraphType<DateTimeGraphType>), i => Utc(i.StartedAt)));
        instance.AddField(SharedGraphTypes.Field<ProcessInstance>("finishedAt", typeof(DateTimeGraphType), i => i.FinishedAt is { } t ? Utc(t) : null));
        instance.AddField(new FieldType { Name = "steps", Description = "The steps it took, in order.", ResolvedType = SchemaComposer.NonNullList(step), Resolver = new FuncFieldResolver<object?>(Steps) });
        var webhookWait = new ObjectGraphType { Name = "ProcessWebhookWait", Description = "A branch waiting for a call: POST to path with the secret in X-Crm-Webhook-Secret." };
        webhookWait.AddField(SharedGraphTypes.Field<WebhookWaitView>("token", typeof(NonNullGraphType<IntGraphType>), w => w.Token, "The waiting branch."));
        webhookWait.AddField(SharedGraphTypes.Field<WebhookWaitView>("stepId", typeof(NonNullGraphType<StringGraphType>), w => w.StepId));
        webhookWait.AddField(SharedGraphTypes.Field<WebhookWaitView>("path", typeof(NonNullGraphType<StringGraphType>), w => w.Path, "The address, relative to the CRM's."));
        webhookWait.AddField(SharedGraphTypes.Field<WebhookWaitView>("secret", typeof(NonNullGraphType<StringGraphType>), w => w.Secret, "This wait's own secret, good for one resumption."));
        instance.AddField(new FieldType
        {
            Name = "webhookWaits",
            Description = "Its branches waiting for a webhook call, with their secrets: for the settings right only (empty for anyone else).",
            ResolvedType = SchemaComposer.NonNullList(webhookWait),
            Resolver = new FuncFieldResolver<object?>(c => WebhookWaits(c)),
        });
        instance.AddField(new FieldType { Name = "approvals", Description = "The approvals it reached, in order.", ResolvedType = SchemaComposer.NonNullList(approval), Resolver = new FuncFieldResolver<object?>(ApprovalsOf) });

        AddQueries(composer, instance, approval, status);
        AddMutations(composer, instance, approval, decision);
    }

    private sealed record WebhookWaitView(int Token, string StepId, string Path, string Secret);

    private static List<WebhookWaitView> WebhookWaits(IResolveFieldContext c)
    {
        var instance = (ProcessInstance)c.Source!;
        return !c.RequestServices!.GetRequiredService<ICurrentActor>().CanConfigure || instance.Status is not (InstanceStatus.Running or InstanceStatus.Waiting) ? [] :
            [.. InstanceState.FromJson(instance.State).Tokens.Where(t => t.Wait is { Kind: "webhook", Secret: not null })
                .Select(t => new WebhookWaitView(t.Id, t.At, ProcessWaitWebhooks.PathOf(instance.Id), t.Wait!.Secret!))];
    }

    /// <summary>The stored position without the webhook waits' secrets (whoever reads the record reads it).</summary>
    private static JsonNode? Position(string state)
    {
        var position = JsonNode.Parse(state);
        foreach (var token in position?["tokens"]?.AsArray() ?? [])
        {
            (token?["wait"] as JsonObject)?.Remove("secret");
        }

        return position;
    }

    private static void AddQueries(SchemaComposer composer, IGraphType instance, IGraphType approval, IGraphType status)
    {
        var where = new InputObjectGraphType { Name = "ProcessInstanceWhere", Description = "Which instances: of a record (entityType and entityId together), of a process, in a status." };
        where.AddField(new FieldType { Name = "processId", Type = typeof(IdGraphType) });
        where.AddField(new FieldType { Name = "entityType", ResolvedType = composer.Types.CrmEntityType });
        where.AddField(new FieldType { Name = "entityId", Type = typeof(IdGraphType) });
        where.AddField(new FieldType { Name = "status", ResolvedType = status });

        composer.Query.AddField(new FieldType
        {
            Name = "processInstances",
            Description = $"Instances, newest first: of one record (whoever may read it), else the settings right. first: default {DefaultPageSize}, at most {ProcessLimits.MaxListedInstances}.",
            ResolvedType = SchemaComposer.NonNullList(instance),
            Arguments = new QueryArguments(new QueryArgument(where) { Name = "where" }, new QueryArgument<IntGraphType> { Name = "first" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var services = c.RequestServices!;
                var first = c.GetArgument<int?>("first") ?? DefaultPageSize;
                if (first is < 1 or > ProcessLimits.MaxListedInstances)
                {
                    throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'first' is 1 to {ProcessLimits.MaxListedInstances}.");
                }

                var filter = c.GetArgument<Dictionary<string, object?>?>("where") ?? [];
                var query = services.GetRequiredService<AutomationDbContext>().ProcessInstances.AsNoTracking();
                if (filter.GetValueOrDefault("processId") is { } rawProcess)
                {
                    query = RecordIds.TryParse(rawProcess, out var processId) ? query.Where(i => i.ProcessId == processId) : throw ErrorCodes.Error(ErrorCodes.InvalidFormat, "'processId' is not a process id.");
                }

                if (filter.GetValueOrDefault("status") is InstanceStatus wanted)
                {
                    query = query.Where(i => i.Status == wanted);
                }

                var (entityType, rawEntity) = (filter.GetValueOrDefault("entityType") as string, filter.GetValueOrDefault("entityId"));
                if (entityType is not null && rawEntity is not null)
                {
                    if (!RecordIds.TryParse(rawEntity, out var entityId) || composer.Registry.Find(entityType) is not ICrmEntityDefinition type)
                    {
                        throw ErrorCodes.Error(ErrorCodes.InvalidFormat, "'entityId' is not a record id of that type.");
                    }

                    if (!await type.ReachesAsync(services, entityId, PermissionAction.Read, c.CancellationToken))
                    {
                        throw ErrorCodes.Error(ErrorCodes.Forbidden, $"You cannot read {type.Name} {entityId.ToString(CultureInfo.InvariantCulture)}, so neither its processes.");
                    }

                    query = query.Where(i => i.EntityType == type.Name && i.EntityId == entityId);
                }
                else if (entityType is not null || rawEntity is not null)
                {
                    throw ErrorCodes.Error(ErrorCodes.InvalidFormat, "'entityType' and 'entityId' go together.");
                }
                else if (!services.GetRequiredService<ICurrentActor>().CanConfigure)
                {
                    throw ErrorCodes.Error(ErrorCodes.Forbidden, SettingsRight.Refusal("Reading the instances of processes beyond one record"));
                }

                return await query.OrderByDescending(i => i.Id).Take(first).ToListAsync(c.CancellationToken);
            }),
        });

        composer.Query.AddField(new FieldType
        {
            Name = "myApprovals",
            Description = $"The open approvals you are an assignee of and have not decided, oldest first (at most {ProcessLimits.MaxListedInstances}).",
            ResolvedType = SchemaComposer.NonNullList(approval),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                if (c.RequestServices!.GetRequiredService<ICurrentActor>().UserId is not { } me)
                {
                    return new List<ProcessApproval>();
                }

                var db = c.RequestServices!.GetRequiredService<AutomationDbContext>();
                return await db.ProcessApprovals.AsNoTracking().Include(a => a.Assignees)
                    .Where(a => a.Status == ApprovalStatus.Open && db.ProcessApprovalAssignees.Any(x => x.ApprovalId == a.Id && x.UserId == me && x.Decision == null))
                    .OrderBy(a => a.Id).Take(ProcessLimits.MaxListedInstances).ToListAsync(c.CancellationToken);
            }),
        });
    }

    private static void AddMutations(SchemaComposer composer, IGraphType instance, IGraphType approval, IGraphType decision)
    {
        var payload = new ObjectGraphType { Name = "ProcessInstancePayload", Description = "The instance as the write left it, or why it was refused." };
        payload.AddField(new FieldType { Name = "instance", ResolvedType = instance, Resolver = new FuncFieldResolver<object?>(c => ((InstancePayload)c.Source!).Instance) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((InstancePayload)c.Source!).Errors) });

        composer.Mutation.AddField(new FieldType
        {
            Name = "startProcess",
            Description = "Starts the process's active version on a record (whoever may change it); refused while the record has an active instance, unless the process allows more.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "processId" }, new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "recordId" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                RecordIds.TryParse(c.GetArgument<object>("processId"), out var processId) && RecordIds.TryParse(c.GetArgument<object>("recordId"), out var recordId)
                    ? await new ProcessInstances(c.RequestServices!).StartAsync(processId, recordId, c.CancellationToken)
                    : new InstancePayload(null, [UserError.At(ErrorCodes.InvalidFormat, "'processId' and 'recordId' are ids.", "processId")])),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "cancelProcess",
            Description = "Cancels an active instance, its sub-processes and its open approvals.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c => RecordIds.TryParse(c.GetArgument<object>("id"), out var id)
                ? await new ProcessInstances(c.RequestServices!).CancelAsync(id, c.CancellationToken)
                : new InstancePayload(null, [UserError.At(ErrorCodes.InvalidFormat, "'id' is an instance id.", "id")])),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "signalProcess",
            Description = $"Sends a signal to an instance: its branches waiting for that name go on. name: at most {ProcessLimits.MaxSignalNameLength} characters; payload: at most {ProcessLimits.MaxSignalPayloadLength} characters of JSON.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "instanceId" },
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "name" },
                new QueryArgument(composer.Types.Json) { Name = "payload" }),
            Resolver = new FuncFieldResolver<object?>(async c => RecordIds.TryParse(c.GetArgument<object>("instanceId"), out var id)
                ? await new ProcessInstances(c.RequestServices!).SignalAsync(id, c.GetArgument<string>("name"), c.GetArgument<object?>("payload") as JsonNode, c.CancellationToken)
                : new InstancePayload(null, [UserError.At(ErrorCodes.InvalidFormat, "'instanceId' is an instance id.", "instanceId")])),
        });

        composer.Mutation.AddField(new FieldType
        {
            Name = "retryProcessInstance",
            Description = "Takes a FAILED instance on again from the step it failed at (its effect may have happened already: the settings right only). An instance an outside step of which was cut off by its host fails with INTERRUPTED rather than take the step twice; this takes it again.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c => RecordIds.TryParse(c.GetArgument<object>("id"), out var id)
                ? await new ProcessInstances(c.RequestServices!).RetryAsync(id, c.CancellationToken)
                : new InstancePayload(null, [UserError.At(ErrorCodes.InvalidFormat, "'id' is an instance id.", "id")])),
        });

        var approvalPayload = new ObjectGraphType { Name = "ProcessApprovalPayload", Description = "The approval after your decision, or why it was refused." };
        approvalPayload.AddField(new FieldType { Name = "approval", ResolvedType = approval, Resolver = new FuncFieldResolver<object?>(c => ((ApprovalPayload)c.Source!).Approval) });
        approvalPayload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((ApprovalPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "completeApproval",
            Description = $"Your decision on an open approval you are an assignee of; comment: at most {ProcessLimits.MaxCommentLength} characters.",
            ResolvedType = new NonNullGraphType(approvalPayload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(decision)) { Name = "decision" },
                new QueryArgument<StringGraphType> { Name = "comment" }),
            Resolver = new FuncFieldResolver<object?>(async c => RecordIds.TryParse(c.GetArgument<object>("id"), out var id)
                ? await new Approvals(c.RequestServices!).CompleteAsync(id, c.GetArgument<ApprovalDecision>("decision"), c.GetArgument<string?>("comment"), c.CancellationToken)
                : new ApprovalPayload(null, [UserError.At(ErrorCodes.InvalidFormat, "'id' is an approval id.", "id")])),
        });
    }

    private static object? Steps(IResolveFieldContext c)
    {
        var services = c.RequestServices!;
        var loader = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, List<ProcessStepRun>>("automation.processSteps", async (ids, token) =>
            (await services.GetRequiredService<AutomationDbContext>().ProcessStepRuns.AsNoTracking().Where(s => ids.Contains(s.InstanceId)).OrderBy(s => s.Id).ToListAsync(token))
                .GroupBy(s => s.InstanceId).ToDictionary(g => g.Key, g => g.ToList()));
        return new ChainedResult<List<ProcessStepRun>?>(loader.Load(((ProcessInstance)c.Source!).Id), list => list ?? []);
    }

    private static object? ApprovalsOf(IResolveFieldContext c)
    {
        var services = c.RequestServices!;
        var loader = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, List<ProcessApproval>>("automation.processApprovals", async (ids, token) =>
            (await services.GetRequiredService<AutomationDbContext>().ProcessApprovals.AsNoTracking().Include(a => a.Assignees).Where(a => ids.Contains(a.InstanceId)).OrderBy(a => a.Id).ToListAsync(token))
                .GroupBy(a => a.InstanceId).ToDictionary(g => g.Key, g => g.ToList()));
        return new ChainedResult<List<ProcessApproval>?>(loader.Load(((ProcessInstance)c.Source!).Id), list => list ?? []);
    }

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
