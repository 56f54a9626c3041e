using System.Globalization;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Automation;

/// <summary>One action to run: which kind, for which record, as whom, with what, and whether for real.</summary>
/// <param name="Kind">The action kind.</param>
/// <param name="Run">The run it belongs to.</param>
/// <param name="Record">The record the run is about.</param>
/// <param name="RunAsUserId">The user whose rights the action has (the rule's run-as user).</param>
/// <param name="Parameters">The action's parameters as the rule stores them (validated again here: a field or a list item may be gone since the rule was saved).</param>
/// <param name="DryRun">Whether to roll back what it writes (and not to cause external effects).</param>
public sealed record ActionRequest(IAutomationActionKind Kind, AutomationRunIdentity Run, AutomationRecord Record, long RunAsUserId, System.Text.Json.Nodes.JsonObject? Parameters, bool DryRun)
{
    /// <summary>The event that started the run, when an event did (what a script action shows as <c>event</c>).</summary>
    public DomainEvent<CrmEvent>? Event { get; init; }

    /// <summary>The start without an event that started the run (by hand, an incoming webhook), when one did.</summary>
    public AutomationStart? Start { get; init; }

    /// <summary>The rule's scope on its record type (a deal rule's <c>pipelineId</c>), within which its stages and field values are checked; null for none.</summary>
    public IReadOnlyDictionary<string, object?>? RecordScope { get; init; }

    /// <summary>
    /// Work that commits with the action or not at all (a business process's advance past the
    /// step): run with the action's scope when the action succeeded and is not a dry run, inside its
    /// transaction; when it throws, the action is rolled back and fails. For a kind with external
    /// effects (run outside a transaction) it runs after the action, in a transaction of its own.
    /// </summary>
    public Func<IServiceProvider, ActionOutcome, CancellationToken, Task>? Alongside { get; init; }
}

/// <summary>
/// Runs an action the one way: in a scope of its own whose actor is the run-as user with their
/// rights of now (actor kind <see cref="ActorKind.Automation"/>, channel <see cref="AutomationChannel.For"/>),
/// its parameters checked again, the record readable by that user (else FORBIDDEN; a record that is
/// gone, as for a run of <c>records.deleted</c>, is left to the actions), in one transaction that commits only when the action succeeded and
/// it is not a dry run. An exception of the action is its failure (<c>INTERNAL_SERVER_ERROR</c>, the
/// exception's type only: its message may hold what the run-as user may not see).
/// </summary>
public static class AutomationRunner
{
    /// <summary>
    /// Makes <paramref name="services"/>' actor the run-as user with their rights of now, acting
    /// through the run's channel (what every change of the run's scope is written with); a refusal
    /// (FORBIDDEN) when the user does not exist or is disabled. For a scope of the run's own, such as
    /// the one that reads the record its condition tests.
    /// </summary>
    public static async Task<UserError?> ActAsAsync(IServiceProvider services, long runAsUserId, AutomationRunIdentity run, CancellationToken cancellationToken)
    {
        var rights = runAsUserId <= 0 ? null
            : services.GetService<IAccessRightsProvider>() is { } provider
                ? await provider.RightsAsync(runAsUserId, cancellationToken)
                : AccessRights.Everything(runAsUserId);
        if (rights is null)
        {
            return new UserError(ErrorCodes.Forbidden, $"The run-as user {runAsUserId.ToString(CultureInfo.InvariantCulture)} does not exist or is disabled.", []);
        }

        var actor = services.GetRequiredService<CurrentActor>();
        actor.SignIn(runAsUserId, rights);
        actor.ActingThrough(ActorKind.Automation, AutomationChannel.For(run));
        return null;
    }

    public static async Task<ActionOutcome> RunAsync(IServiceScopeFactory scopes, ActionRequest request, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        if (await ActAsAsync(services, request.RunAsUserId, request.Run, cancellationToken) is { } refused)
        {
            return ActionOutcome.Refused([refused]);
        }

        if (ParameterValidator.EntityTypeOf(services, request.Record.EntityType) is not { } recordType)
        {
            return ActionOutcome.Failed(ErrorCodes.NotFound, $"No record type '{request.Record.EntityType}' is registered.");
        }

        var errors = new List<UserError>();
        var parameters = await ParameterValidator.ValidateAsync(services, request.Kind, recordType, request.RecordScope, request.Parameters, ["params"], errors, cancellationToken);
        if (parameters is null)
        {
            return ActionOutcome.Refused(errors);
        }

        // A run acts on its record only when its user may read it: what they cannot see, no action of theirs may touch.
        // A record that is gone (a run of records.deleted) is no one's to read: actions on it fail by themselves,
        // the others (a webhook, a new record) go on.
        if (!await recordType.ReachesAsync(services, request.Record.Id, PermissionAction.Read, cancellationToken) && await ExistsAsync(services.GetRequiredService<CurrentActor>(), recordType, services, request.Record.Id, cancellationToken))
        {
            return ActionOutcome.Refused([Refusals.Forbidden("act on", recordType.Name, request.Record.Id)]);
        }

        var context = new AutomationActionContext(services, request.Run, request.Record with { EntityType = recordType.Name }, recordType, parameters, request.DryRun) { Event = request.Event, Start = request.Start };
        var session = services.GetRequiredService<CrmDatabaseSession>();
        // A dry run keeps what its writes would have published: they are rolled back, their events with them.
        var published = new List<CrmEvent>();
        if (request.DryRun)
        {
            session.EventWritten = published.Add;
        }

        try
        {
            var outcome = await ExecuteOrThrowAsync(services, request.Kind, context, request.Alongside, cancellationToken);
            return published.Count == 0 ? outcome : outcome with { DryRunEvents = [.. published, .. outcome.DryRunEvents] };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Threw(request.Kind, ex);
        }
    }

    /// <summary>
    /// Runs <paramref name="kind"/> in a scope whose actor is already the one it acts as (a job's owner,
    /// a run's user): its writes in one transaction that commits only when it succeeded and
    /// <paramref name="context"/> is no dry run (an action with outside effects holds none open while it
    /// waits), <paramref name="alongside"/> in the same transaction; what it throws is its failure
    /// (<c>INTERNAL_SERVER_ERROR</c>, the exception's type only). What <see cref="RunAsync"/> does after
    /// signing in, checking the parameters and the record.
    /// </summary>
    public static async Task<ActionOutcome> ExecuteAsync(IServiceProvider services, IAutomationActionKind kind, AutomationActionContext context,
        Func<IServiceProvider, ActionOutcome, CancellationToken, Task>? alongside, CancellationToken cancellationToken)
    {
        try
        {
            return await ExecuteOrThrowAsync(services, kind, context, alongside, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Threw(kind, ex);
        }
    }

    private static async Task<ActionOutcome> ExecuteOrThrowAsync(IServiceProvider services, IAutomationActionKind kind, AutomationActionContext context,
        Func<IServiceProvider, ActionOutcome, CancellationToken, Task>? alongside, CancellationToken cancellationToken)
    {
        var session = services.GetRequiredService<CrmDatabaseSession>();
        // A call to the outside holds no transaction open while it waits (and writes nothing to roll back).
        if (kind.HasExternalEffects)
        {
            var outcome = await kind.ExecuteAsync(context, cancellationToken);
            if (outcome.Succeeded && !context.DryRun && alongside is { } after)
            {
                await session.InTransactionAsync(async () => { await after(services, outcome, cancellationToken); return true; }, cancellationToken: cancellationToken);
            }

            return outcome;
        }

        return await session.InTransactionAsync(
            async () =>
            {
                var result = await kind.ExecuteAsync(context, cancellationToken);
                if (result.Succeeded && !context.DryRun && alongside is { } also)
                {
                    await also(services, result, cancellationToken);
                }

                return result;
            },
            result => result.Succeeded && !context.DryRun,
            cancellationToken);
    }

    private static ActionOutcome Threw(IAutomationActionKind kind, Exception ex) =>
        ActionOutcome.Failed(ErrorCodes.Internal, $"The action {kind.Name} failed: {ex.GetType().Name}.");

    private static async Task<bool> ExistsAsync(CurrentActor actor, ICrmEntityDefinition recordType, IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        using (actor.WithAllRights())
        {
            return await recordType.ReachesAsync(services, id, PermissionAction.Read, cancellationToken);
        }
    }
}
