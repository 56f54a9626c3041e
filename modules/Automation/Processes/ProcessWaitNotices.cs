using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Webhooks;
using Crm.PluginSdk.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// The watchdog of a webhook wait's notice, on the platform's durable scheduler: scheduled when the wait
/// commits, due a call's timeout and a margin later, cancelled once the notice's outcome is recorded. When
/// it fires, the host that owed the notice stopped in between (before the call, or after it and before the
/// record), so the notice is sent by the host the scheduler picks: at least once, never lost with a host.
/// A firing that finds the wait gone on, or its notice recorded, does nothing.
/// </summary>
[ScheduledWorkHandler("process-notice")]
public sealed class ProcessWaitNotices(IServiceProvider services) : IScheduledWorkHandler
{
    public const string Handler = "automation/process-notice";

    /// <summary>How long after its wait's commit a notice not yet recorded is taken for lost, beyond the call's own timeout.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The wait's key in the scheduler and in its <c>NOTIFIED</c> history row: the instance, the branch and the
    /// first 64 bits of the SHA-256 of its secret (a wait reached again in a loop has a new secret, so a new key;
    /// the key does not give the secret away).
    /// </summary>
    public static string KeyOf(long instanceId, InstanceToken token) =>
        string.Create(CultureInfo.InvariantCulture, $"{instanceId}:{token.Id}:{Convert.ToHexStringLower(WebhookGate.Hash(token.Wait!.Secret!), 0, 8)}");

    /// <summary>When a watchdog scheduled now falls due: a call's timeout (<c>Automation:Webhooks:Timeout</c>) and <see cref="Margin"/> from now.</summary>
    public static DateTimeOffset DueAt(IServiceProvider services) =>
        services.GetRequiredService<TimeProvider>().GetUtcNow() + services.GetRequiredService<WebhookOptions>().Timeout + Margin;

    /// <summary>The notice the branch owes: its step's <c>notify</c> when the branch waits for a webhook, else null.</summary>
    public static JsonObject? Owed(ProcessDefinition definition, InstanceToken token) =>
        token.Wait is { Kind: "webhook", Secret: not null } ? definition.Step(token.At).Params["notify"] as JsonObject : null;

    public static Task ScheduleAsync(IWorkScheduler scheduler, long instanceId, InstanceToken token, DateTimeOffset dueAt, CancellationToken cancellationToken) =>
        scheduler.ScheduleAsync(Handler, KeyOf(instanceId, token), dueAt,
            new JsonObject { ["instanceId"] = instanceId, ["token"] = token.Id, ["key"] = KeyOf(instanceId, token) }.ToJsonString(), cancellationToken);

    /// <summary>Whether a notice of the wait under <paramref name="key"/> is recorded (a row written before notices had keys counts for its branch and step).</summary>
    public static Task<bool> RecordedAsync(AutomationDbContext db, long instanceId, int token, string stepId, string key, CancellationToken cancellationToken) =>
        db.ProcessStepRuns.AnyAsync(r => r.InstanceId == instanceId && r.Token == token && r.StepId == stepId && r.Status == "NOTIFIED"
            && r.Output != null && (r.Output.Contains(key) || !r.Output.Contains("\"wait\"")), cancellationToken);

    public async Task HandleAsync(ScheduledWork work, CancellationToken cancellationToken)
    {
        var payload = JsonNode.Parse(work.Payload)!;
        await services.GetRequiredService<ProcessEngine>().SendOwedNoticeAsync(
            payload["instanceId"]!.GetValue<long>(), payload["token"]!.GetValue<int>(), payload["key"]!.GetValue<string>(), cancellationToken);
    }
}
