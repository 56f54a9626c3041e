using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Definitions;
using Crm.Modules.Automation.Rules;
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
/// Business processes over GraphQL: <c>businessProcesses</c>, <c>businessProcess</c> and the
/// mutations of their versions (<see cref="ProcessStore"/>). Everything needs the settings right.
/// </summary>
public sealed class ProcessSchema : ISchemaContributor
{
    /// <summary>The most processes <c>businessProcesses</c> answers (the oldest first).</summary>
    public const int MaxListed = 1_000;

    public void Contribute(SchemaComposer composer)
    {
        var types = composer.Types;
        var json = types.Json;
        var state = AutomationGraphTypes.Enum<DefinitionState>("BusinessProcessState", "Where a process version is in its life.");
        var startMode = AutomationGraphTypes.Enum<StartMode>("BusinessProcessStart", "What starts a process's instances.");

        var version = new ObjectGraphType { Name = "BusinessProcessVersion", Description = "One version of a process; immutable once activated (instances pin the version they started with)." };
        version.AddField(SharedGraphTypes.Field<BusinessProcessVersion>("version", typeof(NonNullGraphType<IntGraphType>), v => v.Version));
        version.AddField(new FieldType { Name = "state", ResolvedType = new NonNullGraphType(state), Resolver = new FuncFieldResolver<object?>(c => ((BusinessProcessVersion)c.Source!).State) });
        version.AddField(SharedGraphTypes.Field<BusinessProcessVersion>("name", typeof(NonNullGraphType<StringGraphType>), v => v.Name));
        version.AddField(SharedGraphTypes.Field<BusinessProcessVersion>("description", typeof(StringGraphType), v => v.Description));
        version.AddField(new FieldType { Name = "start", ResolvedType = new NonNullGraphType(startMode), Resolver = new FuncFieldResolver<object?>(c => Definition(c).Start) });
        version.AddField(new FieldType { Name = "startCondition", ResolvedType = json, Description = "The condition tree a start by an event needs; null: none.", Resolver = new FuncFieldResolver<object?>(c => Definition(c).StartCondition) });
        version.AddField(new FieldType { Name = "graph", ResolvedType = new NonNullGraphType(json), Description = "{ steps: [{ id kind name params position }], edges: [{ from to when }] }, as saved.", Resolver = new FuncFieldResolver<object?>(c => Definition(c).Graph()) });
        version.AddField(new FieldType { Name = "allowConcurrentInstances", ResolvedType = new NonNullGraphType(new BooleanGraphType()), Resolver = new FuncFieldResolver<object?>(c => Definition(c).AllowConcurrentInstances) });
        version.AddField(SharedGraphTypes.Field<BusinessProcessVersion>("runAsUserId", typeof(NonNullGraphType<IdGraphType>), v => v.RunAsUserId.ToString(CultureInfo.InvariantCulture), "The user whose rights its instances have."));
        version.AddField(SharedGraphTypes.Field<BusinessProcessVersion>("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), v => Utc(v.CreatedAt)));
        version.AddField(SharedGraphTypes.Field<BusinessProcessVersion>("updatedAt", typeof(NonNullGraphType<DateTimeGraphType>), v => Utc(v.UpdatedAt)));
        version.AddField(SharedGraphTypes.Field<BusinessProcessVersion>("activatedAt", typeof(DateTimeGraphType), v => v.ActivatedAt is { } t ? Utc(t) : null));

        var process = new ObjectGraphType { Name = "BusinessProcess", Description = "A business process of a record type, with its versions." };
        process.AddField(SharedGraphTypes.Field<BusinessProcess>("id", typeof(NonNullGraphType<IdGraphType>), p => p.Id.ToString(CultureInfo.InvariantCulture)));
        process.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(types.CrmEntityType), Resolver = new FuncFieldResolver<object?>(c => ((BusinessProcess)c.Source!).EntityType) });
        process.AddField(SharedGraphTypes.Field<BusinessProcess>("templateKey", typeof(StringGraphType), p => p.TemplateKey, "The shipped template it was installed from; null for one an admin made."));
        process.AddField(new FieldType { Name = "active", ResolvedType = version, Description = "The version new instances start with; null when none.", Resolver = new FuncFieldResolver<object?>(c => new ChainedResult<List<BusinessProcessVersion>?>(Versions(c), v => v?.FirstOrDefault(x => x.State == DefinitionState.Active))) });
        process.AddField(new FieldType { Name = "draft", ResolvedType = version, Description = "The version being edited; null when none is.", Resolver = new FuncFieldResolver<object?>(c => new ChainedResult<List<BusinessProcessVersion>?>(Versions(c), v => v?.FirstOrDefault(x => x.State == DefinitionState.Draft))) });
        process.AddField(new FieldType { Name = "versions", ResolvedType = SchemaComposer.NonNullList(version), Description = $"Its latest versions, newest first (at most {RuleLimits.MaxListedVersions}).", Resolver = new FuncFieldResolver<object?>(c => Versions(c)) });
        process.AddField(SharedGraphTypes.Field<BusinessProcess>("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), p => Utc(p.CreatedAt)));
        process.AddField(SharedGraphTypes.Field<BusinessProcess>("updatedAt", typeof(NonNullGraphType<DateTimeGraphType>), p => Utc(p.UpdatedAt)));

        composer.Query.AddField(new FieldType
        {
            Name = "businessProcesses",
            Description = $"The business processes, oldest first (at most {MaxListed}), of one record type or all. Needs the settings right.",
            ResolvedType = SchemaComposer.NonNullList(process),
            Arguments = new QueryArguments(new QueryArgument(types.CrmEntityType) { Name = "entityType" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                Authorize(c);
                var query = c.RequestServices!.GetRequiredService<AutomationDbContext>().Processes.AsNoTracking();
                if (c.GetArgument<string?>("entityType") is { } entityType)
                {
                    query = query.Where(p => p.EntityType == entityType);
                }

                return await query.OrderBy(p => p.Id).Take(MaxListed).ToListAsync(c.CancellationToken);
            }),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "businessProcess",
            Description = "One business process; null when there is none of that id. Needs the settings right.",
            ResolvedType = process,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                Authorize(c);
                return RecordIds.TryParse(c.GetArgument<object>("id"), out var id)
                    ? await c.RequestServices!.GetRequiredService<AutomationDbContext>().Processes.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, c.CancellationToken)
                    : throw ErrorCodes.Error(ErrorCodes.InvalidFormat, "'id' is not a process id.");
            }),
        });

        AddMutations(composer, process, json, startMode);
    }

    private static void AddMutations(SchemaComposer composer, IGraphType process, IGraphType json, IGraphType startMode)
    {
        var payload = new ObjectGraphType { Name = "BusinessProcessPayload", Description = "The process as written, or why it was not." };
        payload.AddField(new FieldType { Name = "process", ResolvedType = process, Resolver = new FuncFieldResolver<object?>(c => ((DefinitionPayload<BusinessProcess>)c.Source!).Definition) });
        payload.AddField(SharedGraphTypes.Field<DefinitionPayload<BusinessProcess>>("deletedId", typeof(IdGraphType), p => p.DeletedId?.ToString(CultureInfo.InvariantCulture)));
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((DefinitionPayload<BusinessProcess>)c.Source!).Errors) });

        var input = new InputObjectGraphType { Name = "BusinessProcessInput", Description = "A process's content: saving it makes (or edits) the process's draft." };
        input.AddField(new FieldType { Name = "name", Type = typeof(NonNullGraphType<StringGraphType>), Description = $"At most {ProcessLimits.MaxNameLength} characters." });
        input.AddField(new FieldType { Name = "description", Type = typeof(StringGraphType) });
        input.AddField(new FieldType { Name = "start", ResolvedType = startMode, DefaultValue = StartMode.Manual, Description = "What starts its instances besides startProcess." });
        input.AddField(new FieldType { Name = "startCondition", ResolvedType = json, Description = "A condition tree (as a rule's) a start by an event needs; null: none." });
        input.AddField(new FieldType
        {
            Name = "graph",
            ResolvedType = new NonNullGraphType(json),
            Description = $"{{ steps: [{{ id kind name params position }}], edges: [{{ from to when }}] }} (README, Business processes). At most {ProcessLimits.MaxSteps} steps, {ProcessLimits.MaxEdges} edges, {ProcessLimits.MaxDefinitionLength} characters.",
        });
        input.AddField(new FieldType { Name = "runAsUserId", Type = typeof(IdGraphType), Description = "The user whose rights its instances have; you when left out." });
        input.AddField(new FieldType { Name = "allowConcurrentInstances", Type = typeof(BooleanGraphType), DefaultValue = false, Description = "Whether a record may have more than one active instance of it." });

        composer.Mutation.AddField(Mutation("createBusinessProcess", "Makes a process of a record type, its first version a draft. Needs the settings right.", payload,
            new QueryArguments(new QueryArgument(new NonNullGraphType(composer.Types.CrmEntityType)) { Name = "entityType" }, new QueryArgument(new NonNullGraphType(input)) { Name = "input" }),
            (store, c) => store.CreateAsync(c.GetArgument<string>("entityType"), Input(c), c.CancellationToken)));
        composer.Mutation.AddField(Mutation("updateBusinessProcess", "Saves the process's draft (a new version when it has none): the active version goes on until the draft is activated.", payload,
            new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }, new QueryArgument(new NonNullGraphType(input)) { Name = "input" }),
            WithId((store, id, c) => store.UpdateAsync(id, Input(c), c.CancellationToken))));
        composer.Mutation.AddField(Mutation("activateBusinessProcess", "Makes the draft the active version and archives the one before (running instances keep theirs).", payload,
            new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }), WithId((store, id, c) => store.ActivateAsync(id, c.CancellationToken))));
        composer.Mutation.AddField(Mutation("deactivateBusinessProcess", "Archives the active version: no instance starts; running ones go on.", payload,
            new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }), WithId((store, id, c) => store.DeactivateAsync(id, c.CancellationToken))));
        composer.Mutation.AddField(Mutation("deleteBusinessProcess", "Deletes the process with its versions and instances.", payload,
            new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }), WithId((store, id, c) => store.DeleteAsync(id, c.CancellationToken))));
    }

    private static FieldType Mutation(string name, string description, IGraphType payload, QueryArguments arguments, Func<ProcessStore, IResolveFieldContext, Task<DefinitionPayload<BusinessProcess>>> write) => new()
    {
        Name = name,
        Description = description,
        ResolvedType = new NonNullGraphType(payload),
        Arguments = arguments,
        Resolver = new FuncFieldResolver<object?>(async c => await write(new ProcessStore(c.RequestServices!), c)),
    };

    private static Func<ProcessStore, IResolveFieldContext, Task<DefinitionPayload<BusinessProcess>>> WithId(Func<ProcessStore, long, IResolveFieldContext, Task<DefinitionPayload<BusinessProcess>>> write) => async (store, c) =>
    {
        var raw = c.GetArgument<object>("id");
        return RecordIds.TryParse(raw, out var id) ? await write(store, id, c) : store.InvalidId(raw);
    };

    private static ProcessInput Input(IResolveFieldContext c)
    {
        IDictionary<string, object?> input = c.GetArgument<Dictionary<string, object?>>("input");
        object? V(string key) => input.TryGetValue(key, out var value) ? value : null;
        long? runAs = V("runAsUserId") is { } raw ? RecordIds.TryParse(raw, out var id) ? id : -1 : null;
        return new ProcessInput(V("name") as string, V("description") as string, V("start") as StartMode? ?? StartMode.Manual, V("startCondition") as JsonNode,
            V("graph") as JsonNode, runAs, V("allowConcurrentInstances") as bool? ?? false);
    }

    private static void Authorize(IResolveFieldContext c)
    {
        if (!c.RequestServices!.GetRequiredService<ICurrentActor>().CanConfigure)
        {
            throw ErrorCodes.Error(ErrorCodes.Forbidden, SettingsRight.Refusal("Reading business processes"));
        }
    }

    private static ProcessDefinition Definition(IResolveFieldContext c) => ProcessDefinition.FromJson(((BusinessProcessVersion)c.Source!).Definition);

    private static GraphQL.DataLoader.IDataLoaderResult<List<BusinessProcessVersion>?> Versions(IResolveFieldContext c)
    {
        var services = c.RequestServices!;
        return services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, List<BusinessProcessVersion>>("automation.processVersions", async (ids, token) =>
        {
            var db = services.GetRequiredService<AutomationDbContext>();
            var versions = await db.ProcessVersions.AsNoTracking()
                .Where(v => ids.Contains(v.ProcessId) && v.Version > db.Processes.Where(p => p.Id == v.ProcessId).Select(p => p.LatestVersion).First() - RuleLimits.MaxListedVersions)
                .ToListAsync(token);
            return versions.GroupBy(v => v.ProcessId).ToDictionary(g => g.Key, g => g.OrderByDescending(v => v.Version).ToList());
        }).Load(((BusinessProcess)c.Source!).Id);
    }

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
