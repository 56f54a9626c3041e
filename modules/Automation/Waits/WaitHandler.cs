using System.Globalization;
using Crm.Modules.Automation.Engine;
using Crm.PluginSdk.Scheduling;

namespace Crm.Modules.Automation.Waits;

/// <summary>
/// A wait falls due: takes it once with its run moved RUNNING under this host's lease (a retry of the
/// work, or a second host, finds it taken and does nothing), then the run goes on from its action (<see cref="RuleRunner.ResumeAsync"/>).
/// </summary>
[ScheduledWorkHandler(Name)]
public sealed class WaitHandler(RunWaits waits, RuleRunner runner) : IScheduledWorkHandler
{
    public const string Name = "waits";

    public async Task HandleAsync(ScheduledWork work, CancellationToken cancellationToken)
    {
        var lease = Guid.NewGuid();
        if (!long.TryParse(work.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || await waits.TakeAsync(id, lease, cancellationToken) is not { } wait)
        {
            return;
        }

        await runner.ResumeAsync(wait, lease, cancellationToken);
    }
}
