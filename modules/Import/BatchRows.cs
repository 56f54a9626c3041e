using Crm.Modules.Import.Mapping;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Import;

/// <summary>What became of one row of a batch.</summary>
internal enum RowFate
{
    Imported,
    Updated,
    Skipped,
    Rejected,
}

internal sealed record RowOutcome(RowFate Fate, RowRejection? Rejection = null);

/// <summary>
/// Writes the rows of one batch, in the batch's transaction, with what each would get written
/// alone in file order: the new records through the type's <see cref="ICrmEntityDefinition.CreateManyAsync"/>
/// (together, not one create per row), duplicates matched for the whole batch at once
/// (<see cref="IDuplicateMatcher.FindManyAsync"/>) and updated one by one. A row whose keys a row
/// before it writes (two rows of one person) ends the run of rows matched together: the rows from
/// it on are matched again once those before are written, so that it finds them, as it would alone.
/// Names are looked up likewise (<see cref="ReferenceNames"/>): once for the batch, and again from a row
/// that names a record of the imported type an earlier row of the batch gives.
/// </summary>
internal sealed class BatchRows(IServiceProvider services, ICrmEntityDefinition definition, RowBinder binder, IDuplicateMatcher? matcher, ImportParameters parameters, int maxMatches)
{
    public async Task<RowOutcome[]> WriteAsync(IReadOnlyList<(long Number, string[] Cells)> rows, CancellationToken cancellationToken)
    {
        var outcomes = new RowOutcome[rows.Count];
        var start = 0;
        while (start < rows.Count)
        {
            // Users and records named by name: one lookup for the rows still to write, in the batch's transaction.
            var names = await ReferenceNames.LookUpAsync(services, definition, binder.Columns, rows.Skip(start).Select(r => r.Cells), cancellationToken);
            var end = RunEnd(rows, start, names);
            var bound = new List<(int Index, IReadOnlyDictionary<string, object?> Input)>(end - start);
            for (var i = start; i < end; i++)
            {
                var (input, rejection) = binder.Bind(rows[i].Cells, names);
                if (input is null)
                {
                    outcomes[i] = new RowOutcome(RowFate.Rejected, rejection);
                }
                else
                {
                    bound.Add((i, input));
                }
            }

            if (matcher is null)
            {
                await CreateAsync(bound, outcomes, cancellationToken);
            }
            else
            {
                await MatchedAsync(matcher, bound, outcomes, cancellationToken);
            }

            start = end;
        }

        return outcomes;
    }

    /// <summary>
    /// Where the run of rows from <paramref name="start"/> that one lookup of names serves ends: at the first row
    /// naming, by title, a record of the imported type that a row before it in the run gives (a company naming
    /// one the file made a row earlier). The rows from it on are looked up again once those before are written,
    /// so that it finds that record, as it would alone; a type that names no record of its own kind is one run.
    /// </summary>
    private int RunEnd(IReadOnlyList<(long Number, string[] Cells)> rows, int start, ReferenceNames names)
    {
        if (!names.NamesRecordsOf(definition.Name) || definition.TitleFields is not [var titleField] || binder.Columns.FirstOrDefault(c => c.Target.Name == titleField.Name) is not { } titleColumn)
        {
            return rows.Count;
        }

        var given = new HashSet<string>(StringComparer.Ordinal);
        for (var i = start; i < rows.Count; i++)
        {
            var cells = rows[i].Cells;
            if (i > start && names.TitlesNamed(definition.Name, binder.Columns, cells).Any(given.Contains))
            {
                return i;
            }

            if (titleColumn.Index < cells.Length && cells[titleColumn.Index].Trim() is { Length: > 0 } title)
            {
                given.Add(title);
            }
        }

        return rows.Count;
    }

    private async Task CreateAsync(IReadOnlyList<(int Index, IReadOnlyDictionary<string, object?> Input)> rows, RowOutcome[] outcomes, CancellationToken cancellationToken)
    {
        foreach (var chunk in rows.Chunk(ICrmEntityDefinition.MaxCreateManyInputs))
        {
            var payloads = await definition.CreateManyAsync(services, chunk.Select(r => r.Input).ToList(), cancellationToken);
            for (var i = 0; i < chunk.Length; i++)
            {
                outcomes[chunk[i].Index] = Outcome(payloads[i], RowFate.Imported);
            }
        }
    }

    private async Task MatchedAsync(IDuplicateMatcher matcher, List<(int Index, IReadOnlyDictionary<string, object?> Input)> rows, RowOutcome[] outcomes, CancellationToken cancellationToken)
    {
        var rule = parameters.MatchBy!;
        var next = 0;
        while (next < rows.Count)
        {
            var pending = rows.GetRange(next, rows.Count - next);
            var matches = await matcher.FindManyAsync(services, definition.Name, rule, pending.Select(r => r.Input).ToList(), maxMatches, cancellationToken);
            var written = new HashSet<string>(StringComparer.Ordinal);
            var updated = new HashSet<long>();
            var creates = new List<(int Index, IReadOnlyDictionary<string, object?> Input)>();
            var taken = 0;
            for (; taken < pending.Count; taken++)
            {
                var (index, input) = pending[taken];
                var keys = matcher.KeysOf(services, definition.Name, rule, input);
                var found = matches[taken];
                if (taken > 0 && (keys.Any(written.Contains) || found.Any(updated.Contains)))
                {
                    // It would match (or no longer match) what the rows before it write: matched again after them.
                    break;
                }

                if (found.Count == 0)
                {
                    creates.Add((index, input));
                    written.UnionWith(keys);
                }
                else if (parameters.Duplicates == DuplicateHandling.Skip)
                {
                    outcomes[index] = new RowOutcome(RowFate.Skipped);
                }
                else
                {
                    outcomes[index] = await UpdateAsync(found[0], input, cancellationToken);
                    written.UnionWith(keys);
                    updated.Add(found[0]);
                }
            }

            await CreateAsync(creates, outcomes, cancellationToken);
            next += taken;
        }
    }

    /// <summary>The oldest match updated, behind a savepoint: an update refused after its save (a duplicate it would make) leaves nothing, as alone.</summary>
    private async Task<RowOutcome> UpdateAsync(long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        try
        {
            var payload = await services.GetRequiredService<CrmDatabaseSession>().InSavepointAsync(
                () => definition.UpdateAsync(services, id, input, cancellationToken), p => p.Errors.Count == 0, cancellationToken);
            return Outcome(payload, RowFate.Updated);
        }
        catch (GraphQL.ExecutionError ex)
        {
            return new RowOutcome(RowFate.Rejected, new RowRejection("", ex.Code ?? ErrorCodes.Validation, ex.Message));
        }
    }

    private RowOutcome Outcome(MutationPayload payload, RowFate done) =>
        payload.Errors.Count == 0
            ? new RowOutcome(done)
            : new RowOutcome(RowFate.Rejected, new RowRejection(binder.ColumnOf(payload.Errors[0]), payload.Errors[0].Code, string.Join(" ", payload.Errors.Select(e => e.Message))));
}
