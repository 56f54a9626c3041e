using System.Globalization;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Automation;

/// <summary>A trigger kind fired by one published event about records of the rule's type.</summary>
internal abstract class RecordEventTrigger(string name, string eventType, string description) : IAutomationTriggerKind
{
    public string Name => name;

    public string Description => description;

    public virtual IReadOnlyList<AutomationParameter> Parameters => [];

    public TriggerFiring Firing => TriggerFiring.Event;

    public IReadOnlyList<string> EventTypes { get; } = [eventType];

    public virtual bool AppliesTo(ICrmEntityDefinition recordType) => true;

    public virtual Task CheckAsync(ParameterCheck check, List<UserError> errors, CancellationToken cancellationToken) => Task.CompletedTask;

    public bool Matches(DomainEvent<CrmEvent> domainEvent, string recordType, AutomationParameters parameters) =>
        domainEvent.Type == eventType && domainEvent.EntityType == recordType && MatchesData(domainEvent.Data, parameters);

    protected virtual bool MatchesData(CrmEvent data, AutomationParameters parameters) => true;
}

/// <summary><c>records.created</c>.</summary>
internal sealed class CreatedTrigger() : RecordEventTrigger("records.created", RecordCreated.TypeName, "A record of the rule's type was created.");

/// <summary><c>records.deleted</c>.</summary>
internal sealed class DeletedTrigger() : RecordEventTrigger("records.deleted", RecordDeleted.TypeName, "A record of the rule's type was deleted (the run sees only its id).");

/// <summary><c>records.updated</c>: a change of any of the watched fields (of any field when none are watched).</summary>
internal sealed class UpdatedTrigger() : RecordEventTrigger("records.updated", RecordUpdated.TypeName, "A record of the rule's type was changed: any of the watched fields, or any field when none are named.")
{
    public override IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("watchedFields", ParameterType.StringList, "The fields whose change starts the rule, by their API names (custom fields included); empty or left out: any field.") { MaxItems = 50, MaxLength = 100 },
    ];

    public override Task CheckAsync(ParameterCheck check, List<UserError> errors, CancellationToken cancellationToken)
    {
        var fields = check.RecordType.WritableFields(check.Services).Fields;
        var watched = check.Parameters.GetOrDefault<List<string>>("watchedFields") ?? [];
        for (var i = 0; i < watched.Count; i++)
        {
            if (!fields.ContainsKey(watched[i]) && !check.RecordType.Fields.ContainsKey(watched[i]))
            {
                errors.Add(new UserError(ErrorCodes.InvalidValue, $"'{watched[i]}' is not a field of {check.RecordType.Name}.", [.. check.Path, "watchedFields", i.ToString(CultureInfo.InvariantCulture)]));
            }
        }

        return Task.CompletedTask;
    }

    protected override bool MatchesData(CrmEvent data, AutomationParameters parameters) =>
        data is RecordUpdated updated
        && (parameters.GetOrDefault<List<string>>("watchedFields") is not { Count: > 0 } watched || watched.Any(updated.Changes.ContainsKey));
}

/// <summary><c>records.stageChanged</c>: the record's stage or status changed, optionally from and to given ones.</summary>
internal sealed class StageChangedTrigger() : RecordEventTrigger("records.stageChanged", RecordUpdated.TypeName, "The record moved to another stage or status: from fromStageId (any when left out) to toStageId (any when left out).")
{
    public override IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("fromStageId", ParameterType.Stage, "The stage or status it left; any when left out."),
        new("toStageId", ParameterType.Stage, "The stage or status it entered; any when left out."),
    ];

    public override bool AppliesTo(ICrmEntityDefinition recordType) => ParameterValidator.StageField(recordType) is not null;

    protected override bool MatchesData(CrmEvent data, AutomationParameters parameters)
    {
        if (data is not RecordUpdated updated)
        {
            return false;
        }

        // The stage field is stageId or statusId (ParameterValidator.StageField); an event names it by that public name.
        var change = updated.Changes.GetValueOrDefault("stageId") ?? updated.Changes.GetValueOrDefault("statusId");
        return change is not null
            && (parameters.GetOrDefault<string>("fromStageId") is not { } from || change.OldValue?.ToString() == from)
            && (parameters.GetOrDefault<string>("toStageId") is not { } to || change.NewValue?.ToString() == to);
    }
}

/// <summary>A trigger kind that no event fires: a schedule, a user, an incoming call. Their firing comes with the rules' engine.</summary>
internal abstract class NonEventTrigger(string name, TriggerFiring firing, string description) : IAutomationTriggerKind
{
    public string Name => name;

    public string Description => description;

    public abstract IReadOnlyList<AutomationParameter> Parameters { get; }

    public TriggerFiring Firing => firing;

    public IReadOnlyList<string> EventTypes => [];

    public virtual bool AppliesTo(ICrmEntityDefinition recordType) => true;

    public virtual Task CheckAsync(ParameterCheck check, List<UserError> errors, CancellationToken cancellationToken) => Task.CompletedTask;

    public bool Matches(DomainEvent<CrmEvent> domainEvent, string recordType, AutomationParameters parameters) => false;
}

/// <summary><c>schedule.cron</c>.</summary>
internal sealed class CronTrigger() : NonEventTrigger("schedule.cron", TriggerFiring.Schedule, "On a schedule (a Quartz CRON expression, in UTC): the rule runs for each record of its type that its filter selects.")
{
    public override IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("cron", ParameterType.String, "A Quartz CRON expression: seconds minutes hours day-of-month month day-of-week [year] (\"0 0 9 ? * MON-FRI\").") { Required = true, MaxLength = 120 },
        new("filter", ParameterType.Text, "The records to run for: a list filter of the type as JSON (the where of its list query); all when left out.") { MaxLength = 10_000 },
    ];

    public override Task CheckAsync(ParameterCheck check, List<UserError> errors, CancellationToken cancellationToken)
    {
        // The shape only; the scheduler parses it fully when it schedules the rule.
        var parts = check.Parameters.Get<string>("cron").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (6 or 7))
        {
            errors.Add(new UserError(ErrorCodes.InvalidFormat, $"'cron' has {parts.Length} fields; a Quartz CRON expression has 6 or 7.", [.. check.Path, "cron"]));
        }

        return Task.CompletedTask;
    }
}

/// <summary><c>schedule.dateField</c>.</summary>
internal sealed class DateFieldTrigger() : NonEventTrigger("schedule.dateField", TriggerFiring.Schedule, "A time before or after a date field of the record (its deadline, a custom date): the rule runs for the record then.")
{
    public override IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("field", ParameterType.Field, "The date or date-time field.") { Required = true },
        new("offset", ParameterType.Duration, "How long before or after it (PT0S is not taken: at least one second).") { Required = true },
        new("direction", ParameterType.String, "BEFORE or AFTER the field's time.") { Default = "AFTER", AllowedValues = ["BEFORE", "AFTER"] },
    ];

    public override Task CheckAsync(ParameterCheck check, List<UserError> errors, CancellationToken cancellationToken)
    {
        var name = check.Parameters.Get<string>("field");
        var field = check.RecordType.Fields.GetValueOrDefault(name) ?? check.RecordType.WritableFields(check.Services).Fields.GetValueOrDefault(name);
        if (field?.Kind is not (FieldKind.Date or FieldKind.DateTime))
        {
            errors.Add(new UserError(ErrorCodes.InvalidValue, $"'{name}' is not a date or date-time field of {check.RecordType.Name}.", [.. check.Path, "field"]));
        }

        return Task.CompletedTask;
    }
}

/// <summary><c>platform.manual</c>.</summary>
internal sealed class ManualTrigger() : NonEventTrigger("platform.manual", TriggerFiring.Manual, "A user starts the rule on a record (a button in the console, or the API).")
{
    public override IReadOnlyList<AutomationParameter> Parameters => [];
}

/// <summary><c>platform.webhook</c>.</summary>
internal sealed class WebhookTrigger() : NonEventTrigger("platform.webhook", TriggerFiring.Webhook, "An incoming HTTP call to the rule's own address, with its own secret, naming the record.")
{
    public override IReadOnlyList<AutomationParameter> Parameters => [];
}
