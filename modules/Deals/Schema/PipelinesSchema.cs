using System.Globalization;
using Crm.Modules.Deals.Data;
using Crm.Modules.Deals.Domain;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Deals.Schema;

/// <summary>
/// Pipelines and their stages. A pipeline owns its stage list (DEAL_STAGE_n); stages are edited
/// by the selection lists' rules, through the SDK's <see cref="ISelectionListEditor"/>.
/// </summary>
public sealed class PipelinesSchema : ISchemaContributor
{
    public sealed record PipelinePayload(Pipeline? Pipeline, IReadOnlyList<UserError> Errors, long? DeletedId = null);

    /// <summary>The stages a new pipeline starts with, as Bitrix24's.</summary>
    public void Contribute(SchemaComposer composer)
    {
        var stage = composer.Types.SelectionListItem;
        var pipeline = new ObjectGraphType { Name = "Pipeline", Description = "A sales pipeline with its own ordered stages." };
        pipeline.AddField(SharedGraphTypes.Field<Pipeline>("id", typeof(NonNullGraphType<IdGraphType>), p => p.Id.ToString(CultureInfo.InvariantCulture)));
        pipeline.AddField(SharedGraphTypes.Field<Pipeline>("name", typeof(NonNullGraphType<StringGraphType>), p => p.Name));
        pipeline.AddField(SharedGraphTypes.Field<Pipeline>("sort", typeof(NonNullGraphType<IntGraphType>), p => p.Sort));
        pipeline.AddField(SharedGraphTypes.Field<Pipeline>("isDefault", typeof(NonNullGraphType<BooleanGraphType>), p => p.IsDefault));
        pipeline.AddField(SharedGraphTypes.Field<Pipeline>("stageListId", typeof(NonNullGraphType<StringGraphType>), p => Deal.StageListOf(p.Id), "The selection list of its stages."));
        pipeline.AddField(new FieldType
        {
            Name = "stages",
            ResolvedType = SchemaComposer.NonNullList(stage),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await c.RequestServices!.GetRequiredService<ISelectionLists>().GetItemsAsync(Deal.StageListOf(((Pipeline)c.Source!).Id), c.CancellationToken)),
        });

        composer.EntityType(DealEntity.Name).AddField(new FieldType
        {
            Name = "pipeline",
            Description = "The pipeline the deal is in.",
            ResolvedType = new NonNullGraphType(pipeline),
            Resolver = new FuncFieldResolver<object?>(c =>
            {
                var loader = c.RequestServices!.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, Pipeline>("deals:pipelines", async (ids, ct) =>
                {
                    var list = ids.ToList();
                    var db = c.RequestServices!.GetRequiredService<DealsDbContext>();
                    return await db.Pipelines.AsNoTracking().Where(p => list.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
                });
                return loader.Load(((Deal)c.Source!).PipelineId);
            }),
        });

        composer.Query.AddField(new FieldType
        {
            Name = "pipelines",
            Description = "The deal pipelines, in order.",
            ResolvedType = SchemaComposer.NonNullList(pipeline),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await Db(c).Pipelines.AsNoTracking().OrderBy(p => p.Sort).ThenBy(p => p.Id).ToListAsync(c.CancellationToken)),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "pipeline",
            ResolvedType = pipeline,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var id = ParsePipelineId(c.GetArgument<object>("id"), "id");
                return await Db(c).Pipelines.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, c.CancellationToken)
                    ?? throw Refusals.NotFoundError("pipeline", id);
            }),
        });

        var errors = SchemaComposer.NonNullList(composer.Types.UserError);
        var payload = new ObjectGraphType { Name = "PipelinePayload", Description = "The pipeline as saved, or why not." };
        payload.AddField(new FieldType { Name = "pipeline", ResolvedType = pipeline, Resolver = new FuncFieldResolver<object?>(c => ((PipelinePayload)c.Source!).Pipeline) });
        payload.AddField(SharedGraphTypes.Field<PipelinePayload>("deletedId", typeof(IdGraphType), p => p.DeletedId?.ToString(CultureInfo.InvariantCulture)));
        payload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((PipelinePayload)c.Source!).Errors) });

        var input = new InputObjectGraphType { Name = "PipelineInput", Description = "A pipeline's name and position." };
        input.AddField(new FieldType { Name = "name", Type = typeof(StringGraphType) });
        input.AddField(new FieldType { Name = "sort", Type = typeof(IntGraphType) });

        composer.Mutation.AddField(new FieldType
        {
            Name = "createPipeline",
            Description = "Creates a pipeline with the default stages (Cn:NEW ... Cn:WON, Cn:LOSE).",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(input)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c => await CreateAsync(c.RequestServices!, c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "updatePipeline",
            Description = "Renames or moves a pipeline.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }, new QueryArgument(new NonNullGraphType(input)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c => await UpdateAsync(c.RequestServices!, ParsePipelineId(c.GetArgument<object>("id"), "id"), c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "deletePipeline",
            Description = "Deletes a pipeline and its stages; refused while deals are in it, and for the default pipeline.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c => await DeleteAsync(c.RequestServices!, ParsePipelineId(c.GetArgument<object>("id"), "id"), c.CancellationToken)),
        });

        composer.Mutation.AddField(new FieldType
        {
            Name = "reorderPipelines",
            Description = "Puts the pipelines in the given order (every pipeline id, once); returns the reasons it did not.",
            ResolvedType = errors,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>> { Name = "ids" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await ReorderAsync(c.RequestServices!, c.GetArgument<List<object>>("ids").Select(id => ParsePipelineId(id, "ids")).ToList(), c.CancellationToken)),
        });

        AddStageMutations(composer, stage, errors);
    }

    private static void AddStageMutations(SchemaComposer composer, IGraphType stage, IGraphType errors)
    {
        var stagePayload = new ObjectGraphType { Name = "PipelineStagePayload", Description = "The stage as saved, or why not." };
        stagePayload.AddField(new FieldType { Name = "stage", ResolvedType = stage, Resolver = new FuncFieldResolver<object?>(c => ((SelectionListEdit)c.Source!).Errors.Count == 0 ? ((SelectionListEdit)c.Source!).Item : null) });
        stagePayload.AddField(SharedGraphTypes.Field<SelectionListEdit>("movedDeals", typeof(NonNullGraphType<IntGraphType>), e => e.MovedRecords, "For removals: how many deals moved to 'moveTo'."));
        stagePayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((SelectionListEdit)c.Source!).Errors) });

        var stageInput = new InputObjectGraphType { Name = "PipelineStageInput", Description = "A stage: id (Cn:... for pipeline n; made from the name when left out), name, sort, color, semantics, probability." };
        stageInput.AddField(new FieldType { Name = "id", Type = typeof(StringGraphType) });
        stageInput.AddField(new FieldType { Name = "name", Type = typeof(StringGraphType) });
        stageInput.AddField(new FieldType { Name = "sort", Type = typeof(IntGraphType) });
        stageInput.AddField(new FieldType { Name = "color", Type = typeof(StringGraphType) });
        stageInput.AddField(new FieldType { Name = "semantics", ResolvedType = composer.Types.ListItemSemantics });
        stageInput.AddField(new FieldType { Name = "probability", Type = typeof(IntGraphType) });

        composer.Mutation.AddField(new FieldType
        {
            Name = "addPipelineStage",
            Description = "Adds a stage. Without 'sort', a stage in progress goes after the other stages in progress, right before the final (won and lost) ones, as in Bitrix24; a final stage goes last.",
            ResolvedType = new NonNullGraphType(stagePayload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "pipelineId" }, new QueryArgument(new NonNullGraphType(stageInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var input = c.GetArgument<Dictionary<string, object?>>("input");
                if (input.GetValueOrDefault("name") is not string)
                {
                    return new SelectionListEdit(null, [UserError.At(ErrorCodes.Required, "A stage needs a name.", "input", "name")]);
                }

                // The editor places it (before the final stages, as Bitrix24 does) while it holds the list.
                return await Editor(c).AddItemAsync(await StageListAsync(c), input, c.CancellationToken);
            }),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "updatePipelineStage",
            ResolvedType = new NonNullGraphType(stagePayload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "pipelineId" },
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(stageInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await Editor(c).UpdateItemAsync(await StageListAsync(c), c.GetArgument<string>("id"), c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "removePipelineStage",
            Description = "Removes a stage; deals on it move to 'moveTo' in the same transaction.",
            ResolvedType = new NonNullGraphType(stagePayload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "pipelineId" },
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "id" },
                new QueryArgument<StringGraphType> { Name = "moveTo" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await Editor(c).RemoveItemAsync(await StageListAsync(c), c.GetArgument<string>("id"), c.GetArgument<string?>("moveTo"), c.CancellationToken)),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "reorderPipelineStages",
            Description = "Puts the pipeline's stages in the given order (every stage id, once); returns the reasons it did not.",
            ResolvedType = errors,
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "pipelineId" },
                new QueryArgument<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>> { Name = "ids" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await Editor(c).ReorderAsync(await StageListAsync(c), c.GetArgument<List<string>>("ids"), c.CancellationToken)),
        });
    }

    private static DealsDbContext Db(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<DealsDbContext>();

    private static ISelectionListEditor Editor(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<ISelectionListEditor>();

    private static async Task<string> StageListAsync(IResolveFieldContext context)
    {
        var id = ParsePipelineId(context.GetArgument<object>("pipelineId"), "pipelineId");
        return await Db(context).Pipelines.AnyAsync(p => p.Id == id, context.CancellationToken)
            ? Deal.StageListOf(id)
            : throw Refusals.NotFoundError("pipeline", id);
    }

    /// <summary>Pipeline ids start at 0 (the default pipeline), unlike record ids.</summary>
    private static long ParsePipelineId(object? value, string argument) => RecordIds.Parse(value, argument, "pipeline", minimum: 0);

    private static UserError? Refuse(IServiceProvider services) =>
        services.GetRequiredService<ICurrentActor>().RefuseUnlessCanConfigure("Editing pipelines");

    private static UserError? CheckName(IReadOnlyDictionary<string, object?> input, bool required)
    {
        if (!input.TryGetValue("name", out var value) && !required)
        {
            return null;
        }

        var name = (value as string)?.Trim() ?? "";
        return name.Length is 0 or > 100 ? UserError.At(name.Length == 0 ? ErrorCodes.Required : ErrorCodes.TooLong, "'name' must be 1 to 100 characters.", "input", "name") : null;
    }

    private static async Task<PipelinePayload> CreateAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if ((Refuse(services) ?? CheckName(input, required: true)) is { } problem)
        {
            return new PipelinePayload(null, [problem]);
        }

        var db = services.GetRequiredService<DealsDbContext>();
        var editor = services.GetRequiredService<ISelectionListEditor>();
        return await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            // Held, so that two pipelines created at once never read the same highest id.
            await HoldPipelinesAsync(db, cancellationToken);
            var max = services.GetRequiredService<PipelineOptions>().MaxPipelines;
            if (await db.Pipelines.CountAsync(cancellationToken) >= max)
            {
                return new PipelinePayload(null, [UserError.At(ErrorCodes.LimitExceeded,
                    $"There are at most {max.ToString(CultureInfo.InvariantCulture)} pipelines; delete one first.", "input")]);
            }

            var id = await db.Pipelines.MaxAsync(p => p.Id, cancellationToken) + 1;
            var pipeline = new Pipeline
            {
                Id = id,
                Name = ((string)input["name"]!).Trim(),
                Sort = input.GetValueOrDefault("sort") as int? ?? (int)Math.Min(int.MaxValue, (id + 1) * 10),
            };
            db.Pipelines.Add(pipeline);
            await db.SaveChangesAsync(cancellationToken);
            await editor.CreateListAsync(Deal.StageListOf(id), DealLists.StagesOfNewPipeline(id), cancellationToken);
            return new PipelinePayload(pipeline, []);
        }, payload => payload.Errors.Count == 0, cancellationToken);
    }

    private static async Task<PipelinePayload> UpdateAsync(IServiceProvider services, long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if ((Refuse(services) ?? CheckName(input, required: false)) is { } problem)
        {
            return new PipelinePayload(null, [problem]);
        }

        var db = services.GetRequiredService<DealsDbContext>();
        return await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            // Read while the pipelines are held: one deleted meanwhile is gone here, not failed at the write.
            await HoldPipelinesAsync(db, cancellationToken);
            var pipeline = await db.Pipelines.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
            if (pipeline is null)
            {
                return new PipelinePayload(null, [Refusals.NotFound("pipeline", id, "id")]);
            }

            if (input.GetValueOrDefault("name") is string name)
            {
                pipeline.Name = name.Trim();
            }

            if (input.GetValueOrDefault("sort") is int sort)
            {
                pipeline.Sort = sort;
            }

            await db.SaveChangesAsync(cancellationToken);
            return new PipelinePayload(pipeline, []);
        }, payload => payload.Errors.Count == 0, cancellationToken);
    }

    private static async Task<IReadOnlyList<UserError>> ReorderAsync(IServiceProvider services, List<long> ids, CancellationToken cancellationToken)
    {
        if (Refuse(services) is { } forbidden)
        {
            return [forbidden];
        }

        var db = services.GetRequiredService<DealsDbContext>();
        return await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync<IReadOnlyList<UserError>>(async () =>
        {
            await HoldPipelinesAsync(db, cancellationToken);
            var pipelines = await db.Pipelines.ToListAsync(cancellationToken);
            if (ids.Count != pipelines.Count || ids.Distinct().Count() != ids.Count || ids.Any(id => pipelines.All(p => p.Id != id)))
            {
                return [UserError.At(ErrorCodes.InvalidValue, "'ids' must name every pipeline exactly once.", "ids")];
            }

            for (var i = 0; i < ids.Count; i++)
            {
                pipelines.First(p => p.Id == ids[i]).Sort = (i + 1) * 10;
            }

            await db.SaveChangesAsync(cancellationToken);
            return [];
        }, errors => errors.Count == 0, cancellationToken);
    }

    /// <summary>
    /// Holds the set of pipelines until the transaction ends (a lock on its name on PostgreSQL, the
    /// write transaction on SQLite): creating, renaming, reordering and deleting pipelines take turns,
    /// so each reads the pipelines as no other of them can change them before it writes. Rare admin
    /// changes; deals written into a pipeline do not wait (the deals' key guards them).
    /// </summary>
    private static Task HoldPipelinesAsync(DealsDbContext db, CancellationToken cancellationToken) =>
        db.LockNameAsync("deals.pipelines", cancellationToken);

    private static async Task<PipelinePayload> DeleteAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        if (Refuse(services) is { } forbidden)
        {
            return new PipelinePayload(null, [forbidden]);
        }

        if (id == Pipeline.DefaultId)
        {
            return new PipelinePayload(null, [UserError.At(ErrorCodes.Validation, "The default pipeline cannot be deleted.", "id")]);
        }

        // The deals' key on the pipeline decides: a pipeline with deals is not deleted, and a deal
        // written meanwhile waits for the delete and then finds its pipeline gone. A second delete
        // finds nothing to delete.
        var db = services.GetRequiredService<DealsDbContext>();
        UserError? refusal = null;
        try
        {
            await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
            {
                await HoldPipelinesAsync(db, cancellationToken);
                if (await db.Pipelines.Where(p => p.Id == id).ExecuteDeleteAsync(cancellationToken) == 0)
                {
                    refusal = Refusals.NotFound("pipeline", id, "id");
                    return false;
                }

                // Its stages go with it, unless an automation rule or process still names one.
                var editor = services.GetRequiredService<ISelectionListEditor>();
                if (await editor.HoldListUnnamedAsync(Deal.StageListOf(id), "id", cancellationToken) is { } named)
                {
                    refusal = named;
                    return false;
                }

                await editor.DeleteListAsync(Deal.StageListOf(id), cancellationToken);
                return true;
            }, deleted => deleted, cancellationToken);
        }
        catch (Exception ex) when (ForeignKeyViolations.Is(ex))
        {
            var deals = await db.Deals.CountAsync(d => d.PipelineId == id, cancellationToken);
            refusal = UserError.At("IN_USE", $"{deals.ToString(CultureInfo.InvariantCulture)} deal(s) are in this pipeline; move them to another pipeline first.", "id");
        }

        return refusal is null ? new PipelinePayload(null, [], id) : new PipelinePayload(null, [refusal]);
    }
}
