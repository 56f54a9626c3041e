using System.Globalization;
using System.Text.Json;
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

namespace Crm.Modules.Automation.Runs;

/// <summary>
/// <c>automationRuns</c>: the run log, newest first (<see cref="RunQuery"/>). Whoever may read a
/// record sees its runs; the settings right sees every run.
/// </summary>
public sealed class RunSchema : ISchemaContributor
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public void Contribute(SchemaComposer composer)
    {
        var status = AutomationGraphTypes.Enum<RunStatus>("AutomationRunStatus", "How a run ended, or that it is under way.");

        var run = new ObjectGraphType { Name = "AutomationRun", Description = "One run of a rule's version on a record." };
        run.AddField(SharedGraphTypes.Field<AutomationRun>("id", typeof(NonNullGraphType<IdGraphType>), r => r.RunId.ToString()));
        run.AddField(SharedGraphTypes.Field<AutomationRun>("ruleId", typeof(NonNullGraphType<IdGraphType>), r => r.RuleId.ToString(CultureInfo.InvariantCulture)));
        run.AddField(SharedGraphTypes.Field<AutomationRun>("ruleVersion", typeof(NonNullGraphType<IntGraphType>), r => r.RuleVersion, "The version the run pinned."));
        run.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(composer.Types.CrmEntityType), Resolver = new FuncFieldResolver<object?>(c => ((AutomationRun)c.Source!).EntityType) });
        run.AddField(SharedGraphTypes.Field<AutomationRun>("entityId", typeof(NonNullGraphType<IdGraphType>), r => r.EntityId.ToString(CultureInfo.InvariantCulture)));
        run.AddField(SharedGraphTypes.Field<AutomationRun>("eventId", typeof(NonNullGraphType<IdGraphType>), r => r.EventId.ToString(), "The event that started it."));
        run.AddField(SharedGraphTypes.Field<AutomationRun>("eventType", typeof(NonNullGraphType<StringGraphType>), r => r.EventType));
        run.AddField(SharedGraphTypes.Field<AutomationRun>("depth", typeof(NonNullGraphType<IntGraphType>), r => r.Depth, "Its place in a cascade of rules (1: started by a change no rule made)."));
        run.AddField(new FieldType { Name = "status", ResolvedType = new NonNullGraphType(status), Resolver = new FuncFieldResolver<object?>(c => ((AutomationRun)c.Source!).Status) });
        run.AddField(SharedGraphTypes.Field<AutomationRun>("conditionResult", typeof(BooleanGraphType), r => r.ConditionResult, "Whether the condition held; null when the run ended before testing it."));
        run.AddField(SharedGraphTypes.Field<AutomationRun>("runAsUserId", typeof(NonNullGraphType<IdGraphType>), r => r.RunAsUserId.ToString(CultureInfo.InvariantCulture)));
        run.AddField(new FieldType
        {
            Name = "steps",
            Description = "Each action's outcome in order: { kind status code message output sideEffects attempts milliseconds }.",
            ResolvedType = new NonNullGraphType(composer.Types.Json),
            Resolver = new FuncFieldResolver<object?>(c => JsonNode.Parse(((AutomationRun)c.Source!).Steps)),
        });
        run.AddField(SharedGraphTypes.Field<AutomationRun>("error", typeof(StringGraphType), r => r.Error, "Why it failed: a code, a colon, the reason."));
        run.AddField(SharedGraphTypes.Field<AutomationRun>("startedAt", typeof(NonNullGraphType<DateTimeGraphType>), r => DateTime.SpecifyKind(r.StartedAt, DateTimeKind.Utc)));
        run.AddField(SharedGraphTypes.Field<AutomationRun>("retryOf", typeof(IdGraphType), r => r.RetryOf?.ToString(), "The failed run this one retries (retryRun); null for a first run."));
        run.AddField(SharedGraphTypes.Field<AutomationRun>("finishedAt", typeof(DateTimeGraphType), r => r.FinishedAt is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null));

        composer.Query.AddField(new FieldType
        {
            Name = "automationRuns",
            Description = $"Runs, newest first, that you may see: with the settings right all, else the runs of the records you may read. where: rule, record, statuses, start time; after: the id of the last run seen. first: default {DefaultPageSize}, at most {MaxPageSize}. ruleId, entityType and entityId: as in where (kept for older clients).",
            ResolvedType = SchemaComposer.NonNullList(run),
            Arguments = new QueryArguments(
                new QueryArgument(RunQuery.FilterType(composer, status)) { Name = "where" },
                new QueryArgument<IntGraphType> { Name = "first" },
                new QueryArgument<IdGraphType> { Name = "after", Description = "The id of the last run seen: the page goes on with older ones." },
                new QueryArgument<IdGraphType> { Name = "ruleId" },
                new QueryArgument(composer.Types.CrmEntityType) { Name = "entityType" },
                new QueryArgument<IdGraphType> { Name = "entityId" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var first = c.GetArgument<int?>("first") ?? DefaultPageSize;
                return first is < 1 or > MaxPageSize
                    ? throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'first' is 1 to {MaxPageSize}.")
                    : await RunQuery.PageAsync(c, composer.Registry, first);
            }),
        });

        var cancelPayload = new ObjectGraphType { Name = "CancelAutomationRunPayload", Description = "The run as cancelled, or why it was not." };
        cancelPayload.AddField(new FieldType { Name = "run", ResolvedType = run, Resolver = new FuncFieldResolver<object?>(c => ((CancelRunPayload)c.Source!).Run) });
        cancelPayload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((CancelRunPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "cancelRun",
            Description = "Cancels a run waiting at an action, with its scheduled work: it goes no further. Needs the settings right.",
            ResolvedType = new NonNullGraphType(cancelPayload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "runId" }),
            Resolver = new FuncFieldResolver<object?>(async c => await CancelAsync(c.RequestServices!, c.GetArgument<object>("runId"), c.CancellationToken)),
        });
    }

    private sealed record CancelRunPayload(AutomationRun? Run, IReadOnlyList<UserError> Errors);

    private static async Task<CancelRunPayload> CancelAsync(IServiceProvider services, object rawId, CancellationToken cancellationToken)
    {
        var actor = services.GetRequiredService<ICurrentActor>();
        if (!actor.CanConfigure)
        {
            return new CancelRunPayload(null, [UserError.At(ErrorCodes.Forbidden, SettingsRight.Refusal("Cancelling a run"), "runId")]);
        }

        if (!Guid.TryParse(rawId?.ToString(), out var runId))
        {
            return new CancelRunPayload(null, [UserError.At(ErrorCodes.InvalidFormat, "'runId' is a run's id (a UUID).", "runId")]);
        }

        var db = services.GetRequiredService<AutomationDbContext>();
        var found = await db.Runs.FirstOrDefaultAsync(r => r.RunId == runId, cancellationToken);
        if (found is null)
        {
            return new CancelRunPayload(null, [UserError.At(ErrorCodes.NotFound, $"No automation run {runId}.", "runId")]);
        }

        // Only a waiting run can be stopped: one under way finishes its action, and taking its wait is what decides the race with its work.
        if (found.Status != RunStatus.Waiting || !await services.GetRequiredService<Waits.RunWaits>().CancelAsync(found.Id, cancellationToken))
        {
            return new CancelRunPayload(null, [UserError.At(ErrorCodes.InvalidValue, $"The run is {found.Status.ToString().ToUpperInvariant()}, not waiting: it cannot be cancelled.", "runId")]);
        }

        found.Status = RunStatus.Cancelled;
        found.Error = $"CANCELLED: by user {actor.UserId?.ToString(CultureInfo.InvariantCulture) ?? "system"}.";
        found.FinishedAt = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return new CancelRunPayload(found, []);
    }
}
