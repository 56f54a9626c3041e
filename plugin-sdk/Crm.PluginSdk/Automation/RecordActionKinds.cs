using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Records;

namespace Crm.PluginSdk.Automation;

/// <summary>
/// The actions on records of every registered type, through the type's own create and update (so
/// every rule, right, event and history entry is the same as for a request): set fields, change
/// the stage or status, assign, create a record of any type.
/// </summary>
internal static class RecordActions
{
    /// <summary>Updates the run's record; an update's refusal is the action's failure.</summary>
    public static async Task<ActionOutcome> UpdateAsync(AutomationActionContext context, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        var payload = await context.RecordType.UpdateAsync(context.Services, context.Record.Id, input, cancellationToken);
        return payload.Errors.Count > 0
            ? ActionOutcome.Refused(payload.Errors)
            : ActionOutcome.Success(null, new SideEffect(SideEffectKind.RecordUpdated, context.Record.EntityType, context.Record.Id,
                new JsonObject { ["fields"] = new JsonArray([.. input.Keys.Select(k => JsonValue.Create(k))]) }));
    }
}

/// <summary><c>records.setFields</c>: sets fields of the run's record (custom fields included).</summary>
internal sealed class SetFieldsAction : IAutomationActionKind
{
    public string Name => "records.setFields";

    public string Description => "Sets fields of the record (custom fields included), as an update by the run-as user would.";

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("fields", ParameterType.FieldValues, "The fields to set and their values, by their API names ({ \"title\": \"VIP\", \"ufCrmBudget\": 5000 }).") { Required = true },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => true;

    public Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken) =>
        RecordActions.UpdateAsync(context, context.Parameters.Get<IReadOnlyDictionary<string, object?>>("fields"), cancellationToken);
}

/// <summary><c>records.changeStage</c>: moves the run's record to a stage (or status) of its list.</summary>
internal sealed class ChangeStageAction : IAutomationActionKind
{
    public string Name => "records.changeStage";

    public string Description => "Moves the record to another stage or status (its stageId or statusId).";

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("stageId", ParameterType.Stage, "The stage or status to move to.") { Required = true },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => ParameterValidator.StageField(recordType) is not null;

    public Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken) =>
        RecordActions.UpdateAsync(context, new Dictionary<string, object?> { [ParameterValidator.StageField(context.RecordType)!.Name] = context.Parameters.Get<string>("stageId") }, cancellationToken);
}

/// <summary><c>records.assign</c>: gives the run's record to a user (its responsible person).</summary>
internal sealed class AssignAction : IAutomationActionKind
{
    public string Name => "records.assign";

    public string Description => "Gives the record to a user: its responsible person (assignedById, or responsibleId).";

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("userId", ParameterType.User, "The user who becomes responsible.") { Required = true },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => ParameterValidator.ResponsibleField(recordType) is not null;

    public Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken) =>
        RecordActions.UpdateAsync(context, new Dictionary<string, object?> { [ParameterValidator.ResponsibleField(context.RecordType)!.Name] = context.Parameters.Get<long>("userId") }, cancellationToken);
}

/// <summary><c>records.create</c>: creates a record of any registered type.</summary>
internal sealed class CreateRecordAction : IAutomationActionKind
{
    public string Name => "records.create";

    public string Description => "Creates a record of any registered type with the given fields, as a create by the run-as user would.";

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("entityType", ParameterType.EntityType, "The type of the record to create.") { Required = true },
        new("fields", ParameterType.FieldValues, "Its fields, by their API names; checked for the type named by entityType.") { Required = true, RecordTypeFrom = "entityType" },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => true;

    public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
    {
        var type = ParameterValidator.EntityTypeOf(context.Services, context.Parameters.Get<string>("entityType"))!;
        var payload = await type.CreateAsync(context.Services, context.Parameters.Get<IReadOnlyDictionary<string, object?>>("fields"), cancellationToken);
        if (payload.Errors.Count > 0 || payload.Record is not ICrmRecord created)
        {
            return ActionOutcome.Refused(payload.Errors);
        }

        return ActionOutcome.Success(new JsonObject { ["entityType"] = type.Name, ["id"] = created.Id },
            new SideEffect(SideEffectKind.RecordCreated, type.Name, created.Id));
    }
}
