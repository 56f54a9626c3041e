using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using GraphQL;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.BulkActions;

/// <summary>
/// The bulk action job: takes the chosen records in ascending id order (the ids named, or pages of
/// the list the owner would see, read by <see cref="ListPages"/>) and puts each through its type's own
/// update or delete, a stage move (<see cref="StageMoves"/>) or another module's automation action
/// (<see cref="AutomationSteps"/>) as the owner, in a scope of its own, so validation, rights per record,
/// events and timeline are those of a single write. The checkpoint is saved after each record: a
/// resumed run skips every id it names.
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

        // The type-wide right the action needs at all; each record's write checks the record.
        var action = parameters.Kind switch
        {
            BulkActionKind.Delete => PermissionAction.Delete,
            BulkActionKind.AddComment or BulkActionKind.CreateActivity => PermissionAction.Read,
            _ => PermissionAction.Update,
        };
        var actor = requestServices.GetRequiredService<ICurrentActor>();
        // A type closed its own way checks each record as closing one does (an activity's rights
        // follow its records and its responsible user, not a right on the type).
        var closedItsOwnWay = parameters.Kind is BulkActionKind.Open or BulkActionKind.Close && StageMoves.ClosingOf(requestServices, definition) is not null;
        if (!actor.IsAdministrator && !closedItsOwnWay && actor.Rights.Level(definition.Name, action) == PermissionLevel.None)
        {
            var verb = action == PermissionAction.Delete ? "delete" : action == PermissionAction.Read ? "read" : "change";
            return [UserError.At(ErrorCodes.Forbidden, $"You may not {verb} {definition.PluralName}.", "entityType")];
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

        switch (parameters.Kind)
        {
            case BulkActionKind.SetFields or BulkActionKind.Assign:
                var (_, errors) = await InputAsync(requestServices, definition, parameters.Fields, cancellationToken);
                if (errors.Count > 0)
                {
                    return errors;
                }

                break;
            case BulkActionKind.AddComment or BulkActionKind.CreateActivity:
                var invalid = new List<UserError>();
                if (await AutomationSteps.PrepareAsync(requestServices, definition, parameters, invalid, cancellationToken) is null)
                {
                    return invalid;
                }

                break;
            case BulkActionKind.Open or BulkActionKind.Close:
                if (StageMoves.Refusal(requestServices, definition) is { } cannot)
                {
                    return [UserError.At(ErrorCodes.InvalidValue, cannot, "action", "kind")];
                }

                // A type closed its own way has one way of being closed: the outcome is a stage's.
                if (parameters.Kind == BulkActionKind.Close && StageMoves.ClosingOf(requestServices, definition) is null
                    && parameters.Outcome is not (ListItemSemantics.Success or ListItemSemantics.Failure))
                {
                    return [UserError.At(ErrorCodes.Required, "CLOSE needs 'outcome': SUCCESS or FAILURE.", "action", "outcome")];
                }

                break;
        }

        if (parameters.Ids is null)
        {
            // The filter is the list's: the list checks it (limits included) and counts what it matches.
            int? total;
            try
            {
                total = (await definition.ListAsync(requestServices, Arguments(parameters) with { First = 0 }, withTotalCount: true, cancellationToken)).TotalCount;
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
            : new BulkCheckpoint(ListPosition.Start with { Total = parameters.Ids?.Count }, 0, 0, 0, []);
        long Applied(BulkCheckpoint c) => c.Done + c.Unchanged + c.Refused;

        // Checked once a run, as the owner: each record's write checks their rights on it again.
        var step = AutomationSteps.ActionOf(parameters.Kind) is null ? null : await context.AsOwnerAsync(services => PrepareStepAsync(services, parameters, context.CancellationToken));
        while (Applied(checkpoint) < options.MaxRecords)
        {
            var page = await NextPageAsync(context, checkpoint);
            checkpoint = checkpoint with { Position = checkpoint.Position with { Total = page.Next.Total } };
            var pending = page.Ids.Where(id => id > checkpoint.LastId).Take((int)(options.MaxRecords - Applied(checkpoint))).ToList();
            foreach (var id in pending)
            {
                var (outcome, refusal) = await ApplyAsync(context, step, id);
                checkpoint = outcome switch
                {
                    RecordClosingOutcome.Changed => checkpoint with { LastId = id, Done = checkpoint.Done + 1 },
                    RecordClosingOutcome.Unchanged => checkpoint with { LastId = id, Unchanged = checkpoint.Unchanged + 1 },
                    _ => checkpoint with
                    {
                        LastId = id,
                        Refused = checkpoint.Refused + 1,
                        Refusals = checkpoint.Refusals.Count < options.MaxRefusalsListed ? [.. checkpoint.Refusals, refusal!] : checkpoint.Refusals,
                    },
                };
                checkpoint = checkpoint with { Position = id == page.Ids[^1] ? page.Next : checkpoint.Position };
                await SaveAsync(context, checkpoint);
            }

            if (!page.HasMore)
            {
                break;
            }

            if (pending.Count == 0 || checkpoint.Position != page.Next)
            {
                checkpoint = checkpoint with { Position = page.Next };
                await SaveAsync(context, checkpoint);
            }
        }

        var fileName = $"{parameters.EntityType}-bulk-{context.JobId.ToString(CultureInfo.InvariantCulture)}-result.json";
        var result = new JsonObject
        {
            ["done"] = checkpoint.Done,
            ["unchanged"] = checkpoint.Unchanged,
            ["refused"] = checkpoint.Refused,
            ["refusals"] = JsonSerializer.SerializeToNode(checkpoint.Refusals, Json),
        };
        await File.WriteAllTextAsync(Path.Combine(context.WorkFolder, fileName), result.ToJsonString(), context.CancellationToken);
        return new JobResult(fileName, "application/json");
    }

    private static Task SaveAsync(JobContext<BulkParameters> context, BulkCheckpoint checkpoint)
    {
        var counts = new Dictionary<string, long> { ["done"] = checkpoint.Done, ["unchanged"] = checkpoint.Unchanged, ["refused"] = checkpoint.Refused };
        return context.SaveAsync(new JobProgress(checkpoint.Done + checkpoint.Unchanged + checkpoint.Refused, checkpoint.Position.Total, counts), JsonSerializer.Serialize(checkpoint, Json));
    }

    private sealed record Page(IReadOnlyList<long> Ids, ListPosition Next, bool HasMore);

    /// <summary>The next ids to apply: a slice of those named, or a page of the list as the owner sees it now.</summary>
    private Task<Page> NextPageAsync(JobContext<BulkParameters> context, BulkCheckpoint checkpoint)
    {
        var parameters = context.Parameters;
        if (parameters.Ids is { } ids)
        {
            var rest = ids.Where(id => id > checkpoint.LastId).ToList();
            return Task.FromResult(new Page([.. rest.Take(options.PageSize)], checkpoint.Position, rest.Count > options.PageSize));
        }

        return context.AsOwnerAsync(async services =>
        {
            var page = await DefinitionOf(services, parameters).ReadPageAsync(services, Arguments(parameters), options.PageSize, checkpoint.Position, countTotal: true, context.CancellationToken);
            return new Page(page.Ids, page.Next, page.HasMore);
        });
    }

    /// <summary>Puts one record through its type's update or delete, as the owner with their rights as they are now: what it did, and why not when refused.</summary>
    private static Task<(RecordClosingOutcome Outcome, BulkRefusal? Refusal)> ApplyAsync(JobContext<BulkParameters> context, AutomationStep? step, long id) =>
        context.AsOwnerAsync(async services =>
        {
            var parameters = context.Parameters;
            var definition = DefinitionOf(services, parameters);
            var cancellationToken = context.CancellationToken;
            IReadOnlyList<UserError> errors;
            try
            {
                switch (parameters.Kind)
                {
                    case BulkActionKind.Delete:
                        errors = (await definition.DeleteAsync(services, id, cancellationToken)).Errors;
                        break;
                    case BulkActionKind.AddComment or BulkActionKind.CreateActivity:
                        var stepRefusal = await AutomationSteps.RunAsync(services, definition, step!, context.JobId, id, cancellationToken);
                        return (stepRefusal is null ? RecordClosingOutcome.Changed : RecordClosingOutcome.Refused, stepRefusal);
                    case BulkActionKind.Open or BulkActionKind.Close:
                        // A closing type's CLOSE has no outcome to give; any closing is one.
                        var moved = await StageMoves.OpenOrCloseAsync(services, definition, id,
                            parameters.Kind == BulkActionKind.Open ? null : parameters.Outcome ?? ListItemSemantics.Success, cancellationToken);
                        if (moved.Outcome != RecordClosingOutcome.Refused)
                        {
                            return (moved.Outcome, null);
                        }

                        errors = moved.Errors;
                        break;
                    default:
                        // Read again for each record: a custom field deleted since the start refuses the records still to come.
                        var (input, invalid) = await InputAsync(services, definition, parameters.Fields, cancellationToken);
                        errors = invalid.Count > 0 ? invalid : (await definition.UpdateAsync(services, id, input, cancellationToken)).Errors;
                        break;
                }
            }
            catch (ExecutionError ex)
            {
                errors = [UserError.At(ex.Code ?? ErrorCodes.Validation, ex.Message)];
            }

            return errors.Count == 0
                ? (RecordClosingOutcome.Changed, null)
                : (RecordClosingOutcome.Refused, new BulkRefusal(id, errors[0].Code, string.Join(" ", errors.Select(e => e.Message))));
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
            errors.AddRange(await definition.CheckInputAtAsync(services, input, ["action", "fields"], cancellationToken));
        }

        return (input, errors);
    }

    /// <summary>The automation step the action runs on each record; the job fails when it no longer passes its checks (its module gone, say).</summary>
    private static async Task<AutomationStep> PrepareStepAsync(IServiceProvider services, BulkParameters parameters, CancellationToken cancellationToken)
    {
        var errors = new List<UserError>();
        return await AutomationSteps.PrepareAsync(services, DefinitionOf(services, parameters), parameters, errors, cancellationToken)
            ?? throw new JobFailedException(errors[0].Code, string.Join(" ", errors.Select(e => e.Message)));
    }

    private static ICrmEntityDefinition DefinitionOf(IServiceProvider services, BulkParameters parameters) =>
        services.GetRequiredService<IEntityRegistry>().Find(parameters.EntityType) switch
        {
            ICrmEntityDefinition definition when definition.IsInService(services) => definition,
            // Queued before an administrator disabled its module: its records are not changed meanwhile.
            ICrmEntityDefinition => throw new JobFailedException(ErrorCodes.Conflict, $"The record type '{parameters.EntityType}' is out of service: its module is disabled."),
            _ => throw new JobFailedException(ErrorCodes.NotFound, $"The record type '{parameters.EntityType}' is no longer on this server."),
        };

    private static ListArguments Arguments(BulkParameters parameters) =>
        new(FilterJson.ToWhere(parameters.Where), ById, null, null, null, null);
}
