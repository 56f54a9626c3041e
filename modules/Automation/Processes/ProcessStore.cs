using System.Globalization;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>A process as a write left it, or why it was not written.</summary>
public sealed record ProcessPayload(BusinessProcess? Process, IReadOnlyList<UserError> Errors, long? DeletedId = null);

/// <summary>
/// The life of a process's versions, as a rule's (<see cref="RuleStore"/>): create (a first draft),
/// update (edits the draft, or starts one), activate (the draft becomes active, the active one is
/// archived; running instances keep the version they pinned), deactivate, delete. Each is one
/// transaction holding the process's row; every write needs the settings right.
/// </summary>
public sealed class ProcessStore(IServiceProvider services)
{
    private readonly AutomationDbContext _db = services.GetRequiredService<AutomationDbContext>();
    private readonly CrmDatabaseSession _session = services.GetRequiredService<CrmDatabaseSession>();
    private readonly ICurrentActor _actor = services.GetRequiredService<ICurrentActor>();

    private DateTime Now => services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;

    public async Task<ProcessPayload> CreateAsync(string entityType, ProcessInput input, CancellationToken cancellationToken, string? templateKey = null)
    {
        if (_actor.RefuseUnlessCanConfigure("Editing business processes") is { } refused)
        {
            return new ProcessPayload(null, [refused]);
        }

        if (ParameterValidator.EntityTypeOf(services, entityType) is not { } recordType)
        {
            return new ProcessPayload(null, [UserError.At(ErrorCodes.NotFound, $"No record type '{entityType}' is loaded.", "entityType")]);
        }

        var errors = new List<UserError>();
        if (await new ProcessValidator(services).ValidateAsync(recordType, null, input, errors, cancellationToken) is not { } valid)
        {
            return new ProcessPayload(null, errors);
        }

        return await _session.InTransactionAsync(async () =>
        {
            if (_db.IsPostgres)
            {
                await _db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(hashtext('automation.processes:' || {0}))", [recordType.Name], cancellationToken);
            }

            if (await _db.Processes.CountAsync(p => p.EntityType == recordType.Name, cancellationToken) >= ProcessLimits.MaxProcessesPerType)
            {
                return new ProcessPayload(null, [UserError.At(ErrorCodes.LimitExceeded, $"A record type has at most {ProcessLimits.MaxProcessesPerType} processes.", "entityType")]);
            }

            var now = Now;
            var process = new BusinessProcess { EntityType = recordType.Name, LatestVersion = 1, TemplateKey = templateKey, CreatedAt = now, CreatedById = _actor.UserId, UpdatedAt = now };
            process.Versions.Add(NewDraft(valid, 1, now));
            _db.Processes.Add(process);
            await _db.SaveChangesAsync(cancellationToken);
            return new ProcessPayload(process, []);
        }, p => p.Errors.Count == 0, cancellationToken);
    }

    public async Task<ProcessPayload> UpdateAsync(long id, ProcessInput input, CancellationToken cancellationToken)
    {
        if (_actor.RefuseUnlessCanConfigure("Editing business processes") is { } refused)
        {
            return new ProcessPayload(null, [refused]);
        }

        if (await _db.Processes.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken) is not { } found)
        {
            return NotFound(id);
        }

        if (ParameterValidator.EntityTypeOf(services, found.EntityType) is not { } recordType)
        {
            return new ProcessPayload(null, [UserError.At(ErrorCodes.NotFound, $"The process's record type '{found.EntityType}' is not loaded.", "id")]);
        }

        var errors = new List<UserError>();
        if (await new ProcessValidator(services).ValidateAsync(recordType, id, input, errors, cancellationToken) is not { } valid)
        {
            return new ProcessPayload(null, errors);
        }

        return await InTurnAsync(id, async process =>
        {
            var now = Now;
            if (process.Versions.FirstOrDefault(v => v.State == RuleState.Draft) is { } draft)
            {
                (draft.Name, draft.Description, draft.Definition, draft.RunAsUserId, draft.UpdatedAt) = (valid.Name, valid.Description, valid.Definition.ToJson(), valid.RunAsUserId, now);
            }
            else
            {
                process.LatestVersion++;
                process.Versions.Add(NewDraft(valid, process.LatestVersion, now));
            }

            process.UpdatedAt = now;
            await _db.SaveChangesAsync(cancellationToken);
            return new ProcessPayload(process, []);
        }, cancellationToken);
    }

    public async Task<ProcessPayload> ActivateAsync(long id, CancellationToken cancellationToken) =>
        _actor.RefuseUnlessCanConfigure("Activating business processes") is { } refused
            ? new ProcessPayload(null, [refused])
            : await InTurnAsync(id, async process =>
            {
                if (process.Versions.FirstOrDefault(v => v.State == RuleState.Draft) is not { } draft)
                {
                    return new ProcessPayload(null, [UserError.At(ErrorCodes.InvalidValue, "The process has no draft to activate: edit it first (updateBusinessProcess).", "id")]);
                }

                var now = Now;
                // Archived first, then activated, each its own statement: one active version per process at every step.
                if (process.Versions.FirstOrDefault(v => v.State == RuleState.Active) is { } active)
                {
                    (active.State, active.ArchivedAt, active.UpdatedAt) = (RuleState.Archived, now, now);
                    await _db.SaveChangesAsync(cancellationToken);
                }

                (draft.State, draft.ActivatedAt, draft.UpdatedAt) = (RuleState.Active, now, now);
                process.ActiveVersion = draft.Version;
                process.UpdatedAt = now;
                await _db.SaveChangesAsync(cancellationToken);
                return new ProcessPayload(process, []);
            }, cancellationToken);

    public async Task<ProcessPayload> DeactivateAsync(long id, CancellationToken cancellationToken) =>
        _actor.RefuseUnlessCanConfigure("Deactivating business processes") is { } refused
            ? new ProcessPayload(null, [refused])
            : await InTurnAsync(id, async process =>
            {
                if (process.Versions.FirstOrDefault(v => v.State == RuleState.Active) is { } active)
                {
                    var now = Now;
                    (active.State, active.ArchivedAt, active.UpdatedAt) = (RuleState.Archived, now, now);
                    process.ActiveVersion = null;
                    process.UpdatedAt = now;
                    await _db.SaveChangesAsync(cancellationToken);
                }

                return new ProcessPayload(process, []);
            }, cancellationToken);

    public async Task<ProcessPayload> DeleteAsync(long id, CancellationToken cancellationToken) =>
        _actor.RefuseUnlessCanConfigure("Deleting business processes") is { } refused
            ? new ProcessPayload(null, [refused])
            : await InTurnAsync(id, async process =>
            {
                _db.Processes.Remove(process);
                await _db.SaveChangesAsync(cancellationToken);
                return new ProcessPayload(null, [], process.Id);
            }, cancellationToken);

    private Task<ProcessPayload> InTurnAsync(long id, Func<BusinessProcess, Task<ProcessPayload>> work, CancellationToken cancellationToken) =>
        _session.InTransactionAsync(async () =>
        {
            await _db.LockAsync<BusinessProcess>([id], RowLock.Update, cancellationToken);

            var process = await _db.Processes.Include(p => p.Versions).FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
            return process is null ? NotFound(id) : await work(process);
        }, p => p.Errors.Count == 0, cancellationToken);

    private static ProcessPayload NotFound(long id) =>
        new(null, [UserError.At(ErrorCodes.NotFound, $"No business process {id.ToString(CultureInfo.InvariantCulture)}.", "id")]);

    private BusinessProcessVersion NewDraft(ValidProcess valid, int version, DateTime now) => new()
    {
        Version = version,
        State = RuleState.Draft,
        Name = valid.Name,
        Description = valid.Description,
        Definition = valid.Definition.ToJson(),
        RunAsUserId = valid.RunAsUserId,
        CreatedAt = now,
        CreatedById = _actor.UserId,
        UpdatedAt = now,
    };
}
