using System.Globalization;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Scheduling;

namespace Crm.Modules.Automation.Schedules;

/// <summary>
/// The recurring work of rules started by a schedule, keyed by the rule's id: <c>schedule.cron</c> on
/// its own CRON expression, <c>schedule.dateField</c> on the sweep's (<see cref="ScheduleOptions.DateFieldSweep"/>).
/// Activating such a version schedules it; activating another kind, deactivating or deleting cancels it.
/// </summary>
public sealed class RuleSchedules(IWorkScheduler scheduler, AutomationCatalog catalog, ScheduleOptions options)
{
    public const string Handler = AutomationModule.Id + "/" + ScheduleHandler.Name;

    /// <summary>Why the definition's schedule cannot be kept (a CRON expression the scheduler refuses); null when it can, or has none.</summary>
    public UserError? Problem(RuleDefinition definition) =>
        Cron(definition) is { } cron && scheduler.CronProblem(cron) is { } problem
            ? UserError.At(ErrorCodes.InvalidFormat, $"The rule's schedule cannot be kept: {problem}", "id")
            : null;

    /// <summary>
    /// Makes the rule's recurring work follow its active definition (none: no work). Called after the
    /// rule's commit: the scheduler writes through connections of its own (on SQLite it would wait for
    /// the rule's transaction to end). What a crash leaves apart is put right at the next start
    /// (<see cref="ScheduleRecovery"/>) and by the work itself (<see cref="ScheduleHandler"/>).
    /// </summary>
    public async Task FollowAsync(long ruleId, RuleDefinition? active, CancellationToken cancellationToken)
    {
        var key = ruleId.ToString(CultureInfo.InvariantCulture);
        if (active is null || Cron(active) is not { } cron)
        {
            await scheduler.CancelAsync(Handler, key, cancellationToken);
            return;
        }

        await scheduler.ScheduleRecurringAsync(Handler, key, cron, "", cancellationToken);
    }

    /// <summary>The CRON expression a definition's work recurs on; null for a rule not started by a schedule.</summary>
    private string? Cron(RuleDefinition definition) =>
        catalog.FindTrigger(definition.Trigger.Kind) is not { Firing: TriggerFiring.Schedule } ? null
        : definition.Trigger.Kind == ScheduleHandler.CronTrigger ? definition.Trigger.Params["cron"]?.GetValue<string>() ?? ""
        : options.DateFieldSweep;
}
