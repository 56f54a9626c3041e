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
/// The call is made at most once (after the commit, by the host that took the step; a host stopped in
/// between leaves the wait un-notified, its secret still shown to the settings right). When it fails,
/// the branch leaves the wait along its <c>error</c> edge, or the instance fails at the step.
/// </summary>
public sealed partial class ProcessEngine
{
    /// <summary>The action kind a notice is sent with.</summary>
    public const string NoticeKind = "platform.callWebhook";

    /// <summary>The key of the notice's payload that carries the wait's address and secret.</summary>
    public const string NoticeWaitKey = "wait";

    /// <summary>Sends the notices of the webhook waits <paramref name="written"/> began (not those of <paramref name="before"/>).</summary>
    private async Task NotifyNewWaitsAsync(InstanceState before, ProcessInstance written)
    {
        var known = before.Tokens.Select(t => t.Wait?.Secret).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var fresh = InstanceState.FromJson(written.State).Tokens.Where(t => t.Wait is { Kind: "webhook", Secret: { } secret } && !known.Contains(secret)).ToList();
        if (fresh.Count == 0)
        {
            return;
        }

        var definition = await DefinitionAsync(written.ProcessId, written.ProcessVersion, CancellationToken.None);
        foreach (var token in fresh)
        {
            if (definition.Step(token.At).Params["notify"] is JsonObject notify)
            {
                await NotifyAsync(written, definition, token, notify);
            }
        }
    }

    /// <summary>One notice; its outcome recorded whatever the caller does now (the call is made), so no cancellation here.</summary>
    private async Task NotifyAsync(ProcessInstance instance, ProcessDefinition definition, InstanceToken token, JsonObject notify)
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
