using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Webhooks;
using Crm.PluginSdk.Automation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// A webhook wait's notice (<c>notify: { url, payload }</c>): once the branch's wait has committed, with
/// its own secret, the engine tells the party that will call it where and with what, by POSTing
/// through <c>platform.callWebhook</c> (an allowed host, as the run-as user) with the payload given and
/// <c>wait: { instanceId, stepId, url, path, header, secret }</c> in it. The secret leaves the CRM in that
/// call only: the history keeps the notice's address and answer status, never its body or the answer.
/// The call is made after the commit by the host that took the step, and at least once: a watchdog on
/// the durable scheduler (<see cref="ProcessWaitNotices"/>) sends it again when a host stopped before the
/// outcome was recorded (the receiver tells a repeat by the wait's instance, step and secret). When it
/// fails, the branch leaves the wait along its <c>error</c> edge, or the instance fails at the step.
/// </summary>
public sealed partial class ProcessEngine
{
    /// <summary>The action kind a notice is sent with.</summary>
    public const string NoticeKind = "platform.callWebhook";

    /// <summary>The key of the notice's payload that carries the wait's address and secret.</summary>
    public const string NoticeWaitKey = "wait";

    /// <summary>Sends the notices of the webhook waits <paramref name="written"/> began (not those of <paramref name="before"/>), each under its watchdog.</summary>
    private async Task NotifyNewWaitsAsync(InstanceState before, ProcessInstance written)
    {
        var known = before.Tokens.Select(t => t.Wait?.Secret).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var fresh = InstanceState.FromJson(written.State).Tokens.Where(t => t.Wait is { Secret: { } secret } && !known.Contains(secret)).ToList();
        if (fresh.Count == 0)
        {
            return;
        }

        var definition = await DefinitionAsync(written.ProcessId, written.ProcessVersion, CancellationToken.None);
        var owed = fresh.Select(t => (Token: t, Notify: ProcessWaitNotices.Owed(definition, t))).Where(o => o.Notify is not null).ToList();
        // The watchdogs first: a host stopped from here on leaves its notices to the scheduler (a stop between the commit and
        // this line is made good at the next start, ProcessRecovery.ScheduleNoticesAsync, as timers are).
        var dueAt = ProcessWaitNotices.DueAt(services);
        foreach (var (token, _) in owed)
        {
            await ProcessWaitNotices.ScheduleAsync(scheduler, written.Id, token, dueAt, CancellationToken.None);
        }

        foreach (var (token, notify) in owed)
        {
            await NotifyAsync(written, definition, token, notify!, resent: false);
            await scheduler.CancelAsync(ProcessWaitNotices.Handler, ProcessWaitNotices.KeyOf(written.Id, token), CancellationToken.None);
        }
    }

    /// <summary>
    /// A watchdog's firing (<see cref="ProcessWaitNotices"/>): the notice of the branch's wait whose key is <paramref name="key"/>,
    /// when the instance still waits on it and no notice of it is recorded.
    /// </summary>
    public async Task SendOwedNoticeAsync(long instanceId, int tokenId, string key, CancellationToken cancellationToken)
    {
        var instance = await db.ProcessInstances.AsNoTracking().FirstOrDefaultAsync(i => i.Id == instanceId, cancellationToken);
        if (instance is not { Status: InstanceStatus.Running or InstanceStatus.Waiting }
            || InstanceState.FromJson(instance.State).Tokens.FirstOrDefault(t => t.Id == tokenId && t.Wait is { Kind: "webhook", Secret: not null } && ProcessWaitNotices.KeyOf(instanceId, t) == key) is not { } token)
        {
            return; // the branch went on (called back, failed, cancelled): nothing is owed
        }

        var definition = await DefinitionAsync(instance.ProcessId, instance.ProcessVersion, cancellationToken);
        if (ProcessWaitNotices.Owed(definition, token) is { } notify
            && !await ProcessWaitNotices.RecordedAsync(db, instanceId, tokenId, token.At, key, cancellationToken))
        {
            await NotifyAsync(instance, definition, token, notify, resent: true);
        }
    }

    /// <summary>One notice; its outcome recorded whatever the caller does now (the call is made), so no cancellation here.</summary>
    private async Task NotifyAsync(ProcessInstance instance, ProcessDefinition definition, InstanceToken token, JsonObject notify, bool resent)
    {
        var step = definition.Step(token.At);
        var path = ProcessWaitWebhooks.PathOf(instance.Id);
        var payload = notify["payload"]?.DeepClone() as JsonObject ?? [];
        payload[NoticeWaitKey] = new JsonObject
        {
            ["instanceId"] = instance.Id.ToString(CultureInfo.InvariantCulture),
            ["stepId"] = step.Id,
            ["url"] = services.GetRequiredService<IncomingWebhookOptions>().UrlOf(path),
            ["path"] = path,
            ["header"] = WebhookGate.SecretHeader,
            ["secret"] = token.Wait!.Secret,
        };
        var url = notify["url"]!.GetValue<string>();
        var parameters = new JsonObject { ["url"] = url, ["payload"] = payload.ToJsonString() };
        var outcome = catalog.FindAction(NoticeKind) is { } kind
            ? await AutomationRunner.RunAsync(scopes, new ActionRequest(kind, Identity(instance), new AutomationRecord(instance.EntityType, instance.EntityId), instance.RunAsUserId, parameters, DryRun: false), CancellationToken.None)
            : ActionOutcome.Failed(Crm.PluginSdk.GraphQL.ErrorCodes.NotFound, $"The action kind '{NoticeKind}' is no longer loaded.");

        // What the history keeps: where the notice went and how it was answered; not its body (the secret) nor the answer (which may echo it).
        var record = new JsonObject
        {
            ["wait"] = ProcessWaitNotices.KeyOf(instance.Id, token),
            ["resent"] = resent,
            ["url"] = url,
            ["code"] = outcome.Code,
            ["message"] = outcome.Message,
            ["status"] = outcome.Output?["status"]?.DeepClone(),
        }.ToJsonString();
        if (outcome.Succeeded)
        {
            var notified = new ProcessStepRun { InstanceId = instance.Id, Token = token.Id, StepId = step.Id, Kind = step.Kind, Status = "NOTIFIED", Output = record, At = Now };
            db.ProcessStepRuns.Add(notified);
            await db.SaveChangesAsync(CancellationToken.None);
            db.Entry(notified).State = EntityState.Detached;
            return;
        }

        // Failed: the branch leaves the wait (its secret spent) while it still waits on it; a call that resumed it meanwhile won.
        for (var attempt = 0; attempt < AdvanceAttempts; attempt++)
        {
            var current = await db.ProcessInstances.AsNoTracking().FirstOrDefaultAsync(x => x.Id == instance.Id, CancellationToken.None);
            var now = current is { Status: InstanceStatus.Running or InstanceStatus.Waiting } ? InstanceState.FromJson(current.State) : null;
            if (now?.Tokens.FirstOrDefault(t => t.Id == token.Id && t.Wait?.Secret == token.Wait.Secret) is not { } mine)
            {
                return;
            }

            var history = new ProcessStepRun { Token = token.Id, StepId = step.Id, Kind = step.Kind, Status = "FAILED" };
            var failed = Failed(definition, now, mine with { Wait = null }, step, history, ActionOutcome.Failed(outcome.Code ?? "", $"The notice failed: {outcome.Message}"));
            if (await ApplyAsync(current!, failed with { History = failed.History with { Output = record } }, CancellationToken.None) is not null)
            {
                return;
            }
        }
    }
}
