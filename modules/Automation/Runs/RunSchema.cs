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
/// <c>automationRuns</c>: the run log, newest first. Whoever may read a record sees its runs; the
/// runs of a whole rule, or of everything, need the settings right.
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
            Description = $"Runs, newest first: of one record (whoever may read it), else of one rule or all (the settings right). first: default {DefaultPageSize}, at most {MaxPageSize}.",
            ResolvedType = SchemaComposer.NonNullList(run),
            Arguments = new QueryArguments(
                new QueryArgument<IdGraphType> { Name = "ruleId" },
                new QueryArgument(composer.Types.CrmEntityType) { Name = "entityType" },
                new QueryArgument<IdGraphType> { Name = "entityId" },
                new QueryArgument<IntGraphType> { Name = "first" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var services = c.RequestServices!;
                var first = c.GetArgument<int?>("first") ?? DefaultPageSize;
                if (first is < 1 or > MaxPageSize)
                {
                    throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'first' is 1 to {MaxPageSize}.");
                }

                var query = services.GetRequiredService<AutomationDbContext>().Runs.AsNoTracking();
                if (c.GetArgument<object?>("ruleId") is { } rawRule)
                {
                    query = RecordIds.TryParse(rawRule, out var ruleId) ? query.Where(r => r.RuleId == ruleId) : throw ErrorCodes.Error(ErrorCodes.InvalidFormat, "'ruleId' is not a rule id.");
                }

                var entityType = c.GetArgument<string?>("entityType");
                var rawEntity = c.GetArgument<object?>("entityId");
                if (entityType is not null && rawEntity is not null)
                {
                    if (!RecordIds.TryParse(rawEntity, out var entityId) || composer.Registry.Find(entityType) is not ICrmEntityDefinition type)
                    {
                        throw ErrorCodes.Error(ErrorCodes.InvalidFormat, "'entityId' is not a record id of that type.");
                    }

                    if (!await type.ReachesAsync(services, entityId, PermissionAction.Read, c.CancellationToken))
                    {
                        throw ErrorCodes.Error(ErrorCodes.Forbidden, $"You cannot read {type.Name} {entityId.ToString(CultureInfo.InvariantCulture)}, so neither its runs.");
                    }

                    query = query.Where(r => r.EntityType == type.Name && r.EntityId == entityId);
                }
                else if (entityType is not null || rawEntity is not null)
                {
                    throw ErrorCodes.Error(ErrorCodes.InvalidFormat, "'entityType' and 'entityId' go together.");
                }
                else if (!services.GetRequiredService<ICurrentActor>().CanConfigure)
                {
                    throw ErrorCodes.Error(ErrorCodes.Forbidden, SettingsRight.Refusal("Reading the runs of rules beyond one record"));
                }

                return await query.OrderByDescending(r => r.Id).Take(first).ToListAsync(c.CancellationToken);
            }),
        });
    }
}
