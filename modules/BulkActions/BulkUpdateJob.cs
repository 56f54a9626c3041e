using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using GraphQL;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.BulkActions;

/// <summary>
/// The bulk action job: takes the chosen records in ascending id order (the ids named, or pages of
/// the list the owner would see) and puts each through its type's own update or delete as the owner,
/// in a scope of its own, so validation, rights per record, events and timeline are those of a single
/// write. The checkpoint is saved after each record: a resumed run skips every id it names.
/// </summary>
public sealed class BulkUpdateJob(BulkActionsOptions options) : JobKind<BulkParameters>
{
    public const string KindName = "bulk.update";

    private static readonly IReadOnlyList<IReadOnlyDictionary<string, object?>> ById = [new Dictionary<string, object?> { ["id"] = SortDirection.Ascending }];

    public override string Name => KindName;

    protected override async Task<IReadOnlyList<UserError>> ValidateAsync(IServiceProvider requestServices, BulkParameters parameters, CancellationToken cancellationToken)
    {
        if (requestServices.GetRequiredService<IEntityRegistry>().Find(parameters.EntityType) is not ICrmEntityDefinition definition)
        {
            return [UserError.At(ErrorCodes.NotFound, $"There is no record type '{parameters.EntityType}'.", "entityType")];
        }

        var action = parameters.Kind == BulkActionKind.Delete ? PermissionAction.Delete : PermissionAction.Update;
        var actor = requestServices.GetRequiredService<ICurrentActor>();
        if (!actor.IsAdministrator && actor.Rights.Level(definition.Name, action) == PermissionLevel.None)
        {
            return [UserError.At(ErrorCodes.Forbidden, $"You may not {(action == PermissionAction.Delete ? "delete" : "change")} {definition.PluralName}.", "entityType")];
        }

        if (parameters.Ids is { } ids)
        {
            if (ids.Count > options.MaxIds)
            {
                return [UserError.At(ErrorCodes.LimitExceeded, $"'ids' names {ids.Count} records; the limit is {options.MaxIds} (BulkActions:MaxIds).", "ids")];
            }

            if (ids.Count == 0)
            {
                return [UserError.At(ErrorCodes.Required, "'ids' names no record.", "ids")];
            }
        }

        if (parameters.Kind != BulkActionKind.Delete)
        {
            var (_, errors) = await InputAsync(requestServices, definition, parameters.Fields, cancellationToken);
            if (errors.Count > 0)
            {
                return errors;
            }
        }

        if (parameters.Ids is null)
        {
            // The filter is the list's: the list checks it (limits included) and counts what it matches.
            int? total;
            try
            {
                total = (await definition.ListAsync(requestServices, Arguments(parameters, 0, null), withTotalCount: true, cancellationToken)).TotalCount;
            }
            catch (ExecutionError ex)
            {
                return [UserError.At(ex.Code ?? ErrorCodes.Validation, ex.Message, "where")];
            }

            if (total > options.MaxRecords)
            {
                return [UserError.At(ErrorCodes.LimitExceeded, $"'where' matches {total} records; a bulk action takes at most {options.MaxRecords} (BulkActions:MaxRecords).", "where")];
            }
        }

        return [];
    }

    protected override async Task<JobResult> RunAsync(JobContext<BulkParameters> context)
    {
        var parameters = context.Parameters;
        var checkpoint = context.Checkpoint is { } saved
            ? JsonSerializer.Deserialize<BulkCheckpoint>(saved, Json)!
            : new BulkCheckpoint(null, 0, 0, 0, parameters.Ids?.Count, []);

        while (checkpoint.Done + checkpoint.Refused < options.MaxRecords)
        {
            var page = await NextPageAsync(context, checkpoint);
            checkpoint = checkpoint with { Total = checkpoint.Total ?? page.Total };
            var pending = page.Ids.Where(id => id > checkpoint.LastId).Take((int)(options.MaxRecords - checkpoint.Done - checkpoint.Refused)).ToList();
            foreach (var id in pending)
            {
                var refusal = await ApplyAsync(context, id);
                checkpoint = refusal is null
                    ? checkpoint with { LastId = id, Done = checkpoint.Done + 1 }
                    : checkpoint with
                    {
                        LastId = id,
                        Refused = checkpoint.Refused + 1,
                        Refusals = checkpoint.Refusals.Count < options.MaxRefusalsListed ? [.. checkpoint.Refusals, refusal] : checkpoint.Refusals,
                    };
                checkpoint = checkpoint with { PageAfter = id == page.Ids[^1] ? page.EndCursor : checkpoint.PageAfter };
                await SaveAsync(context, checkpoint);
            }

            if (!page.HasMore)
            {
                break;
            }

            if (pending.Count == 0 || checkpoint.PageAfter != page.EndCursor)
            {
                checkpoint = checkpoint with { PageAfter = page.EndCursor };
                await SaveAsync(context, checkpoint);
            }
        }

        var fileName = $"{parameters.EntityType}-bulk-{context.JobId.ToString(CultureInfo.InvariantCulture)}-result.json";
        var result = new JsonObject
        {
            ["done"] = checkpoint.Done,
            ["refused"] = checkpoint.Refused,
            ["refusals"] = JsonSerializer.SerializeToNode(checkpoint.Refusals, Json),
        };
        await File.WriteAllTextAsync(Path.Combine(context.WorkFolder, fileName), result.ToJsonString(), context.CancellationToken);
        return new JobResult(fileName, "application/json");
    }

    private static Task SaveAsync(JobContext<BulkParameters> context, BulkCheckpoint checkpoint)
    {
        var counts = new Dictionary<string, long> { ["done"] = checkpoint.Done, ["refused"] = checkpoint.Refused };
        return context.SaveAsync(new JobProgress(checkpoint.Done + checkpoint.Refused, checkpoint.Total, counts), JsonSerializer.Serialize(checkpoint, Json));
    }

    private sealed record Page(IReadOnlyList<long> Ids, string? EndCursor, bool HasMore, long? Total);

    /// <summary>The next ids to apply: a slice of those named, or a page of the list as the owner sees it now.</summary>
    private Task<Page> NextPageAsync(JobContext<BulkParameters> context, BulkCheckpoint checkpoint)
    {
        var parameters = context.Parameters;
        if (parameters.Ids is { } ids)
        {
            var rest = ids.Where(id => id > checkpoint.LastId).ToList();
            return Task.FromResult(new Page([.. rest.Take(options.PageSize)], null, rest.Count > options.PageSize, ids.Count));
        }

        return context.AsOwnerAsync(async services =>
        {
            var definition = DefinitionOf(services, parameters);
            var connection = await definition.ListAsync(services, Arguments(parameters, options.PageSize, checkpoint.PageAfter), withTotalCount: checkpoint.Total is null, context.CancellationToken);
            var pageIds = connection.Edges.Select(e => ((ICrmRecord)e.Node).Id).ToList();
            return new Page(pageIds, connection.PageInfo.EndCursor ?? checkpoint.PageAfter, connection.PageInfo.HasNextPage, connection.TotalCount);
        });
    }

    /// <summary>Puts one record through its type's update or delete, as the owner with their rights as they are now; null when done.</summary>
    private static Task<BulkRefusal?> ApplyAsync(JobContext<BulkParameters> context, long id) =>
        context.AsOwnerAsync(async services =>
        {
            var parameters = context.Parameters;
            var definition = DefinitionOf(services, parameters);
            IReadOnlyList<UserError> errors;
            try
            {
                if (parameters.Kind == BulkActionKind.Delete)
                {
                    errors = (await definition.DeleteAsync(services, id, context.CancellationToken)).Errors;
                }
                else
                {
                    // Read again for each record: a custom field deleted since the start refuses the records still to come.
                    var (input, invalid) = await InputAsync(services, definition, parameters.Fields, context.CancellationToken);
                    errors = invalid.Count > 0 ? invalid : (await definition.UpdateAsync(services, id, input, context.CancellationToken)).Errors;
                }
            }
            catch (ExecutionError ex)
            {
                errors = [UserError.At(ex.Code ?? ErrorCodes.Validation, ex.Message)];
            }

            return errors.Count == 0 ? null : new BulkRefusal(id, errors[0].Code, string.Join(" ", errors.Select(e => e.Message)));
        });

    /// <summary>The update input the fields' JSON stands for, read by each field's own rules and checked by the type's binder on a blank record.</summary>
    private static async Task<(Dictionary<string, object?> Input, IReadOnlyList<UserError> Errors)> InputAsync(IServiceProvider services, ICrmEntityDefinition definition, JsonObject? fields,
        CancellationToken cancellationToken)
    {
        var input = new Dictionary<string, object?>(StringComparer.Ordinal);
        var errors = new List<UserError>();
        if (fields is not { Count: > 0 })
        {
            return (input, [UserError.At(ErrorCodes.Required, "The action sets no field.", "action", "fields")]);
        }

        var (writable, inputOnly) = definition.WritableFields(services);
        foreach (var (name, value) in fields)
        {
            if (writable.TryGetValue(name, out var field))
            {
                if (FieldInput.Read(field, value, ["action", "fields", name], errors, out var converted))
                {
                    input[name] = converted;
                }
            }
            else if (inputOnly.Contains(name))
            {
                input[name] = FieldInput.Plain(value);
            }
            else
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{name}' is not a field of {definition.PluralName} that can be written.", "action", "fields", name));
            }
        }

        if (errors.Count == 0)
        {
            errors.AddRange((await definition.CheckInputAsync(services, input, cancellationToken))
                .Select(p => p with { Path = ["action", "fields", .. p.Path.Skip(p.Path.Count > 0 && p.Path[0] == "input" ? 1 : 0)] }));
        }

        return (input, errors);
    }

    private static ICrmEntityDefinition DefinitionOf(IServiceProvider services, BulkParameters parameters) =>
        services.GetRequiredService<IEntityRegistry>().Find(parameters.EntityType) as ICrmEntityDefinition
            ?? throw new JobFailedException(ErrorCodes.NotFound, $"The record type '{parameters.EntityType}' is no longer on this server.");

    private static ListArguments Arguments(BulkParameters parameters, int first, string? after) =>
        new(FilterJson.ToWhere(parameters.Where), ById, first, after, null, null);
}
