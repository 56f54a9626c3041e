using Crm.PluginSdk.Modules;
using System.Globalization;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Creates, updates and deletes. Each runs in one transaction of the scope's session (or joins
/// the one in progress), with its record locked for the read-modify-write and the records it
/// links to held so that a concurrent delete cannot remove them under the new link (see
/// <see cref="RowLocks"/>); a delete clears every reference to the record first (see
/// <see cref="ReferenceCleaner"/>).
/// </summary>
internal sealed class RecordWriter<TRecord, TContext>(
    CrmEntityDefinition<TRecord, TContext> definition, RecordAccess<TRecord> access, SearchLinks<TRecord, TContext> searchLinks, FormerFieldNames formerNames)
    where TRecord : class, ICrmRecord, new()
    where TContext : ModuleDbContext
{
    public Task<MutationPayload> CreateAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        formerNames.WithCurrentNames(input, out var current) is { } conflict
            ? Task.FromResult(new MutationPayload(null, [conflict]))
            : InWriteTransactionAsync(services, () => CreateCoreAsync(services, current, cancellationToken), cancellationToken);

    public Task<MutationPayload> UpdateAsync(IServiceProvider services, long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        formerNames.WithCurrentNames(input, out var current) is { } conflict
            ? Task.FromResult(new MutationPayload(null, [conflict]))
            : InWriteTransactionAsync(services, () => UpdateCoreAsync(services, id, (_, _) => Task.FromResult<(IReadOnlyDictionary<string, object?>?, UserError?)>((current, null)), cancellationToken),
                cancellationToken, id);

    /// <summary>The update whose input <paramref name="inputOf"/> makes of the record as it is read, locked: null leaves it as it is (nothing written).</summary>
    public Task<MutationPayload> UpdateAsync(IServiceProvider services, long id, Func<object, CancellationToken, Task<IReadOnlyDictionary<string, object?>?>> inputOf,
        CancellationToken cancellationToken) =>
        InWriteTransactionAsync(services, () => UpdateCoreAsync(services, id, async (record, ct) =>
        {
            if (await inputOf(record, ct) is not { } given)
            {
                return (null, null);
            }

            return formerNames.WithCurrentNames(given, out var current) is { } conflict ? (null, conflict) : (current, null);
        }, cancellationToken), cancellationToken, id);

    public Task<MutationPayload> DeleteAsync(IServiceProvider services, long id, CancellationToken cancellationToken) =>
        InWriteTransactionAsync(services, () => DeleteCoreAsync(services, id, cancellationToken), cancellationToken, id);

    /// <summary>All of a write or none of it; a refused write rolls back whatever its hooks did.</summary>
    private async Task<MutationPayload> InWriteTransactionAsync(IServiceProvider services, Func<Task<MutationPayload>> work, CancellationToken cancellationToken, long? id = null)
    {
        var session = services.GetService<CrmDatabaseSession>();
        // Inside another write's transaction a failure is that write's to handle: its transaction is lost.
        var outermost = session?.Transaction is null;
        try
        {
            return session is null ? await work() : await session.InTransactionAsync(work, payload => payload.Errors.Count == 0, cancellationToken);
        }
        catch (DbUpdateConcurrencyException) when (outermost && id is { } gone)
        {
            // The row locks make this rare (a row changed outside the platform); the record is not there as it was read.
            services.GetModuleService<TContext>().ChangeTracker.Clear();
            return new MutationPayload(null, [UserError.At(ErrorCodes.NotFound, $"{char.ToUpperInvariant(definition.Name[0])}{definition.Name[1..]} {gone.ToString(CultureInfo.InvariantCulture)} was deleted or changed meanwhile.", "id")]);
        }
        catch (Exception ex) when (outermost && LostRaces.Is(ex))
        {
            // Two writes that lock the same records in opposite orders (a delete and a link to
            // what it deletes): PostgreSQL aborts one of them, which may simply be sent again.
            return new MutationPayload(null, [LostRace()]);
        }
        catch (Exception ex) when (outermost && ForeignKeyViolations.Is(ex))
        {
            // A module's own key (a deal's pipeline) decided a race the checks before the write
            // could not see: what the record points at was deleted after it was checked.
            services.GetModuleService<TContext>().ChangeTracker.Clear();
            return new MutationPayload(null, [UserError.At(ErrorCodes.NotFound,
                $"Something this {definition.Name} refers to was deleted at the same time; nothing was changed.")]);
        }
    }

    internal UserError LostRace() =>
        UserError.At(ErrorCodes.Conflict, $"The {definition.Name} was being changed by another write at the same time; nothing was changed. Try again.");

    /// <summary>One create in the transaction in progress: the record prepared, saved, its search links written and its checks run.</summary>
    internal async Task<MutationPayload> CreateCoreAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        var db = services.GetModuleService<TContext>();
        var (record, errors) = await PrepareCreateAsync(services, db, input, cancellationToken);
        if (errors.Count > 0)
        {
            return new MutationPayload(null, errors);
        }

        db.Add(record);
        var linksTouched = searchLinks.Touches(services, db, record, input);
        await db.SaveChangesAsync(cancellationToken);
        if (linksTouched)
        {
            await searchLinks.RefreshAsync(services, [record.Id], cancellationToken);
        }

        return await CheckedAsync(services, record, isCreate: true, cancellationToken);
    }

    /// <summary>
    /// A new record bound from a create's input, through the definition's hook, the bound type's
    /// input, the links' checks, its default responsible user and the actor's rights to add it;
    /// with every problem found. Not added to the context.
    /// </summary>
    internal async Task<(TRecord Record, List<UserError> Errors)> PrepareCreateAsync(IServiceProvider services, TContext db, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        var record = new TRecord();
        var errors = new List<UserError>();
        var fields = definition.FieldsOf(services);
        InputBinder.Apply(record, fields.Values, input, isCreate: true, errors);
        // The hook runs even after field errors, so that one answer lists every problem.
        await definition.ApplyInputHookAsync(new MutationContext<TRecord, TContext>(record, db, input, isCreate: true, services, errors, cancellationToken));
        if (access.Bound is { } bound)
        {
            await bound.ApplyInputAsync(record, input, isCreate: true, services, errors, cancellationToken);
        }

        await LinkValidator<TRecord>.ValidateAsync(record, fields, _ => true, services, errors, cancellationToken);
        var actor = services.GetService<ICurrentActor>();
        if (record is IOwnedRecord { AssignedById: null } owned && actor is { UserId: > 0 and var me })
        {
            // Bitrix24's rule: a new record is its author's unless given to someone else; an
            // administrator's (the bootstrap key's user 1) too. The system (user 0) is nobody's author.
            owned.AssignedById = me;
        }

        if (errors.Count == 0 && access.Bound is { } boundType && !await boundType.AllowsAsync(record, services, PermissionAction.Add, cancellationToken))
        {
            errors.Add(UserError.At(ErrorCodes.Forbidden, $"You may not add this {definition.Name}: you may change none of its records and are not its responsible user.", "input"));
        }

        if (errors.Count == 0 && !access.Allows(record, services, PermissionAction.Add))
        {
            errors.Add(RecordAccess<TRecord>.ReachesNone(services, definition.Name, PermissionAction.Add)
                ? UserError.At(ErrorCodes.Forbidden, Refusals.MayNotAny("add", definition.PluralName))
                : UserError.At(ErrorCodes.Forbidden, $"You may not add a {definition.Name} assigned to that user{(access.IsPartitioned ? " here" : "")}.", "input", "assignedById"));
        }

        return (record, errors);
    }

    private async Task<MutationPayload> UpdateCoreAsync(IServiceProvider services, long id,
        Func<TRecord, CancellationToken, Task<(IReadOnlyDictionary<string, object?>? Input, UserError? Refusal)>> inputOf, CancellationToken cancellationToken)
    {
        var db = services.GetModuleService<TContext>();
        // Read, changed and written back whole (the custom field document, the search text):
        // a concurrent writer of the same record waits until this one has committed. The lock
        // comes with the read, in one statement.
        var record = await LockedAsync(services, db, id, PermissionAction.Update, RowLock.NoKeyUpdate, cancellationToken);
        if (record is null)
        {
            return new MutationPayload(null, [access.Missing(services, id, PermissionAction.Update, "change")]);
        }

        var (input, refusal) = await inputOf(record, cancellationToken);
        if (refusal is not null)
        {
            return new MutationPayload(null, [refusal]);
        }

        if (input is null)
        {
            // Nothing to change: the record as it is, nothing written.
            return new MutationPayload(record, []);
        }

        var errors = await ApplyUpdateAsync(services, db, record, input, onBehalf: false, cancellationToken);
        if (errors.Count > 0)
        {
            // Leave nothing behind for a later save in the same request.
            db.ChangeTracker.Clear();
            return new MutationPayload(null, errors);
        }

        var linksTouched = searchLinks.Touches(services, db, record, input);
        await db.SaveChangesAsync(cancellationToken);
        if (linksTouched)
        {
            await searchLinks.RefreshAsync(services, [record.Id], cancellationToken);
        }

        return await CheckedAsync(services, record, isCreate: false, cancellationToken);
    }

    /// <summary>
    /// The saved record, with the platform's checks of it (duplicates): their warnings go with it,
    /// and a refusal rolls the write back (the payload has errors).
    /// </summary>
    private async Task<MutationPayload> CheckedAsync(IServiceProvider services, TRecord record, bool isCreate, CancellationToken cancellationToken)
    {
        var warnings = new List<DuplicateWarning>();
        foreach (var check in services.GetServices<IRecordWriteCheck>())
        {
            var verdict = await check.CheckAsync(services, definition, record, isCreate, cancellationToken);
            if (verdict.Refusals.Count > 0)
            {
                return new MutationPayload(null, verdict.Refusals);
            }

            warnings.AddRange(verdict.Warnings);
        }

        return new MutationPayload(record, []) { Duplicates = warnings };
    }

    /// <summary>The record as the definition's write query loads it, row locked, if the actor may act on it.</summary>
    private Task<TRecord?> LockedAsync(IServiceProvider services, TContext db, long id, PermissionAction action, RowLock mode, CancellationToken cancellationToken)
    {
        var filter = access.FilterFor(services, action);
        if (filter is null && CompiledLockingReads<TRecord, TContext>.TryRead(db, definition.WritesFrom, id, mode, cancellationToken, out var read))
        {
            return read;
        }

        var locked = db.LockingRow(definition.WritesFrom(db), id, mode);
        return (filter is null ? locked : locked.Where(filter)).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
    }

    /// <summary>
    /// Applies an update's input to a tracked record: the fields, the definition's hook, the links'
    /// checks and (unless the platform writes <paramref name="onBehalf"/> of the actor, as when it
    /// clears references) the check that the record stays within the actor's reach. Saves nothing.
    /// </summary>
    public async Task<List<UserError>> ApplyUpdateAsync(IServiceProvider services, TContext db, TRecord record, IReadOnlyDictionary<string, object?> input, bool onBehalf, CancellationToken cancellationToken)
    {
        var errors = new List<UserError>();
        var fields = definition.FieldsOf(services);
        InputBinder.Apply(record, fields.Values, input, isCreate: false, errors, includeReadOnly: onBehalf);
        await definition.ApplyInputHookAsync(new MutationContext<TRecord, TContext>(record, db, input, isCreate: false, services, errors, cancellationToken));
        if (!onBehalf && access.Bound is { } bound)
        {
            await bound.ApplyInputAsync(record, input, isCreate: false, services, errors, cancellationToken);
        }

        db.ChangeTracker.DetectChanges();
        // One entry for every field's question: each db.Entry(record) would compare the record's properties again.
        var entry = db.Entry(record);
        await LinkValidator<TRecord>.ValidateAsync(record, fields,
            field => field.Custom is null ? entry.Property(field.Property.Name).IsModified : input.ContainsKey(field.Name),
            services, errors, cancellationToken);
        if (!onBehalf && errors.Count == 0 && !access.Allows(record, services, PermissionAction.Update))
        {
            // Reassigning (or moving) a record out of one's own reach is refused.
            errors.Add(UserError.At(ErrorCodes.Forbidden, $"You may not give this {definition.Name} to that user{(access.IsPartitioned ? " or move it there" : "")}.", "input", "assignedById"));
        }

        if (!onBehalf && errors.Count == 0 && access.Bound is { } boundType && !await boundType.AllowsAsync(record, services, PermissionAction.Update, cancellationToken))
        {
            // The change would leave the record out of the actor's reach: neither responsible nor able to change a bound record.
            errors.Add(UserError.At(ErrorCodes.Forbidden, $"You may not leave this {definition.Name} so: you could change none of its records and would not be its responsible user.", "input"));
        }

        return errors;
    }

    private async Task<MutationPayload> DeleteCoreAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        var db = services.GetModuleService<TContext>();
        // The strongest lock: links being written to this record wait, or were written before it.
        var record = await LockedAsync(services, db, id, PermissionAction.Delete, RowLock.Update, cancellationToken);
        if (record is null)
        {
            return new MutationPayload(null, [access.Missing(services, id, PermissionAction.Delete, "delete")]);
        }

        // No reference outlives the record: each is cleared (its record gets an "updated" event), or
        // the delete is refused while a reference declared ReferenceDeletion.Refuse holds it.
        var problems = await ReferenceCleaner.DetachAllAsync(services, definition.Name, id, cancellationToken);
        if (problems.Count > 0)
        {
            return new MutationPayload(null, problems);
        }

        await definition.OnDeletingHookAsync(record, db, cancellationToken);
        db.Remove(record);
        await db.SaveChangesAsync(cancellationToken);
        await ReferenceCleaner.DeleteOwnLinksAsync(services, definition.Name, id, cancellationToken);
        return new MutationPayload(null, [], id);
    }
}
