using System.Globalization;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.PluginSdk.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Waits;

/// <summary>
/// A wait falls due: takes it once (a retry of the work, or a second host, finds it taken and does
/// nothing), then the run goes on from its action (<see cref="RuleRunner.ResumeAsync"/>).
/// </summary>
[ScheduledWorkHandler(Name)]
public sealed class WaitHandler(AutomationDbContext db, RunWaits waits, RuleRunner runner) : IScheduledWorkHandler
{
    public const string Name = "waits";

    public async Task HandleAsync(ScheduledWork work, CancellationToken cancellationToken)
    {
        if (!long.TryParse(work.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || !await waits.TakeAsync(id, cancellationToken))
        {
            return;
        }

        var wait = await db.Waits.AsNoTracking().FirstAsync(w => w.Id == id, cancellationToken);
        await runner.ResumeAsync(wait, cancellationToken);
    }
}
