using Crm.Modules.Automation.Definitions;
using Crm.Modules.Automation.Schedules;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Rules;

/// <summary>
/// The life of a rule's versions (<see cref="VersionedDefinitions{TDefinition, TVersion}"/>), with
/// what is a rule's own: its input validated (<see cref="RuleValidator"/>) and its schedule, which
/// follows the active version once a write commits.
/// </summary>
public sealed class RuleStore(IServiceProvider services)
{
    public static readonly DefinitionKind Kind = new("automation rule", "automation rules", "rule", "rules", "updateAutomationRule", RuleLimits.MaxRulesPerType);

    private readonly VersionedDefinitions<AutomationRule, AutomationRuleVersion> _versions = new(services, Kind);

    private RuleSchedules RuleSchedules => services.GetRequiredService<RuleSchedules>();

    public Task<DefinitionPayload<AutomationRule>> CreateAsync(string entityType, RuleInput input, CancellationToken cancellationToken) =>
        _versions.CreateAsync(entityType, Content(input), cancellationToken);

    public Task<DefinitionPayload<AutomationRule>> UpdateAsync(long id, RuleInput input, CancellationToken cancellationToken) =>
        _versions.UpdateAsync(id, Content(input), cancellationToken);

    public async Task<DefinitionPayload<AutomationRule>> ActivateAsync(long id, CancellationToken cancellationToken)
    {
        RuleDefinition? activated = null;
        var payload = await _versions.ActivateAsync(id, (_, draft, _) =>
        {
            activated = RuleDefinition.FromJson(draft.Definition);
            return Task.FromResult(RuleSchedules.Problem(activated));
        }, cancellationToken);

        // Committed: the rule's schedule follows the version now active (or ends when that one has none).
        if (payload.Errors.Count == 0)
        {
            await RuleSchedules.FollowAsync(id, activated, cancellationToken);
        }

        return payload;
    }

    public async Task<DefinitionPayload<AutomationRule>> DeactivateAsync(long id, CancellationToken cancellationToken) =>
        await StopScheduleAsync(id, await _versions.DeactivateAsync(id, cancellationToken), cancellationToken);

    public async Task<DefinitionPayload<AutomationRule>> DeleteAsync(long id, CancellationToken cancellationToken) =>
        await StopScheduleAsync(id, await _versions.DeleteAsync(id, cancellationToken), cancellationToken);

    public DefinitionPayload<AutomationRule> InvalidId(object? raw) => _versions.InvalidId(raw);

    /// <summary>After a committed deactivation or deletion: the rule's recurring work (a schedule's) ends.</summary>
    private async Task<DefinitionPayload<AutomationRule>> StopScheduleAsync(long id, DefinitionPayload<AutomationRule> payload, CancellationToken cancellationToken)
    {
        if (payload.Errors.Count == 0)
        {
            await RuleSchedules.FollowAsync(id, null, cancellationToken);
        }

        return payload;
    }

    private DefinitionContent<AutomationRuleVersion> Content(RuleInput input) => async (recordType, errors, cancellationToken) =>
        await new RuleValidator(services).ValidateAsync(recordType, input, errors, cancellationToken) is { } valid
            ? new DefinitionWrite<AutomationRuleVersion>(
                version => (version.Name, version.Description, version.Definition, version.RunAsUserId) = (valid.Name, valid.Description, valid.Definition.ToJson(), valid.RunAsUserId),
                DirectoryReferences.OfRule(services, recordType, valid.Definition))
            : null;
}
