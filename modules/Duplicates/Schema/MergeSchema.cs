using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Duplicates.Merging;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Duplicates.Schema;

/// <summary><c>mergeRecords(entityType:, ids:, keepId:, values:, dryRun:)</c> for every record type (but those whose rights follow bindings).</summary>
public sealed class MergeSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        if (composer.Types.CrmRecord is not { } record)
        {
            return;
        }

        var payload = new ObjectGraphType { Name = "MergeRecordsPayload", Description = "The kept record as merged (or as a dry run would leave it), or why not." };
        payload.AddField(new FieldType { Name = "record", ResolvedType = record, Resolver = new FuncFieldResolver<object?>(c => ((MergeResult)c.Source!).Record) });
        payload.AddField(SharedGraphTypes.Field<MergeResult>("removedIds", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>),
            r => r.RemovedIds.Select(id => id.ToString(CultureInfo.InvariantCulture)).ToList(), "The records merged into the kept one and deleted (in a dry run: those that would be)."));
        payload.AddField(SharedGraphTypes.Field<MergeResult>("movedReferences", typeof(NonNullGraphType<IntGraphType>), r => r.MovedReferences,
            "How many references to the removed records were moved to the kept one: reference fields, relation links, activities, comments."));
        payload.AddField(SharedGraphTypes.Field<MergeResult>("dryRun", typeof(NonNullGraphType<BooleanGraphType>), r => r.DryRun, "True when nothing was changed."));
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((MergeResult)c.Source!).Errors) });

        var registry = composer.Registry;
        composer.Mutation.AddField(new FieldType
        {
            Name = "mergeRecords",
            Description = $"Merges records of one type into 'keepId' (at most {RecordMerger.MaxIds} ids, the kept one included): what named the others names it, it takes their links and the given 'values' (its update input), and the others are deleted, in one transaction. Needs update on the kept record, delete on the others, read on all. 'dryRun' answers the same and changes nothing.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument(new NonNullGraphType(composer.Types.CrmEntityType)) { Name = "entityType" },
                new QueryArgument<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>> { Name = "ids" },
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "keepId" },
                new QueryArgument(composer.Types.Json) { Name = "values", Description = "Values the kept record takes, as its type's update input (updateContact's input for contacts)." },
                new QueryArgument<BooleanGraphType> { Name = "dryRun", DefaultValue = false }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var services = c.RequestServices!;
                var dryRun = c.GetArgument<bool>("dryRun");
                var rawIds = c.GetArgument<List<object>>("ids");
                if (rawIds.Count > RecordMerger.MaxIds)
                {
                    return MergeResult.Refused(dryRun, UserError.At(ErrorCodes.LimitExceeded,
                        string.Create(CultureInfo.InvariantCulture, $"A merge takes at most {RecordMerger.MaxIds} records; {rawIds.Count} were given."), "ids"));
                }

                var definition = registry.Find(c.GetArgument<string>("entityType")) as ICrmEntityDefinition;
                if (definition is null || definition.BindsToOthers)
                {
                    return MergeResult.Refused(dryRun, UserError.At(ErrorCodes.Validation, "Records of this type cannot be merged.", "entityType"));
                }

                var ids = new List<long>();
                foreach (var raw in rawIds)
                {
                    if (!RecordIds.TryParse(raw, out var id))
                    {
                        return MergeResult.Refused(dryRun, RecordIds.Invalid(raw, definition.Name, "ids"));
                    }

                    ids.Add(id);
                }

                var rawKeep = c.GetArgument<object>("keepId");
                if (!RecordIds.TryParse(rawKeep, out var keepId))
                {
                    return MergeResult.Refused(dryRun, RecordIds.Invalid(rawKeep, definition.Name, "keepId"));
                }

                if (ids.Distinct().Count() != ids.Count || ids.Count < 2 || !ids.Contains(keepId))
                {
                    return MergeResult.Refused(dryRun, UserError.At(ErrorCodes.Validation, "'ids' are at least two different records, 'keepId' among them.", "ids"));
                }

                var values = c.GetArgument<object?>("values");
                if (values is not null and not JsonObject)
                {
                    return MergeResult.Refused(dryRun, UserError.At(ErrorCodes.InvalidFormat, "'values' is a JSON object: the kept record's update input.", "values"));
                }

                return await services.GetRequiredService<RecordMerger>().MergeAsync(services, definition, ids, keepId, FilterJson.ToWhere(values as JsonObject), dryRun, c.CancellationToken);
            }),
        });
    }
}
