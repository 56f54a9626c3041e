using Crm.PluginSdk.Data;
using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// Timer waits and approval timeouts on the platform's durable scheduler: a wait begun by a step is
/// scheduled (its key the wait's <see cref="TokenWait.Timer"/>) once the step committed; when it
/// fires, the branch still waiting on that very timer moves on (a timer along its edge, an approval
/// that is still open along its <c>timeout</c> edge, marked TIMED_OUT), in one transaction holding
/// the instance's revision. A firing that finds the branch gone on (decided, signalled, cancelled)
/// does nothing, so a late or repeated firing is harmless.
/// </summary>
[ScheduledWorkHandler("process-timer")]
public sealed class ProcessTimers(IServiceProvider services, TimeProvider clock) : IScheduledWorkHandler
{
    public const string Handler = "automation/process-timer";

    public static Task ScheduleAsync(IWorkScheduler scheduler, long instanceId, TokenWait wait, CancellationToken cancellationToken) =>
        scheduler.ScheduleAsync(Handler, wait.Timer!, wait.DueAt!.Value,
            new JsonObject { ["instanceId"] = instanceId, ["timer"] = wait.Timer }.ToJsonString(), cancellationToken);

    public async Task HandleAsync(ScheduledWork work, CancellationToken cancellationToken)
    {
        var payload = JsonNode.Parse(work.Payload)!;
        var instanceId = payload["instanceId"]!.GetValue<long>();
        var timer = payload["timer"]!.GetValue<string>();
        var instances = new ProcessInstances(services);
        var instance = await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<AutomationDbContext>(services).ProcessInstances.AsNoTracking().FirstOrDefaultAsync(i => i.Id == instanceId, cancellationToken);
        var wait = instance is null ? null : InstanceState.FromJson(instance.State).Tokens.Select(t => t.Wait).FirstOrDefault(w => w?.Timer == timer);
        if (wait is null)
        {
            return; // the branch went on already
        }

        var output = new JsonObject { ["dueAt"] = wait.DueAt?.ToString("O", CultureInfo.InvariantCulture) };
        if (wait.Kind != "approval")
        {
            await instances.ResumeAsync(instanceId, t => t.Wait?.Timer == timer, "timer", output, cancellationToken);
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await instances.ResumeAsync(instanceId, t => t.Wait?.Timer == timer, "timeout", output, cancellationToken, edge: "timeout", first: async db =>
        {
            await db.LockAsync<ProcessApproval>([wait.ApprovalId!.Value], RowLock.Update, cancellationToken);

            await db.ProcessApprovals.Where(a => a.Id == wait.ApprovalId && a.Status == ApprovalStatus.Open)
                .ExecuteUpdateAsync(a => a.SetProperty(x => x.Status, ApprovalStatus.TimedOut).SetProperty(x => x.DecidedAt, now), cancellationToken);
        });
    }
}
