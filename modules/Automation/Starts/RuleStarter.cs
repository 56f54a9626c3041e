using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.Modules.Automation.Rules;
using Crm.Modules.Automation.Runs;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Automation.Starts;

/// <summary>How a start without an event went: the run, or why there is none (a code of <see cref="ErrorCodes"/> and a reason).</summary>
/// <param name="Repeated">True when this start had already run the rule on the record: <see cref="Run"/> is that run.</param>
public sealed record StartOutcome(AutomationRun? Run, UserError? Refused, bool Repeated = false);

/// <summary>
/// Starts a rule's active version on one record without an event (by hand, an incoming webhook):
/// checks that the rule's trigger is of that firing and the input is bounded, then runs it through
/// <see cref="RuleRunner"/> with a <see cref="RunStart"/> whose id makes the start run once (a
/// webhook's redelivery finds the run its first delivery made).
/// </summary>
public sealed class RuleStarter(AutomationDbContext db, AutomationCatalog catalog, RuleRunner runner, TimeProvider clock)
{
    /// <summary>The active version of <paramref name="ruleId"/> when its trigger fires as <paramref name="firing"/>, or why it cannot start.</summary>
    public async Task<(ActiveRule? Rule, UserError? Refused)> FindAsync(long ruleId, TriggerFiring firing, CancellationToken cancellationToken)
    {
        var found = await (from rule in db.Rules.AsNoTracking()
                           where rule.Id == ruleId
                           select new
                           {
                               rule.EntityType,
                               Version = db.RuleVersions.AsNoTracking().FirstOrDefault(v => v.RuleId == rule.Id && v.Version == rule.ActiveVersion),
                           }).FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return (null, UserError.At(ErrorCodes.NotFound, $"No automation rule {ruleId.ToString(CultureInfo.InvariantCulture)}.", "ruleId"));
        }

        if (found.Version is null)
        {
            return (null, UserError.At(ErrorCodes.InvalidValue, "The rule has no active version: activate it first.", "ruleId"));
        }

        var definition = RuleDefinition.FromJson(found.Version.Definition);
        return catalog.FindTrigger(definition.Trigger.Kind) is { } trigger && trigger.Firing == firing
            ? (new ActiveRule(found.Version, found.EntityType, definition), null)
            : (null, UserError.At(ErrorCodes.InvalidValue, $"The rule's active version is started by '{definition.Trigger.Kind}', not {Describe(firing)}.", "ruleId"));
    }

    /// <summary>Runs <paramref name="rule"/> on record <paramref name="recordId"/> for the start <paramref name="startId"/>; a start that already ran gives its run again.</summary>
    public async Task<StartOutcome> StartAsync(ActiveRule rule, long recordId, Guid startId, long? startedBy, JsonObject? input, CancellationToken cancellationToken)
    {
        var start = new RunStart(rule.EntityType, recordId, startId, rule.Definition.Trigger.Kind, Depth: 1) { Input = input, StartedBy = startedBy, StartedAt = clock.GetUtcNow() };
        return await RunOrFindAsync(rule, start, cancellationToken);
    }

    private async Task<StartOutcome> RunOrFindAsync(ActiveRule rule, RunStart start, CancellationToken cancellationToken)
    {
        var (recordId, startId) = (start.EntityId, start.StartId);
        if (await runner.RunAsync(rule, start, cancellationToken) is { } run)
        {
            return new StartOutcome(run, null);
        }

        // No run: this start ran before (a redelivery), or the record is outside the rule's scope.
        var earlier = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.RuleId == rule.Version.RuleId && r.EventId == startId && r.EntityId == recordId, cancellationToken);
        return earlier is not null
            ? new StartOutcome(earlier, null, Repeated: true)
            : new StartOutcome(null, UserError.At(ErrorCodes.InvalidValue, $"The record is outside the rule's scope ({rule.Definition.Scope?.ToJsonString()}): the rule does not run for it.", "recordId"));
    }

    /// <summary>The input's refusal when it is over <see cref="StartLimits"/>; null when it is within them.</summary>
    public static UserError? CheckInput(JsonObject? input, string path)
    {
        if (input is null)
        {
            return null;
        }

        if (input.Count > StartLimits.MaxInputKeys)
        {
            return UserError.At(ErrorCodes.LimitExceeded, $"The input has at most {StartLimits.MaxInputKeys.ToString(CultureInfo.InvariantCulture)} keys.", path);
        }

        return input.ToJsonString().Length > StartLimits.MaxInputLength
            ? UserError.At(ErrorCodes.LimitExceeded, $"The input is at most {StartLimits.MaxInputLength.ToString(CultureInfo.InvariantCulture)} characters of JSON.", path)
            : null;
    }

    /// <summary>A start id that is the same for the same delivery of the same rule, so a redelivered call runs once.</summary>
    public static Guid StartIdOf(long ruleId, string deliveryId) => DerivedId($"automation.webhook:{ruleId.ToString(CultureInfo.InvariantCulture)}:{deliveryId}");

    /// <summary>
    /// Runs a failed run again on the version it pinned, from its failed action (the condition not
    /// tested again when it held), as a new run linked to it. A run is retried once: asking again
    /// (or twenty times at once) gives that retry; a retry that fails is retried in its turn.
    /// </summary>
    public async Task<StartOutcome> RetryAsync(Guid runId, CancellationToken cancellationToken)
    {
        if (await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.RunId == runId, cancellationToken) is not { } failed)
        {
            return new StartOutcome(null, UserError.At(ErrorCodes.NotFound, $"No run {runId}.", "runId"));
        }

        if (failed.Status is not (RunStatus.Failed or RunStatus.TimedOut))
        {
            return new StartOutcome(null, UserError.At(ErrorCodes.InvalidValue, $"Only a failed or timed-out run is retried; this one is {failed.Status.ToString().ToUpperInvariant()}.", "runId"));
        }

        var found = await (from version in db.RuleVersions.AsNoTracking()
                           join rule in db.Rules.AsNoTracking() on version.RuleId equals rule.Id
                           where version.RuleId == failed.RuleId && version.Version == failed.RuleVersion
                           select new { rule.EntityType, Version = version }).FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return new StartOutcome(null, UserError.At(ErrorCodes.NotFound, "The rule version the run pinned is gone.", "runId"));
        }

        var pinned = new ActiveRule(found.Version, found.EntityType, RuleDefinition.FromJson(found.Version.Definition));
        // A failed run: the step that stopped it is its last (none: it failed before its actions, the record
        // unreadable, the condition's script). A timed-out run stopped before an action it had not run
        // (its host stopped during it: the one under way, whose step was never written).
        var steps = System.Text.Json.Nodes.JsonNode.Parse(failed.Steps) as System.Text.Json.Nodes.JsonArray ?? [];
        var from = failed.Status == RunStatus.TimedOut ? failed.FirstAction + steps.Count
            : steps.Count == 0 ? failed.FirstAction : failed.FirstAction + steps.Count - 1;
        // The retry sees the event its first run saw (its changes, actor, time, a start's input).
        var start = RuleRunner.RestartOf(failed) with
        {
            StartId = DerivedId($"automation.retry:{failed.RunId}"),
            FromAction = from,
            ConditionHeld = failed.ConditionResult == true && (steps.Count > 0 || failed.Status == RunStatus.TimedOut),
            RetryOf = failed.RunId,
        };
        return await RunOrFindAsync(pinned, start, cancellationToken);
    }

    private static Guid DerivedId(string text) => new(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));

    private static string Describe(TriggerFiring firing) => firing switch
    {
        TriggerFiring.Manual => "by hand (platform.manual)",
        TriggerFiring.Webhook => "by an incoming webhook (platform.webhook)",
        _ => firing.ToString(),
    };
}
