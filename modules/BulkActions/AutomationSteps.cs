using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.BulkActions;

/// <summary>An automation action kind with its checked parameters, ready to run on each record.</summary>
internal sealed record AutomationStep(IAutomationActionKind Kind, AutomationParameters Parameters);

/// <summary>
/// The bulk actions that other modules' automation action kinds do (the SDK contract for "do this to a
/// record" that every module may offer): a comment by the Timeline's <c>timeline.addComment</c>, an
/// activity by the Activities' <c>activities.create</c>. Their parameters are checked by the same
/// <see cref="ParameterValidator"/> (limits included) and the action runs as the job's owner, so the
/// checks, rights and timeline are those of a rule doing it, with none of those modules' code here.
/// </summary>
internal static class AutomationSteps
{
    public const string AddComment = "timeline.addComment";

    public const string CreateActivity = "activities.create";

    public static string? ActionOf(BulkActionKind kind) => kind switch
    {
        BulkActionKind.AddComment => AddComment,
        BulkActionKind.CreateActivity => CreateActivity,
        _ => null,
    };

    /// <summary>Where the action's parameters are in the mutation's arguments.</summary>
    private static string[] PathOf(BulkActionKind kind) => kind == BulkActionKind.CreateActivity ? ["action", "activity"] : ["action"];

    /// <summary>The action kind and its parameters, checked for records of <paramref name="definition"/>; null when <paramref name="errors"/> got why not.</summary>
    public static async Task<AutomationStep?> PrepareAsync(IServiceProvider services, ICrmEntityDefinition definition, BulkParameters parameters, List<UserError> errors,
        CancellationToken cancellationToken)
    {
        var name = ActionOf(parameters.Kind) ?? throw new ArgumentException($"{parameters.Kind} is not done by an automation action.", nameof(parameters));
        if (services.GetService<AutomationCatalog>()?.FindAction(name) is not { } kind)
        {
            errors.Add(UserError.At(ErrorCodes.NotFound, $"This server has no '{name}' action: the module that does it is not installed or is out of service.", "action", "kind"));
            return null;
        }

        var checkedParameters = await ParameterValidator.ValidateAsync(services, kind, definition, null, parameters.StepParameters, PathOf(parameters.Kind), errors, cancellationToken);
        return checkedParameters is null ? null : new AutomationStep(kind, checkedParameters);
    }

    /// <summary>Runs the step on one record in the owner's scope; null when done, else the refusal.</summary>
    public static async Task<BulkRefusal?> RunAsync(IServiceProvider services, ICrmEntityDefinition definition, AutomationStep step, long jobId, long id, CancellationToken cancellationToken)
    {
        // Not a rule's run: rule 0 is what the SDK names a run without a stored rule.
        var run = new AutomationRunIdentity(0, $"bulk action of job {jobId}", 0, Guid.NewGuid());
        var context = new AutomationActionContext(services, run, new AutomationRecord(definition.Name, id), definition, step.Parameters, dryRun: false);
        // As a rule's action runs (one transaction, rolled back when it fails; what it throws refuses this record only).
        var outcome = await AutomationRunner.ExecuteAsync(services, step.Kind, context, alongside: null, cancellationToken);
        return outcome.Succeeded ? null : new BulkRefusal(id, outcome.Code ?? ErrorCodes.Validation, outcome.Message ?? "The action was refused.");
    }
}
