using System.Globalization;
using Crm.PluginSdk.CustomFields;
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
public abstract partial class CrmEntityDefinition<TRecord, TContext>
{
    public Task<MutationPayload> CreateAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        WithCurrentNames(input, out var current) is { } conflict
            ? Task.FromResult(new MutationPayload(null, [conflict]))
            : InWriteTransactionAsync(services, () => CreateCoreAsync(services, current, cancellationToken), cancellationToken);

    public Task<MutationPayload> UpdateAsync(IServiceProvider services, long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken) =>
        WithCurrentNames(input, out var current) is { } conflict
            ? Task.FromResult(new MutationPayload(null, [conflict]))
            : InWriteTransactionAsync(services, () => UpdateCoreAsync(services, id, current, cancellationToken), cancellationToken, id);

    public Task<MutationPayload> DeleteAsync(IServiceProvider services, long id, CancellationToken cancellationToken) =>
        InWriteTransactionAsync(services, () => DeleteCoreAsync(services, id, cancellationToken), cancellationToken, id);

    public Task LockAsync(IServiceProvider services, IReadOnlyCollection<long> ids, RowLock mode, CancellationToken cancellationToken) =>
        services.GetRequiredService<TContext>().LockAsync<TRecord>(ids, mode, cancellationToken);

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
            services.GetRequiredService<TContext>().ChangeTracker.Clear();
            return new MutationPayload(null, [UserError.At(ErrorCodes.NotFound, $"{char.ToUpperInvariant(Name[0])}{Name[1..]} {gone.ToString(CultureInfo.InvariantCulture)} was deleted or changed meanwhile.", "id")]);
        }
        catch (Exception ex) when (outermost && IsLostRace(ex))
        {
            // Two writes that lock the same records in opposite orders (a delete and a link to
            // what it deletes): PostgreSQL aborts one of them, which may simply be sent again.
            return new MutationPayload(null, [UserError.At(ErrorCodes.Conflict, $"The {Name} was being changed by another write at the same time; nothing was changed. Try again.")]);
        }
    }

    private static bool IsLostRace(Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is Npgsql.PostgresException { SqlState: "40P01" or "40001" })
            {
                return true;
            }
        }

        return false;
    }

    private async Task<MutationPayload> CreateCoreAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        var record = new TRecord();
        var errors = new List<UserError>();
        var fields = FieldsOf(services);
        InputBinder.Apply(record, fields.Values, input, isCreate: true, errors);
        // The hook runs even after field errors, so that one answer lists every problem.
        await ApplyInputAsync(new MutationContext<TRecord, TContext>(record, db, input, isCreate: true, services, errors, cancellationToken));
        await ValidateLinksAsync(record, fields, _ => true, services, errors, cancellationToken);
        var actor = services.GetService<ICurrentActor>();
        if (record is IOwnedRecord { AssignedById: null } owned && actor is { UserId: > 0 and var me })
        {
            // Bitrix24's rule: a new record is its author's unless given to someone else; an
            // administrator's (the bootstrap key's user 1) too. The system (user 0) is nobody's author.
            owned.AssignedById = me;
        }

        if (errors.Count == 0 && !Allows(record, services, PermissionAction.Add))
        {
            errors.Add(AccessFilter.ReachesNone(RightsOf(services), Name, PermissionAction.Add)
                ? UserError.At(ErrorCodes.Forbidden, Refusals.MayNotAny("add", PluralName))
                : UserError.At(ErrorCodes.Forbidden, $"You may not add a {Name} assigned to that user{(_partition.Count == 0 ? "" : " here")}.", "input", "assignedById"));
        }

        if (errors.Count > 0)
        {
            return new MutationPayload(null, errors);
        }

        db.Add(record);
        var linksTouched = TouchesSearchLinks(services, db, record, input);
        await db.SaveChangesAsync(cancellationToken);
        if (linksTouched)
        {
            await RefreshSearchLinksAsync(services, [record.Id], cancellationToken);
        }

        return new MutationPayload(record, errors);
    }

    private async Task<MutationPayload> UpdateCoreAsync(IServiceProvider services, long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        // Read, changed and written back whole (the custom field document, the search text):
        // a concurrent writer of the same record waits until this one has committed.
        await db.LockAsync<TRecord>([id], RowLock.NoKeyUpdate, cancellationToken);
        var record = await Reachable(WriteQuery(db), services, PermissionAction.Update).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (record is null)
        {
            return new MutationPayload(null, [ReachesAll(services, PermissionAction.Update) ? NotFound(id) : Hidden(id, "change")]);
        }

        var errors = await ApplyUpdateAsync(services, db, record, input, onBehalf: false, cancellationToken);
        if (errors.Count > 0)
        {
            // Leave nothing behind for a later save in the same request.
            db.ChangeTracker.Clear();
            return new MutationPayload(null, errors);
        }

        var linksTouched = TouchesSearchLinks(services, db, record, input);
        await db.SaveChangesAsync(cancellationToken);
        if (linksTouched)
        {
            await RefreshSearchLinksAsync(services, [record.Id], cancellationToken);
        }

        return new MutationPayload(record, errors);
    }

    /// <summary>
    /// Applies an update's input to a tracked record: the fields, the definition's hook, the links'
    /// checks and (unless the platform writes <paramref name="onBehalf"/> of the actor, as when it
    /// clears references) the check that the record stays within the actor's reach. Saves nothing.
    /// </summary>
    private async Task<List<UserError>> ApplyUpdateAsync(IServiceProvider services, TContext db, TRecord record, IReadOnlyDictionary<string, object?> input, bool onBehalf, CancellationToken cancellationToken)
    {
        var errors = new List<UserError>();
        var fields = FieldsOf(services);
        InputBinder.Apply(record, fields.Values, input, isCreate: false, errors, includeReadOnly: onBehalf);
        await ApplyInputAsync(new MutationContext<TRecord, TContext>(record, db, input, isCreate: false, services, errors, cancellationToken));
        db.ChangeTracker.DetectChanges();
        await ValidateLinksAsync(record, fields,
            field => field.Custom is null ? db.Entry(record).Property(field.Property.Name).IsModified : input.ContainsKey(field.Name),
            services, errors, cancellationToken);
        if (!onBehalf && errors.Count == 0 && !Allows(record, services, PermissionAction.Update))
        {
            // Reassigning (or moving) a record out of one's own reach is refused.
            errors.Add(UserError.At(ErrorCodes.Forbidden, $"You may not give this {Name} to that user{(_partition.Count == 0 ? "" : " or move it there")}.", "input", "assignedById"));
        }

        return errors;
    }

    private async Task<MutationPayload> DeleteCoreAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<TContext>();
        // The strongest lock: links being written to this record wait, or were written before it.
        await db.LockAsync<TRecord>([id], RowLock.Update, cancellationToken);
        var record = await Reachable(WriteQuery(db), services, PermissionAction.Delete).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (record is null)
        {
            return new MutationPayload(null, [ReachesAll(services, PermissionAction.Delete) ? NotFound(id) : Hidden(id, "delete")]);
        }

        // No reference outlives the record: each is cleared (its record gets an "updated" event), or
        // the delete is refused while a reference declared ReferenceDeletion.Refuse holds it.
        var problems = await ReferenceCleaner.DetachAllAsync(services, Name, id, cancellationToken);
        if (problems.Count > 0)
        {
            return new MutationPayload(null, problems);
        }

        await OnDeletingAsync(record, db, cancellationToken);
        db.Remove(record);
        await db.SaveChangesAsync(cancellationToken);
        await ReferenceCleaner.DeleteOwnLinksAsync(services, Name, id, cancellationToken);
        return new MutationPayload(null, [], id);
    }

    /// <summary>
    /// Ids of other records must name records that exist, and list values items of their list:
    /// checked for the fields a write sets, one query per referenced type or list. The records
    /// linked to are held (<see cref="RowLock.KeyShare"/>) until the write commits.
    /// </summary>
    private static async Task ValidateLinksAsync(TRecord record, IReadOnlyDictionary<string, EntityField> fields, Func<EntityField, bool> written, IServiceProvider services, List<UserError> errors, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<IEntityRegistry>();
        await ValidateCustomLinksAsync(record, fields.Values.Where(f => f.Custom is not null && written(f)).ToList(), registry, services, errors, cancellationToken);
        foreach (var group in fields.Values.Where(f => f.Custom is null).Where(f => f.ReferenceType is not null && f.Get(record) is not null && written(f)).GroupBy(f => f.ReferenceType!))
        {
            var ids = group.Select(f => Convert.ToInt64(f.Get(record), CultureInfo.InvariantCulture)).Distinct().ToList();
            var found = await registry.Find(group.Key).LoadHeldAsync(services, ids, cancellationToken);
            foreach (var field in group)
            {
                var id = Convert.ToInt64(field.Get(record), CultureInfo.InvariantCulture);
                if (!found.ContainsKey(id))
                {
                    errors.Add(Refusals.NotFound(group.Key, id, "input", field.Name));
                }
            }
        }

        var listFields = fields.Values.Where(f => f.ListOf is not null && f.Get(record) is not null && written(f)).ToList();
        if (listFields.Count == 0)
        {
            return;
        }

        var lists = services.GetService<Lists.ISelectionLists>();
        foreach (var field in listFields)
        {
            var listId = field.ListOf!(record);
            var value = (string)field.Get(record)!;
            var items = lists is null ? [] : await lists.GetItemsAsync(listId, cancellationToken);
            if (!items.Any(i => i.Id == value))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{value}' is not an item of the selection list {listId}.", "input", field.Name));
            }
        }
    }

    /// <summary>
    /// Links in custom fields must name records that exist (CRM links by their type, employees as
    /// active users): one query per referenced type.
    /// </summary>
    private static async Task ValidateCustomLinksAsync(TRecord record, IReadOnlyList<EntityField> written, IEntityRegistry registry, IServiceProvider services, List<UserError> errors, CancellationToken cancellationToken)
    {
        var references = new List<(EntityField Field, string Type, long Id)>();
        foreach (var field in written)
        {
            var spec = field.Custom!;
            var stored = ((ICustomizableRecord)record).CustomFields[spec.Code];
            var nodes = stored is System.Text.Json.Nodes.JsonArray array ? array.ToList() : [stored];
            foreach (var node in nodes.Where(n => n is not null))
            {
                if (spec.Type == CustomFieldType.Crm && CrmRecordReference.Parse(node!.GetValue<string>()) is { } link)
                {
                    references.Add((field, link.EntityType, link.Id));
                }
                else if (spec.Type == CustomFieldType.Employee)
                {
                    references.Add((field, "user", node!.GetValue<long>()));
                }
            }
        }

        // Employees are users: those the rights provider knows as active (when users are managed at all).
        if (services.GetService<IAccessRightsProvider>() is { } users)
        {
            foreach (var (field, _, id) in references.Where(r => r.Type == "user").DistinctBy(r => (r.Field.Name, r.Id)).ToList())
            {
                if (await users.RightsAsync(id, cancellationToken) is null)
                {
                    errors.Add(UserError.At(ErrorCodes.NotFound, Refusals.NoSuch("active user", id, field.Name), "input", field.Name));
                }
            }
        }

        foreach (var group in references.Where(r => r.Type != "user").GroupBy(r => r.Type))
        {
            var found = await registry.Find(group.Key).LoadHeldAsync(services, group.Select(r => r.Id).Distinct().ToList(), cancellationToken);
            foreach (var (field, entityType, id) in group.Where(r => !found.ContainsKey(r.Id)).DistinctBy(r => (r.Field.Name, r.Id)))
            {
                errors.Add(UserError.At(ErrorCodes.NotFound, Refusals.NoSuch(entityType, id, field.Name), "input", field.Name));
            }
        }
    }
}
