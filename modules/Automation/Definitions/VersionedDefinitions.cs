using System.Globalization;
using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Definitions;

/// <summary>A definition as a write left it, or why it was not written.</summary>
public sealed record DefinitionPayload<TDefinition>(TDefinition? Definition, IReadOnlyList<UserError> Errors, long? DeletedId = null)
    where TDefinition : class;

/// <summary>
/// How a kind of definition is named to admins and bounded: <c>Noun</c> "automation rule", <c>Plural</c>
/// "automation rules", <c>Short</c> "rule", <c>ShortPlural</c> "rules", the mutation that edits it, and
/// the most a record type may have.
/// </summary>
public sealed record DefinitionKind(string Noun, string Plural, string Short, string ShortPlural, string UpdateMutation, int MaxPerType);

/// <summary>
/// A definition's validated content: what it writes into a draft version (name, definition JSON ...)
/// and the departments, roles and list items it names, held while it is written.
/// </summary>
public sealed record DefinitionWrite<TVersion>(Action<TVersion> Write, DirectoryReferences References);

/// <summary>The validated content of a definition's input; null when the input was refused (its errors added to the list).</summary>
public delegate Task<DefinitionWrite<TVersion>?> DefinitionContent<TVersion>(ICrmEntityDefinition recordType, List<UserError> errors, CancellationToken cancellationToken);

/// <summary>
/// The life of a definition's versions, one mechanism for rules, processes and whatever comes next:
/// create (a first draft), update (edits the draft, or starts one from the latest version), activate
/// (the draft becomes the active version, the previous active one is archived), deactivate (nothing
/// active), delete. Each is one transaction that holds the definition's row (PostgreSQL:
/// <c>FOR UPDATE</c>; SQLite lets one writer in at a time anyway), so concurrent edits of one
/// definition run one after the other; the partial unique indexes each definition maps (one draft,
/// one active version) hold even if they did not. Every write needs the settings right. The content
/// is validated before the turn starts (no lock is held while scripts compile); the departments,
/// roles and list items it names are held in the turn (<see cref="IOrganization.HoldDepartmentAsync"/>), so that a
/// version naming one is never written past its deletion, and their deletion is refused while a
/// draft or active version names them (<see cref="DefinitionDirectoryUses"/>).
/// </summary>
public sealed class VersionedDefinitions<TDefinition, TVersion>(IServiceProvider services, DefinitionKind kind)
    where TDefinition : VersionedDefinition<TVersion>, new()
    where TVersion : DefinitionVersion, new()
{
    private readonly AutomationDbContext _db = services.GetRequiredService<AutomationDbContext>();
    private readonly CrmDatabaseSession _session = services.GetRequiredService<CrmDatabaseSession>();
    private readonly ICurrentActor _actor = services.GetRequiredService<ICurrentActor>();

    private DateTime Now => services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;

    public async Task<DefinitionPayload<TDefinition>> CreateAsync(string entityType, DefinitionContent<TVersion> content, CancellationToken cancellationToken)
    {
        if (Refused("Editing") is { } refused)
        {
            return refused;
        }

        if (ParameterValidator.EntityTypeOf(services, entityType) is not { } recordType)
        {
            return Failed(UserError.At(ErrorCodes.NotFound, $"No record type '{entityType}' is loaded.", "entityType"));
        }

        var errors = new List<UserError>();
        if (await content(recordType, errors, cancellationToken) is not { } write)
        {
            return new(null, errors);
        }

        return await _session.InTransactionAsync(async () =>
        {
            // The per-type count is checked and the definition added in one turn of the type's lock.
            await _db.LockNameAsync($"automation.{kind.ShortPlural}:{recordType.Name}", cancellationToken);

            if (await _db.Set<TDefinition>().CountAsync(d => d.EntityType == recordType.Name, cancellationToken) >= kind.MaxPerType)
            {
                return Failed(UserError.At(ErrorCodes.LimitExceeded,
                    $"A record type has at most {kind.MaxPerType.ToString(CultureInfo.InvariantCulture)} {kind.ShortPlural}.", "entityType"));
            }

            if (await RefuseUnlessHeldAsync(write.References, cancellationToken) is { } gone)
            {
                return Failed(gone);
            }

            var now = Now;
            var definition = new TDefinition { EntityType = recordType.Name, LatestVersion = 1, CreatedAt = now, CreatedById = _actor.UserId, UpdatedAt = now };
            definition.Versions.Add(NewDraft(write, 1, now));
            _db.Set<TDefinition>().Add(definition);
            await _db.SaveChangesAsync(cancellationToken);
            return new DefinitionPayload<TDefinition>(definition, []);
        }, p => p.Errors.Count == 0, cancellationToken);
    }

    public async Task<DefinitionPayload<TDefinition>> UpdateAsync(long id, DefinitionContent<TVersion> content, CancellationToken cancellationToken)
    {
        if (Refused("Editing") is { } refused)
        {
            return refused;
        }

        if (await _db.Set<TDefinition>().AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancellationToken) is not { } found)
        {
            return NotFound(id);
        }

        if (ParameterValidator.EntityTypeOf(services, found.EntityType) is not { } recordType)
        {
            return Failed(UserError.At(ErrorCodes.NotFound, $"The {kind.Short}'s record type '{found.EntityType}' is not loaded.", "id"));
        }

        var errors = new List<UserError>();
        if (await content(recordType, errors, cancellationToken) is not { } write)
        {
            return new(null, errors);
        }

        return await InTurnAsync(id, async definition =>
        {
            if (await RefuseUnlessHeldAsync(write.References, cancellationToken) is { } gone)
            {
                return Failed(gone);
            }

            var now = Now;
            if (definition.Versions.FirstOrDefault(v => v.State == DefinitionState.Draft) is { } draft)
            {
                Write(write, draft);
                draft.UpdatedAt = now;
            }
            else
            {
                definition.LatestVersion++;
                definition.Versions.Add(NewDraft(write, definition.LatestVersion, now));
            }

            definition.UpdatedAt = now;
            await _db.SaveChangesAsync(cancellationToken);
            return new DefinitionPayload<TDefinition>(definition, []);
        }, cancellationToken);
    }

    /// <summary>
    /// Activates the draft; <paramref name="check"/> (inside the turn, the row held) may refuse it
    /// for reasons of the definition's own (a schedule that cannot run, a sub-process chain too deep).
    /// </summary>
    public async Task<DefinitionPayload<TDefinition>> ActivateAsync(long id, Func<TDefinition, TVersion, CancellationToken, Task<UserError?>>? check, CancellationToken cancellationToken) =>
        Refused("Activating") ?? await InTurnAsync(id, async definition =>
        {
            if (definition.Versions.FirstOrDefault(v => v.State == DefinitionState.Draft) is not { } draft)
            {
                return Failed(UserError.At(ErrorCodes.InvalidValue, $"The {kind.Short} has no draft to activate: edit it first ({kind.UpdateMutation}).", "id"));
            }

            if (check is not null && await check(definition, draft, cancellationToken) is { } problem)
            {
                return Failed(problem);
            }

            var now = Now;
            // Archived first, then activated, each its own statement: the index of one active version holds at every step.
            if (definition.Versions.FirstOrDefault(v => v.State == DefinitionState.Active) is { } active)
            {
                Archive(active, now);
                await _db.SaveChangesAsync(cancellationToken);
            }

            (draft.State, draft.ActivatedAt, draft.UpdatedAt) = (DefinitionState.Active, now, now);
            definition.ActiveVersion = draft.Version;
            definition.UpdatedAt = now;
            await _db.SaveChangesAsync(cancellationToken);
            return new DefinitionPayload<TDefinition>(definition, []);
        }, cancellationToken);

    public async Task<DefinitionPayload<TDefinition>> DeactivateAsync(long id, CancellationToken cancellationToken) =>
        Refused("Deactivating") ?? await InTurnAsync(id, async definition =>
        {
            if (definition.Versions.FirstOrDefault(v => v.State == DefinitionState.Active) is { } active)
            {
                var now = Now;
                Archive(active, now);
                definition.ActiveVersion = null;
                definition.UpdatedAt = now;
                await _db.SaveChangesAsync(cancellationToken);
            }

            return new DefinitionPayload<TDefinition>(definition, []);
        }, cancellationToken);

    public async Task<DefinitionPayload<TDefinition>> DeleteAsync(long id, CancellationToken cancellationToken) =>
        Refused("Deleting") ?? await InTurnAsync(id, async definition =>
        {
            _db.Set<TDefinition>().Remove(definition);
            await _db.SaveChangesAsync(cancellationToken);
            return new DefinitionPayload<TDefinition>(null, [], definition.Id);
        }, cancellationToken);

    /// <summary>The refusal of a malformed id, in the payload's shape.</summary>
    public DefinitionPayload<TDefinition> InvalidId(object? raw) => Failed(RecordIds.Invalid(raw, kind.Noun, "id"));

    /// <summary>Runs <paramref name="work"/> on the definition with its row held, in one transaction committed only when it refused nothing.</summary>
    private Task<DefinitionPayload<TDefinition>> InTurnAsync(long id, Func<TDefinition, Task<DefinitionPayload<TDefinition>>> work, CancellationToken cancellationToken) =>
        _session.InTransactionAsync(async () =>
        {
            await _db.LockAsync<TDefinition>([id], RowLock.Update, cancellationToken);

            var definition = await _db.Set<TDefinition>().Include(d => d.Versions).FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
            return definition is null ? NotFound(id) : await work(definition);
        }, p => p.Errors.Count == 0, cancellationToken);

    private DefinitionPayload<TDefinition>? Refused(string verb) =>
        _actor.RefuseUnlessCanConfigure($"{verb} {kind.Plural}") is { } refused ? Failed(refused) : null;

    private DefinitionPayload<TDefinition> NotFound(long id) =>
        Failed(UserError.At(ErrorCodes.NotFound, $"No {kind.Noun} {id.ToString(CultureInfo.InvariantCulture)}.", "id"));

    private static DefinitionPayload<TDefinition> Failed(UserError error) => new(null, [error]);

    private static void Archive(TVersion active, DateTime now) => (active.State, active.ArchivedAt, active.UpdatedAt) = (DefinitionState.Archived, now, now);

    private TVersion NewDraft(DefinitionWrite<TVersion> write, int version, DateTime now)
    {
        var draft = new TVersion { Version = version, State = DefinitionState.Draft, CreatedAt = now, CreatedById = _actor.UserId, UpdatedAt = now };
        Write(write, draft);
        return draft;
    }

    private static void Write(DefinitionWrite<TVersion> write, TVersion version)
    {
        write.Write(version);
        version.References = write.References.Column;
    }

    /// <summary>
    /// Holds every department, role and list item the content names until the turn ends (a delete meanwhile waits,
    /// then finds this version naming it); the first one deleted since the content was validated is refused.
    /// </summary>
    private async Task<UserError?> RefuseUnlessHeldAsync(DirectoryReferences references, CancellationToken cancellationToken)
    {
        UserError Gone(string what) => UserError.At(ErrorCodes.NotFound, $"{what}, which the {kind.Short} names, was deleted meanwhile.", "input");

        var organization = services.GetService<IOrganization>();
        foreach (var id in references.Departments)
        {
            if (organization is null || !await organization.HoldDepartmentAsync(id, cancellationToken))
            {
                return Gone($"Department {id.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        foreach (var id in references.Roles)
        {
            if (organization is null || !await organization.HoldRoleAsync(id, cancellationToken))
            {
                return Gone($"Role {id.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        var lists = services.GetService<ISelectionLists>();
        foreach (var (family, item) in references.Items)
        {
            if (lists is null || !await lists.HoldItemAsync(family, item, cancellationToken))
            {
                return Gone($"Item '{item}' of {family}");
            }
        }

        return null;
    }
}
