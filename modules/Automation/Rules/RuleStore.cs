using System.Globalization;
using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Rules;

/// <summary>A rule as a write left it, or why it was not written.</summary>
public sealed record RulePayload(AutomationRule? Rule, IReadOnlyList<UserError> Errors, long? DeletedId = null);

/// <summary>
/// The life of a rule's versions: create (a first draft), update (edits the draft, or starts one from
/// the latest version), activate (the draft becomes the active version, the previous active one is
/// archived), deactivate (nothing active), delete. Each is one transaction that holds the rule's row
/// (PostgreSQL: <c>FOR UPDATE</c>; SQLite lets one writer in at a time anyway), so concurrent edits of
/// one rule run one after the other, and two partial unique indexes keep one draft and one active
/// version per rule even if they did not. Every write needs the settings right.
/// </summary>
public sealed class RuleStore(IServiceProvider services)
{
    private readonly AutomationDbContext _db = services.GetRequiredService<AutomationDbContext>();
    private readonly CrmDatabaseSession _session = services.GetRequiredService<CrmDatabaseSession>();
    private readonly ICurrentActor _actor = services.GetRequiredService<ICurrentActor>();

    private DateTime Now => services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;

    private Crm.Modules.Automation.Schedules.RuleSchedules RuleSchedules => services.GetRequiredService<Crm.Modules.Automation.Schedules.RuleSchedules>();

    public async Task<RulePayload> CreateAsync(string entityType, RuleInput input, CancellationToken cancellationToken)
    {
        if (_actor.RefuseUnlessCanConfigure("Editing automation rules") is { } refused)
        {
            return new RulePayload(null, [refused]);
        }

        if (ParameterValidator.EntityTypeOf(services, entityType) is not { } recordType)
        {
            return new RulePayload(null, [UserError.At(ErrorCodes.NotFound, $"No record type '{entityType}' is loaded.", "entityType")]);
        }

        var errors = new List<UserError>();
        if (await new RuleValidator(services).ValidateAsync(recordType, input, errors, cancellationToken) is not { } valid)
        {
            return new RulePayload(null, errors);
        }

        return await _session.InTransactionAsync(async () =>
        {
            // The per-type count is checked and the rule added in one turn of the type's lock.
            if (_db.IsPostgres)
            {
                await _db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(hashtext('automation.rules:' || {0}))", [recordType.Name], cancellationToken);
            }

            if (await _db.Rules.CountAsync(r => r.EntityType == recordType.Name, cancellationToken) >= RuleLimits.MaxRulesPerType)
            {
                return new RulePayload(null, [UserError.At(ErrorCodes.LimitExceeded,
                    $"A record type has at most {RuleLimits.MaxRulesPerType.ToString(CultureInfo.InvariantCulture)} rules.", "entityType")]);
            }

            var now = Now;
            var rule = new AutomationRule { EntityType = recordType.Name, LatestVersion = 1, CreatedAt = now, CreatedById = _actor.UserId, UpdatedAt = now };
            rule.Versions.Add(NewDraft(valid, 1, now));
            _db.Rules.Add(rule);
            await _db.SaveChangesAsync(cancellationToken);
            return new RulePayload(rule, []);
        }, p => p.Errors.Count == 0, cancellationToken);
    }

    public async Task<RulePayload> UpdateAsync(long id, RuleInput input, CancellationToken cancellationToken)
    {
        if (_actor.RefuseUnlessCanConfigure("Editing automation rules") is { } refused)
        {
            return new RulePayload(null, [refused]);
        }

        if (await _db.Rules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken) is not { } found)
        {
            return NotFound(id);
        }

        if (ParameterValidator.EntityTypeOf(services, found.EntityType) is not { } recordType)
        {
            return new RulePayload(null, [UserError.At(ErrorCodes.NotFound, $"The rule's record type '{found.EntityType}' is not loaded.", "id")]);
        }

        var errors = new List<UserError>();
        if (await new RuleValidator(services).ValidateAsync(recordType, input, errors, cancellationToken) is not { } valid)
        {
            return new RulePayload(null, errors);
        }

        return await InRuleTurnAsync(id, async rule =>
        {
            var now = Now;
            if (rule.Versions.FirstOrDefault(v => v.State == RuleState.Draft) is { } draft)
            {
                draft.Name = valid.Name;
                draft.Description = valid.Description;
                draft.Definition = valid.Definition.ToJson();
                draft.RunAsUserId = valid.RunAsUserId;
                draft.UpdatedAt = now;
            }
            else
            {
                rule.LatestVersion++;
                rule.Versions.Add(NewDraft(valid, rule.LatestVersion, now));
            }

            rule.UpdatedAt = now;
            await _db.SaveChangesAsync(cancellationToken);
            return new RulePayload(rule, []);
        }, cancellationToken);
    }

    public async Task<RulePayload> ActivateAsync(long id, CancellationToken cancellationToken)
    {
        if (_actor.RefuseUnlessCanConfigure("Activating automation rules") is { } refused)
        {
            return new RulePayload(null, [refused]);
        }

        RuleDefinition? activated = null;
        var payload = await InRuleTurnAsync(id, async rule =>
            {
                if (rule.Versions.FirstOrDefault(v => v.State == RuleState.Draft) is not { } draft)
                {
                    return new RulePayload(null, [UserError.At(ErrorCodes.InvalidValue, "The rule has no draft to activate: edit it first (updateAutomationRule).", "id")]);
                }

                activated = RuleDefinition.FromJson(draft.Definition);
                if (RuleSchedules.Problem(activated) is { } notYet)
                {
                    return new RulePayload(null, [notYet]);
                }

                var now = Now;
                // Archived first, then activated, each its own statement: the index of one active version per rule holds at every step.
                if (rule.Versions.FirstOrDefault(v => v.State == RuleState.Active) is { } active)
                {
                    active.State = RuleState.Archived;
                    active.ArchivedAt = now;
                    active.UpdatedAt = now;
                    await _db.SaveChangesAsync(cancellationToken);
                }

                draft.State = RuleState.Active;
                draft.ActivatedAt = now;
                draft.UpdatedAt = now;
                rule.ActiveVersion = draft.Version;
                rule.UpdatedAt = now;
                await _db.SaveChangesAsync(cancellationToken);
                return new RulePayload(rule, []);
            }, cancellationToken);

        // Committed: the rule's schedule follows the version now active (or ends when that one has none).
        if (payload.Errors.Count == 0)
        {
            await RuleSchedules.FollowAsync(id, activated, cancellationToken);
        }

        return payload;
    }

    public async Task<RulePayload> DeactivateAsync(long id, CancellationToken cancellationToken) =>
        _actor.RefuseUnlessCanConfigure("Deactivating automation rules") is { } refused
            ? new RulePayload(null, [refused])
            : await StopScheduleAsync(id, await InRuleTurnAsync(id, async rule =>
            {
                if (rule.Versions.FirstOrDefault(v => v.State == RuleState.Active) is { } active)
                {
                    var now = Now;
                    active.State = RuleState.Archived;
                    active.ArchivedAt = now;
                    active.UpdatedAt = now;
                    rule.ActiveVersion = null;
                    rule.UpdatedAt = now;
                    await _db.SaveChangesAsync(cancellationToken);
                }

                return new RulePayload(rule, []);
            }, cancellationToken), cancellationToken);

    public async Task<RulePayload> DeleteAsync(long id, CancellationToken cancellationToken) =>
        _actor.RefuseUnlessCanConfigure("Deleting automation rules") is { } refused
            ? new RulePayload(null, [refused])
            : await StopScheduleAsync(id, await InRuleTurnAsync(id, async rule =>
            {
                _db.Rules.Remove(rule);
                await _db.SaveChangesAsync(cancellationToken);
                return new RulePayload(null, [], rule.Id);
            }, cancellationToken), cancellationToken);

    /// <summary>After a committed deactivation or deletion: the rule's recurring work (a schedule's) ends.</summary>
    private async Task<RulePayload> StopScheduleAsync(long id, RulePayload payload, CancellationToken cancellationToken)
    {
        if (payload.Errors.Count == 0)
        {
            await RuleSchedules.FollowAsync(id, null, cancellationToken);
        }

        return payload;
    }

    /// <summary>Runs <paramref name="work"/> on the rule with its row held, in one transaction committed only when it refused nothing.</summary>
    private Task<RulePayload> InRuleTurnAsync(long id, Func<AutomationRule, Task<RulePayload>> work, CancellationToken cancellationToken) =>
        _session.InTransactionAsync(async () =>
        {
            await _db.LockAsync<AutomationRule>([id], RowLock.Update, cancellationToken);

            var rule = await _db.Rules.Include(r => r.Versions).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
            return rule is null ? NotFound(id) : await work(rule);
        }, p => p.Errors.Count == 0, cancellationToken);

    private static RulePayload NotFound(long id) =>
        new(null, [UserError.At(ErrorCodes.NotFound, $"No automation rule {id.ToString(CultureInfo.InvariantCulture)}.", "id")]);

    private AutomationRuleVersion NewDraft(ValidRule valid, int version, DateTime now) => new()
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
