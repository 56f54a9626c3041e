using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Creates many records of a type at once (<see cref="ICrmEntityDefinition.CreateManyAsync"/>),
/// answering for each input what its own create would have. Every input is prepared as a create
/// prepares it (binding, the definition's hook, the links' checks, rights); the accepted records
/// are saved together (one save: EF batches the rows, their events and the observers' writes),
/// their search links written in one refresh and the write checks asked once for the set. When
/// the set cannot stand as a whole (a check refuses one of them, or the database refuses the
/// save), it is undone to a savepoint and the records are created one after another, each behind
/// a savepoint of its own, so that each answer is exactly the single create's.
/// </summary>
internal sealed class BulkRecordCreator<TRecord, TContext>(
    CrmEntityDefinition<TRecord, TContext> definition, RecordWriter<TRecord, TContext> writer, SearchLinks<TRecord, TContext> searchLinks, FormerFieldNames formerNames)
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    private sealed record Accepted(int Index, TRecord Record, IReadOnlyDictionary<string, object?> Input);

    public async Task<IReadOnlyList<MutationPayload>> CreateManyAsync(IServiceProvider services, IReadOnlyList<IReadOnlyDictionary<string, object?>> inputs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count > ICrmEntityDefinition.MaxCreateManyInputs)
        {
            throw new ArgumentOutOfRangeException(nameof(inputs), inputs.Count, $"At most {ICrmEntityDefinition.MaxCreateManyInputs} records are created at once.");
        }

        if (inputs.Count == 0)
        {
            return [];
        }

        if (services.GetService<CrmDatabaseSession>() is not { } session)
        {
            // No shared session (a context used alone): nothing to save together in.
            var answers = new List<MutationPayload>(inputs.Count);
            foreach (var input in inputs)
            {
                answers.Add(await writer.CreateAsync(services, input, cancellationToken));
            }

            return answers;
        }

        var outermost = session.Transaction is null;
        try
        {
            return await session.InTransactionAsync(() => CreateInTransactionAsync(services, session, inputs, cancellationToken), cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (outermost && LostRaces.Is(ex))
        {
            // As a single create answers it: nothing was written, and all of it may be sent again.
            return inputs.Select(_ => new MutationPayload(null, [writer.LostRace()])).ToList();
        }
    }

    private async Task<IReadOnlyList<MutationPayload>> CreateInTransactionAsync(IServiceProvider services, CrmDatabaseSession session, IReadOnlyList<IReadOnlyDictionary<string, object?>> inputs,
        CancellationToken cancellationToken)
    {
        var db = services.GetModuleService<TContext>();
        var answers = new MutationPayload[inputs.Count];
        var accepted = new List<Accepted>(inputs.Count);
        var current = new IReadOnlyDictionary<string, object?>[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            if (formerNames.WithCurrentNames(inputs[i], out current[i]) is { } conflict)
            {
                answers[i] = new MutationPayload(null, [conflict]);
                continue;
            }

            TRecord record;
            List<UserError> errors;
            try
            {
                (record, errors) = await writer.PrepareCreateAsync(services, db, current[i], cancellationToken);
            }
            catch (global::GraphQL.ExecutionError error)
            {
                answers[i] = Refused(error);
                continue;
            }

            if (errors.Count > 0)
            {
                answers[i] = new MutationPayload(null, errors);
                continue;
            }

            accepted.Add(new Accepted(i, record, current[i]));
        }

        if (accepted.Count == 0)
        {
            return answers;
        }

        IReadOnlyList<MutationPayload>? saved;
        try
        {
            saved = await session.InSavepointAsync(() => SaveTogetherAsync(services, db, accepted, cancellationToken), together => together is not null, cancellationToken);
        }
        catch (Exception ex) when (ex is DbUpdateException or System.Data.Common.DbException && !LostRaces.Is(ex))
        {
            // A constraint the preparation does not check: found out row by row below.
            saved = null;
        }

        if (saved is not null)
        {
            for (var i = 0; i < accepted.Count; i++)
            {
                answers[accepted[i].Index] = saved[i];
            }

            return answers;
        }

        // One after another, each prepared again (what it links to may have changed with the ones before it).
        foreach (var one in accepted)
        {
            answers[one.Index] = await CreateOneAsync(services, session, current[one.Index], cancellationToken);
        }

        return answers;
    }

    /// <summary>The records saved together with their checks' warnings; null when a check refused one of them (the caller undoes the save).</summary>
    private async Task<IReadOnlyList<MutationPayload>?> SaveTogetherAsync(IServiceProvider services, TContext db, List<Accepted> accepted, CancellationToken cancellationToken)
    {
        var touching = accepted.Where(one => searchLinks.TouchesNew(services, one.Record, one.Input)).Select(one => one.Record).ToList();
        var records = accepted.Select(a => (ICrmRecord)a.Record).ToList();
        if (!await db.TryInsertUntrackedAsync(records, cancellationToken))
        {
            foreach (var one in accepted)
            {
                db.Add(one.Record);
            }

            // The rows and their events copied (PostgreSQL): a failure of the save undoes it to the savepoint and creates one by one.
            db.CopiesAddedRows = true;
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            finally
            {
                db.CopiesAddedRows = false;
            }
        }

        if (touching.Count > 0)
        {
            await searchLinks.RefreshAsync(services, touching.Select(r => r.Id).ToList(), cancellationToken);
        }

        var warnings = accepted.Select(_ => new List<DuplicateWarning>()).ToArray();
        foreach (var check in services.GetServices<IRecordWriteCheck>())
        {
            var verdicts = await check.CheckCreatedAsync(services, definition, records, cancellationToken);
            if (verdicts.Any(v => v.Refusals.Count > 0))
            {
                return null;
            }

            for (var i = 0; i < verdicts.Count; i++)
            {
                warnings[i].AddRange(verdicts[i].Warnings);
            }
        }

        return accepted.Select((a, i) => new MutationPayload(a.Record, []) { Duplicates = warnings[i] }).ToList();
    }

    /// <summary>
    /// One create behind its own savepoint: refused, it leaves nothing, as a create alone rolls back.
    /// The database refusing it (a constraint) answers <c>CONFLICT</c> with the database's reason.
    /// </summary>
    private async Task<MutationPayload> CreateOneAsync(IServiceProvider services, CrmDatabaseSession session, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        try
        {
            return await session.InSavepointAsync(() => writer.CreateCoreAsync(services, input, cancellationToken), payload => payload.Errors.Count == 0, cancellationToken);
        }
        catch (global::GraphQL.ExecutionError error)
        {
            return Refused(error);
        }
        catch (Exception ex) when (ex is DbUpdateException or System.Data.Common.DbException && !LostRaces.Is(ex))
        {
            return new MutationPayload(null, [UserError.At(ErrorCodes.Conflict, $"The database refused the {definition.Name}: {(ex.InnerException ?? ex).Message}", "input")]);
        }
    }

    /// <summary>What a create alone throws as a GraphQL error (an id that is none), answered as its input's error.</summary>
    private static MutationPayload Refused(global::GraphQL.ExecutionError error) =>
        new(null, [UserError.At(error.Code ?? ErrorCodes.Validation, error.Message, "input")]);
}
