using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Schedules;

/// <summary>
/// At every start, makes every rule's recurring work follow its active version again (idempotent):
/// what an activation's commit and its scheduling left apart is put right (run by <see cref="AutomationRecovery"/>).
/// </summary>
public static class ScheduleRecovery
{
    public static async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        var schedules = services.GetRequiredService<RuleSchedules>();
        // Rules are at most 500 per record type; their active definitions are read once.
        var active = await (from rule in db.Rules.AsNoTracking()
                            join version in db.RuleVersions.AsNoTracking() on new { RuleId = rule.Id, Version = rule.ActiveVersion!.Value } equals new { version.RuleId, version.Version }
                            where rule.ActiveVersion != null
                            select new { rule.Id, version.Definition }).ToListAsync(cancellationToken);
        foreach (var rule in active)
        {
            var definition = RuleDefinition.FromJson(rule.Definition);
            if (definition.Trigger.Kind is ScheduleHandler.CronTrigger or ScheduleHandler.DateFieldTrigger)
            {
                await schedules.FollowAsync(rule.Id, definition, cancellationToken);
            }
        }
    }
}
