using System.Globalization;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Rules;

/// <summary>A rule as a caller gives it (GraphQL's <c>AutomationRuleInput</c>), before it is checked.</summary>
public sealed record RuleInput(
    string? Name,
    string? Description,
    RuleStepInput? Trigger,
    JsonNode? Condition,
    IReadOnlyList<RuleActionInput>? Actions,
    long? RunAsUserId,
    bool AllowSelfTrigger,
    JsonNode? Scope = null,
    bool KeepWhenStageLeft = false);

public sealed record RuleStepInput(string? Kind, JsonNode? Params);

public sealed record RuleActionInput(string? Kind, JsonNode? Params, TimingInput? Timing, ErrorPolicy OnError, int Retries);

public sealed record TimingInput(TimingMode Mode, string? Delay, string? Field, string? TimeOfDay, bool WorkingHoursOnly);

/// <summary>A rule version's content once checked: what is stored.</summary>
public sealed record ValidRule(string Name, string? Description, RuleDefinition Definition, long RunAsUserId);

/// <summary>
/// Checks a rule when it is saved, all at once: its name, its trigger and each action against the
/// catalog (the kind exists and applies to the record type; its parameters by the SDK's
/// <see cref="ParameterValidator"/> and the kind's own check), its condition
/// (<see cref="ConditionValidator"/>), each action's timing and error policy, and its run-as user.
/// Paths start at <c>input</c>.
/// </summary>
public sealed class RuleValidator(IServiceProvider services)
{
    /// <summary>The integration user a rule runs as when it names no one (<see cref="IIntegrationUsers"/>).</summary>
    public const string AutomationUserKey = "automation";

    public const string AutomationUserName = "Automation";

    public async Task<ValidRule?> ValidateAsync(ICrmEntityDefinition recordType, RuleInput input, List<UserError> errors, CancellationToken cancellationToken)
    {
        var before = errors.Count;
        var catalog = services.GetRequiredService<AutomationCatalog>();
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(UserError.At(ErrorCodes.Required, "A rule has a name.", "input", "name"));
        }
        else if (name.Length > RuleLimits.MaxNameLength)
        {
            errors.Add(UserError.At(ErrorCodes.TooLong, $"A rule's name is at most {RuleLimits.MaxNameLength.ToString(CultureInfo.InvariantCulture)} characters.", "input", "name"));
        }

        if (input.Description is { Length: > RuleLimits.MaxDescriptionLength })
        {
            errors.Add(UserError.At(ErrorCodes.TooLong, $"A rule's description is at most {RuleLimits.MaxDescriptionLength.ToString(CultureInfo.InvariantCulture)} characters.", "input", "description"));
        }

        var scope = Scope(recordType, input.Scope, errors);
        var recordScope = scope is null ? null : new RuleDefinition(new RuleStep("", []), null, [], false, scope).RecordScope();
        var trigger = await StepAsync(recordType, recordScope, input.Trigger, catalog.FindTrigger, "trigger", ["input", "trigger"], errors, cancellationToken);

        JsonObject? condition = null;
        if (input.Condition is JsonObject tree)
        {
            condition = tree;
            await ConditionValidator.ValidateAsync(services, recordType, tree, ["input", "condition"], errors, cancellationToken);
        }
        else if (input.Condition is not null)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidFormat, "A condition is an object (a group, a field test or workingHours).", "input", "condition"));
        }

        var actions = new List<RuleAction>();
        var given = input.Actions ?? [];
        if (given.Count is 0 or > RuleLimits.MaxActions)
        {
            errors.Add(UserError.At(given.Count == 0 ? ErrorCodes.Required : ErrorCodes.LimitExceeded,
                $"A rule has 1 to {RuleLimits.MaxActions.ToString(CultureInfo.InvariantCulture)} actions.", "input", "actions"));
        }
        else
        {
            for (var i = 0; i < given.Count; i++)
            {
                var at = new[] { "input", "actions", i.ToString(CultureInfo.InvariantCulture) };
                var step = await StepAsync(recordType, recordScope, new RuleStepInput(given[i].Kind, given[i].Params), catalog.FindAction, "action", at, errors, cancellationToken);
                var timing = Timing(recordType, given[i].Timing, [.. at, "timing"], errors);
                if (given[i].Retries < 0 || given[i].Retries > RuleLimits.MaxRetries || (given[i].OnError == ErrorPolicy.Retry) != (given[i].Retries > 0))
                {
                    errors.Add(new UserError(ErrorCodes.InvalidValue,
                        $"'retries' is 1 to {RuleLimits.MaxRetries.ToString(CultureInfo.InvariantCulture)} with onError RETRY, and 0 otherwise.", [.. at, "retries"]));
                }

                if (step is not null && timing is not null)
                {
                    actions.Add(new RuleAction(step.Kind, step.Params, timing, given[i].OnError, given[i].Retries));
                }
            }
        }

        if (input.RunAsUserId is { } named)
        {
            if (named <= 0 || !(await services.GetRequiredService<IUserDirectory>().LoadUsersAsync([named], cancellationToken)).ContainsKey(named))
            {
                errors.Add(UserError.At(ErrorCodes.NotFound, "The run-as user does not exist.", "input", "runAsUserId"));
            }
        }

        if (errors.Count > before || trigger is null)
        {
            return null;
        }

        // A rule that names no one runs as the platform's automation user (made the first time), else, without a module that keeps users, as whoever saves it.
        var runAs = input.RunAsUserId
            ?? (services.GetService<IIntegrationUsers>() is { } integrations
                ? await integrations.EnsureAsync(AutomationUserKey, AutomationUserName, cancellationToken)
                : services.GetRequiredService<ICurrentActor>().UserId ?? 0);

        var definition = new RuleDefinition(trigger, condition, actions, input.AllowSelfTrigger, scope, input.KeepWhenStageLeft);
        if (definition.ToJson().Length > RuleLimits.MaxDefinitionLength)
        {
            errors.Add(UserError.At(ErrorCodes.LimitExceeded, $"A rule's trigger, condition and actions are at most {RuleLimits.MaxDefinitionLength.ToString(CultureInfo.InvariantCulture)} characters of JSON.", "input"));
            return null;
        }

        return new ValidRule(name!, string.IsNullOrWhiteSpace(input.Description) ? null : input.Description, definition, runAs);
    }

    /// <summary>The rule's scope: values of its record type's partition fields (a deal rule's <c>pipelineId</c>); null for none.</summary>
    private static JsonObject? Scope(ICrmEntityDefinition recordType, JsonNode? scope, List<UserError> errors)
    {
        if (scope is null)
        {
            return null;
        }

        if (scope is not JsonObject fields || fields.Count == 0)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidFormat, "A scope is an object of partition fields' values ({ pipelineId: 3 }).", "input", "scope"));
            return null;
        }

        foreach (var (field, value) in fields)
        {
            if (!recordType.PermissionPartitionFields.Contains(field))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue,
                    $"A {recordType.Name} rule is scoped by {(recordType.PermissionPartitionFields.Count == 0 ? "nothing" : string.Join(", ", recordType.PermissionPartitionFields))}, not '{field}'.", "input", "scope", field));
            }
            else if (RuleDefinition.ScopeValue(value) is null or (string and { Length: > 100 }))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, "A scope's value is a number or a text of at most 100 characters.", "input", "scope", field));
            }
        }

        return fields;
    }

    internal async Task<RuleStep?> StepAsync<TKind>(ICrmEntityDefinition recordType, IReadOnlyDictionary<string, object?>? recordScope, RuleStepInput? step, Func<string, TKind?> find, string what, string[] at, List<UserError> errors, CancellationToken cancellationToken)
        where TKind : class, IAutomationKind
    {
        if (step?.Kind is not { Length: > 0 and <= 100 } name || find(name) is not { } kind)
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, $"'kind' names no {what} kind of the catalog (automationCatalog).", [.. at, "kind"]));
            return null;
        }

        var before = errors.Count;
        var parameters = await ParameterValidator.ValidateAsync(services, kind, recordType, recordScope, step.Params, [.. at, "params"], errors, cancellationToken);
        if (parameters is null)
        {
            return null;
        }

        await kind.CheckAsync(new ParameterCheck(services, recordType, parameters, [.. at, "params"]), errors, cancellationToken);
        return errors.Count > before ? null : new RuleStep(kind.Name, parameters.Json);
    }

    private ActionTiming? Timing(ICrmEntityDefinition recordType, TimingInput? timing, string[] at, List<UserError> errors)
    {
        if (timing is null || timing.Mode == TimingMode.Immediately)
        {
            return timing is { WorkingHoursOnly: true } ? ActionTiming.Immediately with { WorkingHoursOnly = true } : ActionTiming.Immediately;
        }

        var before = errors.Count;
        TimeSpan? delay = null;
        if (timing.Delay is not null)
        {
            try
            {
                delay = timing.Delay.Length <= 64 ? System.Xml.XmlConvert.ToTimeSpan(timing.Delay) : throw new FormatException();
            }
            catch (Exception ex) when (ex is FormatException or OverflowException)
            {
                errors.Add(new UserError(ErrorCodes.InvalidFormat, "'delay' is an ISO 8601 duration (PT30M, P3D).", [.. at, "delay"]));
            }
        }

        var needsDelay = timing.Mode == TimingMode.AfterDelay || timing.Mode == TimingMode.BeforeField;
        // The shortest delay (Automation:MinDelay): less is "immediately", and a timer per event would be abuse.
        var minDelay = services.GetRequiredService<Waits.WaitOptions>().MinDelay;
        if (delay is { } given ? given < (needsDelay ? minDelay : TimeSpan.Zero) || given > ParameterValidator.MaxDuration : needsDelay && errors.Count == before)
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue,
                $"'delay' is {(needsDelay ? $"required, at least {System.Xml.XmlConvert.ToString(minDelay)}" : "at least zero")} and at most {ParameterValidator.MaxDuration.TotalDays.ToString(CultureInfo.InvariantCulture)} days.", [.. at, "delay"]));
        }

        var byField = timing.Mode is TimingMode.BeforeField or TimingMode.AfterField;
        if (byField && (timing.Field is not { Length: > 0 and <= 100 } || RecordFieldNames.Find(services, recordType, timing.Field) is not { } field || !RecordFieldNames.IsDate(field)))
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, $"'field' names a date field of {recordType.Name}.", [.. at, "field"]));
        }
        else if (!byField && timing.Field is not null)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "'field' is only for BEFORE_FIELD and AFTER_FIELD.", [.. at, "field"]));
        }

        var atTime = timing.Mode == TimingMode.AtTimeOfDay;
        if (atTime && ConditionValidator.TimeOfDay(timing.TimeOfDay) is null)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "'timeOfDay' is HH:mm (UTC).", [.. at, "timeOfDay"]));
        }
        else if (!atTime && timing.TimeOfDay is not null)
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, "'timeOfDay' is only for AT_TIME_OF_DAY.", [.. at, "timeOfDay"]));
        }

        return errors.Count > before ? null : new ActionTiming(timing.Mode, delay, byField ? timing.Field : null, atTime ? timing.TimeOfDay : null, timing.WorkingHoursOnly);
    }
}
