using System.Text.Json.Nodes;
using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities.Automation;

/// <summary>
/// <c>activities.create</c>: plans an activity (a call, a meeting, a to-do ...) bound to the run's
/// record, with its responsible person and deadline, through the activity type's own create (the
/// same checks and rights as <c>createActivity</c>).
/// </summary>
public sealed class CreateActivityAction : IAutomationActionKind
{
    public string Name => "activities.create";

    public string Description => "Plans an activity bound to the record: its type, subject, responsible person and deadline.";

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("typeId", ParameterType.String, "CALL, MEETING, TODO, EMAIL or a type a module declared (activityTypes).") { Default = "TODO", MaxLength = ActivityLimits.TypeIdLength },
        new("subject", ParameterType.String, "What it is about.") { Required = true, MaxLength = ActivityLimits.SubjectLength },
        new("description", ParameterType.Text, "Plain text.") { MaxLength = ActivityLimits.DescriptionLength },
        new("responsibleId", ParameterType.User, "Who does it; the run-as user when left out."),
        new("deadlineIn", ParameterType.Duration, "When it is due, counted from the run (P1D: a day later); none when left out."),
        new("deadline", ParameterType.DateTime, "When it is due, as a date and time (2026-12-04T17:00:00Z): for one deadline whenever the action runs; not with deadlineIn."),
        new("priority", ParameterType.String, "LOW, MEDIUM or HIGH.") { Default = "MEDIUM", AllowedValues = ["LOW", "MEDIUM", "HIGH"] },
    ];

    // An activity is bound to other records, never to an activity.
    public bool AppliesTo(ICrmEntityDefinition recordType) => recordType.Name != ActivityEntity.Name;

    public Task CheckAsync(ParameterCheck check, List<UserError> errors, CancellationToken cancellationToken)
    {
        if (check.Parameters.Has("deadline") && check.Parameters.Has("deadlineIn"))
        {
            errors.Add(new UserError(ErrorCodes.Validation, "Give 'deadline' or 'deadlineIn', not both.", [.. check.Path, "deadline"]));
        }

        return Task.CompletedTask;
    }

    public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
    {
        var parameters = context.Parameters;
        var input = new Dictionary<string, object?>
        {
            ["typeId"] = parameters.Get<string>("typeId"),
            ["subject"] = parameters.Get<string>("subject"),
            ["priority"] = parameters.Get<string>("priority"),
            ["bindings"] = new List<object?> { new Dictionary<string, object?> { ["entityType"] = context.Record.EntityType, ["id"] = context.Record.Id } },
        };
        if (parameters.GetOrDefault<string>("description") is { } description)
        {
            input["description"] = description;
        }

        if (parameters.Has("responsibleId"))
        {
            input["responsibleId"] = parameters.Get<long>("responsibleId");
        }

        if (parameters.Has("deadlineIn"))
        {
            input["deadline"] = context.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime + parameters.Get<TimeSpan>("deadlineIn");
        }
        else if (parameters.Has("deadline"))
        {
            input["deadline"] = parameters.Get<DateTimeOffset>("deadline").UtcDateTime;
        }

        var activities = (ICrmEntityDefinition)context.Services.GetRequiredService<IEntityRegistry>().Get(ActivityEntity.Name);
        var payload = await activities.CreateAsync(context.Services, input, cancellationToken);
        if (payload.Errors.Count > 0 || payload.Record is not ICrmRecord created)
        {
            return ActionOutcome.Refused(payload.Errors);
        }

        return ActionOutcome.Success(new JsonObject { ["activityId"] = created.Id },
            new SideEffect(SideEffectKind.Activity, ActivityEntity.Name, created.Id, new JsonObject { ["boundTo"] = new JsonObject { ["entityType"] = context.Record.EntityType, ["id"] = context.Record.Id } }));
    }
}
