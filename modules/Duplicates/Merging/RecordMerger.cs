using System.Globalization;
using Crm.Modules.Duplicates.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Duplicates.Merging;

/// <summary>The outcome of a merge (or of its dry run): the kept record as it is (or would be), or why not.</summary>
public sealed record MergeResult(object? Record, IReadOnlyList<long> RemovedIds, int MovedReferences, bool DryRun, IReadOnlyList<UserError> Errors)
{
    public static MergeResult Refused(bool dryRun, params UserError[] errors) => new(null, [], 0, dryRun, errors);
}

/// <summary>
/// Merges records of one type into one of them, in one transaction: every reference to a removed
/// record (reference fields and relation links of every registered type, and what modules hold
/// through <see cref="IRecordReferenceMover"/>) is moved to the kept record, the kept record takes
/// the removed ones' relation links and the chosen values, the removed records are deleted, and the
/// merge is published (on the kept record's timeline). A dry run does all of it and rolls it back.
/// </summary>
/// <remarks>
/// Every record of the merge is locked first, in id order (as a delete locks it): a write of one
/// of them waits for the merge or went before it, and merges over overlapping ids take turns, so
/// none leaves a reference to a record another removed, or half a merge.
/// </remarks>
internal sealed class RecordMerger
{
    /// <summary>The most records one merge takes (the kept one included).</summary>
    public const int MaxIds = 10;

    public async Task<MergeResult> MergeAsync(IServiceProvider services, ICrmEntityDefinition definition, IReadOnlyList<long> ids, long keepId,
        IReadOnlyDictionary<string, object?>? values, bool dryRun, CancellationToken cancellationToken)
    {
        var session = services.GetRequiredService<CrmDatabaseSession>();
        try
        {
            return await session.InTransactionAsync(() => MergeCoreAsync(services, definition, ids, keepId, values, dryRun, cancellationToken),
                result => result.Errors.Count == 0 && !result.DryRun, cancellationToken);
        }
        catch (Exception ex) when (LostRaces.Is(ex))
        {
            return MergeResult.Refused(dryRun, UserError.At(ErrorCodes.Conflict, $"The {definition.PluralName} were being changed by another write at the same time; nothing was changed. Try again."));
        }
    }

    private static async Task<MergeResult> MergeCoreAsync(IServiceProvider services, ICrmEntityDefinition definition, IReadOnlyList<long> ids, long keepId,
        IReadOnlyDictionary<string, object?>? values, bool dryRun, CancellationToken cancellationToken)
    {
        var removed = ids.Where(id => id != keepId).ToList();
        await definition.LockAsync(services, ids, RowLock.Update, cancellationToken);
        foreach (var id in ids)
        {
            var action = id == keepId ? PermissionAction.Update : PermissionAction.Delete;
            if (!await definition.ReachesAsync(services, id, PermissionAction.Read, cancellationToken) || !await definition.ReachesAsync(services, id, action, cancellationToken))
            {
                return MergeResult.Refused(dryRun, definition.ReachesAll(services, action) && definition.ReachesAll(services, PermissionAction.Read)
                    ? Refusals.NotFound(definition.Name, id, "ids")
                    : UserError.At(ErrorCodes.Forbidden, $"You may not {(id == keepId ? "change" : "delete")} {definition.Name} {Id(id)}, or there is no such {definition.Name}.", "ids"));
            }
        }

        var limit = services.GetRequiredService<QueryLimits>().MaxDetachedReferences;
        var plan = await ReferencePlan.MakeAsync(services, definition, removed, limit, cancellationToken);
        if (plan.Count > limit)
        {
            return MergeResult.Refused(dryRun, UserError.At(ErrorCodes.LimitExceeded,
                $"The {definition.PluralName} to remove are named by more than {Id(limit)} records (Limits:MaxDetachedReferences); merge fewer at a time.", "ids"));
        }

        var refused = await plan.MoveAsync(services, keepId, cancellationToken);
        if (refused.Count > 0)
        {
            return MergeResult.Refused(dryRun, [.. refused]);
        }

        // The kept record takes the removed ones' links of its own relations (a contact's companies), then the removed go.
        var keptInput = await OwnLinksInputAsync(services, definition, keepId, ids, cancellationToken);
        foreach (var id in removed)
        {
            var deleted = await definition.DeleteAsync(services, id, cancellationToken);
            if (deleted.Errors.Count > 0)
            {
                return MergeResult.Refused(dryRun, [.. deleted.Errors]);
            }
        }

        foreach (var (field, value) in values ?? new Dictionary<string, object?>())
        {
            keptInput[field] = value;
        }

        if (keptInput.Count > 0)
        {
            var updated = await definition.UpdateAsync(services, keepId, keptInput, cancellationToken);
            if (updated.Errors.Count > 0)
            {
                return MergeResult.Refused(dryRun, updated.Errors.Select(e => e with { Path = e.Path.Count > 0 && e.Path[0] == "input" ? ["values", .. e.Path.Skip(1)] : e.Path }).ToArray());
            }
        }

        var db = services.GetRequiredService<DuplicatesDbContext>();
        db.Publish(new RecordsMerged(definition.Name, keepId, removed, plan.Count));
        await db.SaveChangesAsync(cancellationToken);
        var kept = await definition.LoadByIdsAsync(services, [keepId], cancellationToken);
        return new MergeResult(kept.GetValueOrDefault(keepId), removed, plan.Count, dryRun, []);
    }

    /// <summary>
    /// The kept record's input that gives it the removed records' links of its own relations (a
    /// merged contact's companies), after its own, each once; empty when it has them all.
    /// </summary>
    private static async Task<Dictionary<string, object?>> OwnLinksInputAsync(IServiceProvider services, ICrmEntityDefinition definition, long keepId, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        var input = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var relation in services.GetServices<ISchemaContributor>().OfType<CrmRelationDefinition>().Where(r => r.FromType == definition.Name && r.FromInputName is not null))
        {
            var links = await relation.LinksOfAsync(services, ids, cancellationToken);
            var kept = links[keepId].ToList();
            var all = kept.Concat(ids.Where(id => id != keepId).SelectMany(id => links[id])).Distinct().ToList();
            if (all.Count > kept.Count)
            {
                input[relation.FromInputName!] = all.Select(id => (object?)Id(id)).ToList();
            }
        }

        return input;
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
