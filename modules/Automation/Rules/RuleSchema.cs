using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Definitions;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Rules;

/// <summary>
/// Rules over GraphQL: <c>automationRules</c>, <c>automationRule</c> and the mutations of their
/// versions (<see cref="RuleStore"/>). Everything needs the settings right: rules act with their
/// run-as user's rights, so who edits them must be trusted with the CRM's configuration.
/// </summary>
public sealed class RuleSchema : ISchemaContributor
{
    /// <summary>The most rules <c>automationRules</c> answers (the oldest first).</summary>
    public const int MaxListed = 1_000;

    public void Contribute(SchemaComposer composer)
    {
        var types = composer.Types;
        var json = types.Json;
        var state = AutomationGraphTypes.Enum<DefinitionState>("AutomationRuleState", "Where a rule version is in its life.");
        var mode = AutomationGraphTypes.Enum<TimingMode>("AutomationTimingMode", "When an action runs.");
        var policy = AutomationGraphTypes.Enum<ErrorPolicy>("AutomationErrorPolicy", "What a failed action does to the rest of its run.");

        var step = new ObjectGraphType { Name = "AutomationStep", Description = "A trigger or action kind of the catalog with its parameters." };
        step.AddField(SharedGraphTypes.Field<RuleStep>("kind", typeof(NonNullGraphType<StringGraphType>), s => s.Kind));
        step.AddField(new FieldType { Name = "params", ResolvedType = new NonNullGraphType(json), Resolver = new FuncFieldResolver<object?>(c => ((RuleStep)c.Source!).Params) });

        var timing = new ObjectGraphType { Name = "AutomationTiming", Description = "When an action runs." };
        timing.AddField(new FieldType { Name = "mode", ResolvedType = new NonNullGraphType(mode), Resolver = new FuncFieldResolver<object?>(c => ((ActionTiming)c.Source!).Mode) });
        timing.AddField(SharedGraphTypes.Field<ActionTiming>("delay", typeof(StringGraphType), t => t.Delay is { } d ? System.Xml.XmlConvert.ToString(d) : null, "An ISO 8601 duration."));
        timing.AddField(SharedGraphTypes.Field<ActionTiming>("field", typeof(StringGraphType), t => t.Field, "The date field it is relative to."));
        timing.AddField(SharedGraphTypes.Field<ActionTiming>("timeOfDay", typeof(StringGraphType), t => t.TimeOfDay, "HH:mm, UTC."));
        timing.AddField(SharedGraphTypes.Field<ActionTiming>("workingHoursOnly", typeof(NonNullGraphType<BooleanGraphType>), t => t.WorkingHoursOnly));

        var action = new ObjectGraphType { Name = "AutomationRuleAction", Description = "One action of a rule, in order." };
        action.AddField(SharedGraphTypes.Field<RuleAction>("kind", typeof(NonNullGraphType<StringGraphType>), a => a.Kind));
        action.AddField(new FieldType { Name = "params", ResolvedType = new NonNullGraphType(json), Resolver = new FuncFieldResolver<object?>(c => ((RuleAction)c.Source!).Params) });
        action.AddField(new FieldType { Name = "timing", ResolvedType = new NonNullGraphType(timing), Resolver = new FuncFieldResolver<object?>(c => ((RuleAction)c.Source!).Timing) });
        action.AddField(new FieldType { Name = "onError", ResolvedType = new NonNullGraphType(policy), Resolver = new FuncFieldResolver<object?>(c => ((RuleAction)c.Source!).OnError) });
        action.AddField(SharedGraphTypes.Field<RuleAction>("retries", typeof(NonNullGraphType<IntGraphType>), a => a.Retries));

        var version = new ObjectGraphType { Name = "AutomationRuleVersion", Description = "One version of a rule; immutable once activated (runs pin the version they started with)." };
        version.AddField(SharedGraphTypes.Field<AutomationRuleVersion>("version", typeof(NonNullGraphType<IntGraphType>), v => v.Version));
        version.AddField(new FieldType { Name = "state", ResolvedType = new NonNullGraphType(state), Resolver = new FuncFieldResolver<object?>(c => ((AutomationRuleVersion)c.Source!).State) });
        version.AddField(SharedGraphTypes.Field<AutomationRuleVersion>("name", typeof(NonNullGraphType<StringGraphType>), v => v.Name));
        version.AddField(SharedGraphTypes.Field<AutomationRuleVersion>("description", typeof(StringGraphType), v => v.Description));
        version.AddField(new FieldType { Name = "trigger", ResolvedType = new NonNullGraphType(step), Resolver = new FuncFieldResolver<object?>(c => Definition(c).Trigger) });
        version.AddField(new FieldType { Name = "condition", ResolvedType = json, Description = "The condition tree; null: always.", Resolver = new FuncFieldResolver<object?>(c => Definition(c).Condition) });
        version.AddField(new FieldType { Name = "actions", ResolvedType = SchemaComposer.NonNullList(action), Resolver = new FuncFieldResolver<object?>(c => Definition(c).Actions) });
        version.AddField(new FieldType { Name = "scope", ResolvedType = json, Description = "Its scope on its record type ({ pipelineId: 3 }); null: the whole type.", Resolver = new FuncFieldResolver<object?>(c => Definition(c).Scope) });
        version.AddField(new FieldType { Name = "allowSelfTrigger", ResolvedType = new NonNullGraphType(new BooleanGraphType()), Resolver = new FuncFieldResolver<object?>(c => Definition(c).AllowSelfTrigger) });
        version.AddField(new FieldType { Name = "keepWhenStageLeft", ResolvedType = new NonNullGraphType(new BooleanGraphType()), Resolver = new FuncFieldResolver<object?>(c => Definition(c).KeepWhenStageLeft) });
        version.AddField(SharedGraphTypes.Field<AutomationRuleVersion>("runAsUserId", typeof(NonNullGraphType<IdGraphType>), v => v.RunAsUserId.ToString(CultureInfo.InvariantCulture), "The user whose rights its runs have."));
        composer.AddUserField<AutomationRuleVersion>(version, "runAs", "The user whose rights its runs have (null once deleted).", v => v.RunAsUserId);
        version.AddField(SharedGraphTypes.Field<AutomationRuleVersion>("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), v => Utc(v.CreatedAt)));
        version.AddField(SharedGraphTypes.Field<AutomationRuleVersion>("updatedAt", typeof(NonNullGraphType<DateTimeGraphType>), v => Utc(v.UpdatedAt)));
        version.AddField(SharedGraphTypes.Field<AutomationRuleVersion>("activatedAt", typeof(DateTimeGraphType), v => v.ActivatedAt is { } t ? Utc(t) : null));
        version.AddField(SharedGraphTypes.Field<AutomationRuleVersion>("archivedAt", typeof(DateTimeGraphType), v => v.ArchivedAt is { } t ? Utc(t) : null));

        var rule = new ObjectGraphType { Name = "AutomationRule", Description = "An automation rule of a record type, with its versions." };
        rule.AddField(SharedGraphTypes.Field<AutomationRule>("id", typeof(NonNullGraphType<IdGraphType>), r => r.Id.ToString(CultureInfo.InvariantCulture)));
        rule.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(types.CrmEntityType), Resolver = new FuncFieldResolver<object?>(c => ((AutomationRule)c.Source!).EntityType) });
        rule.AddField(new FieldType
        {
            Name = "active",
            Description = "The version that runs; null when none does.",
            ResolvedType = version,
            Resolver = new FuncFieldResolver<object?>(c => new ChainedResult<List<AutomationRuleVersion>?>(Versions(c), v => v?.FirstOrDefault(x => x.State == DefinitionState.Active))),
        });
        rule.AddField(new FieldType
        {
            Name = "draft",
            Description = "The version being edited; null when none is.",
            ResolvedType = version,
            Resolver = new FuncFieldResolver<object?>(c => new ChainedResult<List<AutomationRuleVersion>?>(Versions(c), v => v?.FirstOrDefault(x => x.State == DefinitionState.Draft))),
        });
        rule.AddField(new FieldType
        {
            Name = "versions",
            Description = $"Its latest versions, newest first (at most {RuleLimits.MaxListedVersions.ToString(CultureInfo.InvariantCulture)}).",
            ResolvedType = SchemaComposer.NonNullList(version),
            Resolver = new FuncFieldResolver<object?>(c => Versions(c)),
        });
        rule.AddField(SharedGraphTypes.Field<AutomationRule>("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), r => Utc(r.CreatedAt)));
        rule.AddField(SharedGraphTypes.Field<AutomationRule>("updatedAt", typeof(NonNullGraphType<DateTimeGraphType>), r => Utc(r.UpdatedAt)));

        AddQueries(composer, rule, state);
        AddMutations(composer, rule, json, mode, policy);
    }

    private static void AddQueries(SchemaComposer composer, IGraphType rule, IGraphType state)
    {
        composer.Query.AddField(new FieldType
        {
            Name = "automationRules",
            Description = $"The automation rules, oldest first (at most {MaxListed.ToString(CultureInfo.InvariantCulture)}), of one record type or all, with an active version or not. Needs the settings right.",
            ResolvedType = SchemaComposer.NonNullList(rule),
            Arguments = new QueryArguments(
                new QueryArgument(composer.Types.CrmEntityType) { Name = "entityType" },
                new QueryArgument<BooleanGraphType> { Name = "active", Description = "true: only rules with an active version; false: only those without." }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                Authorize(c);
                var services = c.RequestServices!;
                var db = services.GetRequiredService<AutomationDbContext>();
                var query = db.Rules.AsNoTracking();
                // A disabled module's types are out of the schema: their rules stay stored, but are not listed.
                var outOfService = services.GetRequiredService<IEntityRegistry>().OutOfServiceNames(services);
                if (outOfService.Count > 0)
                {
                    query = query.Where(r => !outOfService.Contains(r.EntityType));
                }

                if (c.GetArgument<string?>("entityType") is { } entityType)
                {
                    query = query.Where(r => r.EntityType == entityType);
                }

                if (c.GetArgument<bool?>("active") is { } active)
                {
                    query = active ? query.Where(r => r.ActiveVersion != null) : query.Where(r => r.ActiveVersion == null);
                }

                return await query.OrderBy(r => r.Id).Take(MaxListed).ToListAsync(c.CancellationToken);
            }),
        });

        composer.Query.AddField(new FieldType
        {
            Name = "automationRule",
            Description = "One automation rule; null when there is none of that id. Needs the settings right.",
            ResolvedType = rule,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                Authorize(c);
                var raw = c.GetArgument<object>("id");
                if (!RecordIds.TryParse(raw, out var id))
                {
                    throw ErrorCodes.Error(ErrorCodes.InvalidFormat, "'id' is not a rule id.");
                }

                return await c.RequestServices!.GetRequiredService<AutomationDbContext>().Rules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, c.CancellationToken);
            }),
        });
        _ = state;
    }

    private static void AddMutations(SchemaComposer composer, IGraphType rule, IGraphType json, IGraphType mode, IGraphType policy)
    {
        var payload = new ObjectGraphType { Name = "AutomationRulePayload", Description = "The rule as written, or why it was not." };
        payload.AddField(new FieldType { Name = "rule", ResolvedType = rule, Resolver = new FuncFieldResolver<object?>(c => ((DefinitionPayload<AutomationRule>)c.Source!).Definition) });
        payload.AddField(SharedGraphTypes.Field<DefinitionPayload<AutomationRule>>("deletedId", typeof(IdGraphType), p => p.DeletedId?.ToString(CultureInfo.InvariantCulture), "The deleted rule's id (deleteAutomationRule)."));
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((DefinitionPayload<AutomationRule>)c.Source!).Errors) });

        var stepInput = new InputObjectGraphType { Name = "AutomationStepInput", Description = "A kind of automationCatalog and its parameters (as its parameter schema says)." };
        stepInput.AddField(new FieldType { Name = "kind", Type = typeof(NonNullGraphType<StringGraphType>) });
        stepInput.AddField(new FieldType { Name = "params", ResolvedType = json, Description = "A JSON object; null or left out: none." });

        var timingInput = new InputObjectGraphType { Name = "AutomationTimingInput", Description = "When an action runs (IMMEDIATELY when left out)." };
        timingInput.AddField(new FieldType { Name = "mode", ResolvedType = new NonNullGraphType(mode) });
        timingInput.AddField(new FieldType { Name = "delay", Type = typeof(StringGraphType), Description = $"An ISO 8601 duration (PT30M, P3D): after a delay at least Automation:MinDelay (a minute by default), at most {Crm.PluginSdk.Automation.ParameterValidator.MaxDuration.TotalDays.ToString(CultureInfo.InvariantCulture)} days." });
        timingInput.AddField(new FieldType { Name = "field", Type = typeof(StringGraphType), Description = "A date field of the record (BEFORE_FIELD, AFTER_FIELD)." });
        timingInput.AddField(new FieldType { Name = "timeOfDay", Type = typeof(StringGraphType), Description = "HH:mm, UTC (AT_TIME_OF_DAY)." });
        timingInput.AddField(new FieldType { Name = "workingHoursOnly", Type = typeof(BooleanGraphType), DefaultValue = false });

        var actionInput = new InputObjectGraphType { Name = "AutomationActionInput", Description = "One action of a rule." };
        actionInput.AddField(new FieldType { Name = "kind", Type = typeof(NonNullGraphType<StringGraphType>) });
        actionInput.AddField(new FieldType { Name = "params", ResolvedType = json });
        actionInput.AddField(new FieldType { Name = "timing", ResolvedType = timingInput });
        actionInput.AddField(new FieldType { Name = "onError", ResolvedType = policy, DefaultValue = ErrorPolicy.Stop });
        actionInput.AddField(new FieldType { Name = "retries", Type = typeof(IntGraphType), DefaultValue = 0, Description = $"1 to {RuleLimits.MaxRetries.ToString(CultureInfo.InvariantCulture)} with onError RETRY." });

        var input = new InputObjectGraphType { Name = "AutomationRuleInput", Description = "A rule's content: saving it makes (or edits) the rule's draft." };
        input.AddField(new FieldType { Name = "name", Type = typeof(NonNullGraphType<StringGraphType>), Description = $"At most {RuleLimits.MaxNameLength.ToString(CultureInfo.InvariantCulture)} characters." });
        input.AddField(new FieldType { Name = "description", Type = typeof(StringGraphType) });
        input.AddField(new FieldType { Name = "trigger", ResolvedType = new NonNullGraphType(stepInput) });
        input.AddField(new FieldType { Name = "condition", ResolvedType = json, Description = $"A condition tree (README, Automation); null: always. At most {RuleLimits.MaxConditionNodes.ToString(CultureInfo.InvariantCulture)} nodes, {RuleLimits.MaxConditionDepth.ToString(CultureInfo.InvariantCulture)} levels." });
        input.AddField(new FieldType { Name = "actions", ResolvedType = new NonNullGraphType(new ListGraphType(new NonNullGraphType(actionInput))), Description = $"1 to {RuleLimits.MaxActions.ToString(CultureInfo.InvariantCulture)}, run in order." });
        input.AddField(new FieldType { Name = "runAsUserId", Type = typeof(IdGraphType), Description = "The user whose rights its runs have; you when left out." });
        input.AddField(new FieldType { Name = "scope", ResolvedType = json, Description = "The rule's scope on its record type: values of its partition fields ({ pipelineId: 3 } for deals); it runs only for records within it, and its stages and field values are checked there. Null: the whole type." });
        input.AddField(new FieldType { Name = "allowSelfTrigger", Type = typeof(BooleanGraphType), DefaultValue = false, Description = "Whether the rule's own changes may start it again." });
        input.AddField(new FieldType { Name = "keepWhenStageLeft", Type = typeof(BooleanGraphType), DefaultValue = false, Description = "Whether a run waiting at an action goes on when its record left the stage (or status) it started in; by default it is cancelled." });

        composer.Mutation.AddField(Mutation("createAutomationRule", "Makes a rule of a record type, its first version a draft. Needs the settings right.", payload,
            new QueryArguments(
                new QueryArgument(new NonNullGraphType(composer.Types.CrmEntityType)) { Name = "entityType" },
                new QueryArgument(new NonNullGraphType(input)) { Name = "input" }),
            (store, c) => store.CreateAsync(c.GetArgument<string>("entityType"), Input(c), c.CancellationToken)));
        composer.Mutation.AddField(Mutation("updateAutomationRule", "Saves the rule's draft (a new version when it has none): the active version runs on until the draft is activated.", payload,
            new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(input)) { Name = "input" }),
            WithId((store, id, c) => store.UpdateAsync(id, Input(c), c.CancellationToken))));
        composer.Mutation.AddField(Mutation("activateAutomationRule", "Makes the draft the active version and archives the one before (runs already started keep theirs).", payload,
            new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            WithId((store, id, c) => store.ActivateAsync(id, c.CancellationToken))));
        composer.Mutation.AddField(Mutation("deactivateAutomationRule", "Archives the active version: the rule no longer runs.", payload,
            new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            WithId((store, id, c) => store.DeactivateAsync(id, c.CancellationToken))));
        composer.Mutation.AddField(Mutation("deleteAutomationRule", "Deletes the rule with all its versions.", payload,
            new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            WithId((store, id, c) => store.DeleteAsync(id, c.CancellationToken))));
    }

    private static FieldType Mutation(string name, string description, IGraphType payload, QueryArguments arguments, Func<RuleStore, IResolveFieldContext, Task<DefinitionPayload<AutomationRule>>> write) => new()
    {
        Name = name,
        Description = description,
        ResolvedType = new NonNullGraphType(payload),
        Arguments = arguments,
        Resolver = new FuncFieldResolver<object?>(async c => await write(new RuleStore(c.RequestServices!), c)),
    };

    private static Func<RuleStore, IResolveFieldContext, Task<DefinitionPayload<AutomationRule>>> WithId(Func<RuleStore, long, IResolveFieldContext, Task<DefinitionPayload<AutomationRule>>> write) => async (store, c) =>
    {
        var raw = c.GetArgument<object>("id");
        return RecordIds.TryParse(raw, out var id)
            ? await write(store, id, c)
            : store.InvalidId(raw);
    };

    private static RuleInput Input(IResolveFieldContext c)
    {
        IDictionary<string, object?> input = c.GetArgument<Dictionary<string, object?>>("input");
        long? runAs = V(input, "runAsUserId") is { } raw && RecordIds.TryParse(raw, out var id) ? id : V(input, "runAsUserId") is null ? null : -1;
        return new RuleInput(
            V(input, "name") as string,
            V(input, "description") as string,
            Step(V(input, "trigger")),
            V(input, "condition") as JsonNode,
            (V(input, "actions") as IEnumerable<object?> ?? []).Select(a =>
            {
                var action = (IDictionary<string, object?>)a!;
                return new RuleActionInput(
                    V(action, "kind") as string,
                    V(action, "params") as JsonNode,
                    V(action, "timing") is IDictionary<string, object?> timing
                        ? new TimingInput((TimingMode)V(timing, "mode")!, V(timing, "delay") as string, V(timing, "field") as string,
                            V(timing, "timeOfDay") as string, V(timing, "workingHoursOnly") as bool? ?? false)
                        : null,
                    V(action, "onError") as ErrorPolicy? ?? ErrorPolicy.Stop,
                    V(action, "retries") as int? ?? 0);
            }).ToList(),
            runAs,
            V(input, "allowSelfTrigger") as bool? ?? false,
            V(input, "scope") as JsonNode,
            V(input, "keepWhenStageLeft") as bool? ?? false);
    }

    private static RuleStepInput? Step(object? value) =>
        value is IDictionary<string, object?> step ? new RuleStepInput(V(step, "kind") as string, V(step, "params") as JsonNode) : null;

    private static object? V(IDictionary<string, object?> values, string key) => values.TryGetValue(key, out var value) ? value : null;

    private static void Authorize(IResolveFieldContext c)
    {
        if (!c.RequestServices!.GetRequiredService<ICurrentActor>().CanConfigure)
        {
            throw ErrorCodes.Error(ErrorCodes.Forbidden, SettingsRight.Refusal("Reading automation rules"));
        }
    }

    private static RuleDefinition Definition(IResolveFieldContext c) => RuleDefinition.FromJson(((AutomationRuleVersion)c.Source!).Definition);

    /// <summary>The rule's latest versions, newest first, loaded for every rule of the answer in one statement.</summary>
    private static GraphQL.DataLoader.IDataLoaderResult<List<AutomationRuleVersion>?> Versions(IResolveFieldContext c)
    {
        var services = c.RequestServices!;
        return services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, List<AutomationRuleVersion>>("automation.ruleVersions", async (ids, token) =>
        {
            var db = services.GetRequiredService<AutomationDbContext>();
            var versions = await db.RuleVersions.AsNoTracking()
                .Where(v => ids.Contains(v.RuleId) && v.Version > db.Rules.Where(r => r.Id == v.RuleId).Select(r => r.LatestVersion).First() - RuleLimits.MaxListedVersions)
                .ToListAsync(token);
            return versions.GroupBy(v => v.RuleId).ToDictionary(g => g.Key, g => g.OrderByDescending(v => v.Version).ToList());
        }).Load(((AutomationRule)c.Source!).Id);
    }

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
