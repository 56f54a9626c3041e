using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Engine;
using Crm.Modules.Automation.Rules;
using Crm.Modules.Automation.Scripts;
using Crm.Modules.Automation.Waits;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Scripting;
using Crm.PluginSdk.Timeline;

namespace Crm.Modules.Automation.Testing;

/// <summary>
/// One backtest's work on the virtual clock: per event the trigger, the scope, the condition, what the
/// actions would change, and the rule's own cycle. An action that is not due yet makes the run wait, as
/// the engine's does (<see cref="WaitPlanner"/>, working hours applied): the run goes on at its due time,
/// between the recorded events, on the record as the replay has it then, after the engine's checks again
/// (the record still there, within the scope, in the stage it started in unless the rule keeps its runs
/// when it leaves, the condition holding); what is still waiting at the window's end is pending. What the
/// rule changes is fed back into the replayed records right after the event that caused it, before the next
/// recorded one: later events see it, and when it matches the rule's trigger again, the run it starts
/// follows at once, as the engine's would (when the rule allows it, to the cascade limit).
/// </summary>
internal sealed class BacktestReplay(RuleRunner runner, ScriptSandbox sandbox, WaitOptions waitOptions, ActiveRule rule, AutomationRunIdentity identity,
    IAutomationTriggerKind trigger, AutomationParameters parameters, IServiceProvider services, BacktestReport report, ReplayedRecords records, BacktestRecordSource source)
{
    /// <summary>Runs waiting at an action, by due time, then by the order they began waiting (a sequence number).</summary>
    private readonly PriorityQueue<Wait, (DateTimeOffset Due, long Order)> waits = new();
    private long waited;

    /// <summary>The work done so far: events replayed, conditions tested, actions worked out (the budget's unit, <see cref="BacktestOptions.MaxSteps"/>).</summary>
    public int Steps { get; set; }

    /// <summary>Runs waiting at an action not yet due.</summary>
    public int Waiting => waits.Count;

    /// <summary>Whether a run waits at an action due before <paramref name="until"/>.</summary>
    public bool AnyDueBefore(DateTimeOffset until) => waits.TryPeek(out _, out var due) && due.Due < until;

    /// <summary>A run waiting at an action: what started it, at which depth, which action, until when, and the stage it started in.</summary>
    private sealed record Wait(RecordHistoryEntry Entry, DomainEvent<CrmEvent> Event, int Depth, int Action, DateTimeOffset Due, string? StageId);

    public async Task EventAsync(RecordHistoryEntry entry, JsonObject state, CancellationToken cancellationToken)
    {
        var domainEvent = entry.ToEvent();
        if (!trigger.Matches(domainEvent, rule.EntityType, parameters))
        {
            return;
        }

        report.Matched++;
        await RunAsync(entry, domainEvent, state.DeepClone().AsObject(), entry.OccurredAt, depth: 1, cancellationToken);
    }

    /// <summary>
    /// Goes on with the runs whose waited-for action is due before <paramref name="until"/>, in the order
    /// of their due times, while the budget of <paramref name="maxSteps"/> lasts.
    /// </summary>
    public async Task ResumeDueAsync(DateTimeOffset until, int maxSteps, CancellationToken cancellationToken)
    {
        while (Steps < maxSteps && waits.TryPeek(out var wait, out var due) && due.Due < until)
        {
            waits.Dequeue();
            Steps++;
            var state = records.At(wait.Entry.EntityId);
            var record = state?.DeepClone().AsObject();
            var at = new ReplayClock(wait.Due);
            if (record is null
                || (rule.Definition.Scope is { } scope && !ConditionEvaluator.Within(scope, record))
                || (wait.StageId is not null && !rule.Definition.KeepWhenStageLeft && WaitPlanner.StageOf(record) != wait.StageId))
            {
                report.Cancelled++;
                continue;
            }

            report.SawOwnChanges += records.CarriesOwnChanges(wait.Entry.EntityId) ? 1 : 0;
            bool held;
            try
            {
                held = runner.TestCondition(rule, RunStart.Of(wait.Event, wait.Depth), record, services, cancellationToken, at: at, records: source);
            }
            catch (ScriptConditionException ex)
            {
                report.AddError(wait.Entry.EntityId, wait.Due, null, ex.Error);
                continue;
            }

            if (!held)
            {
                report.Cancelled++;
                continue;
            }

            await ContinueAsync(wait.Entry, wait.Event, record, wait.Due, wait.Depth, wait.Action, resumed: true, wait.StageId, cancellationToken);
        }
    }

    /// <summary>A run started by <paramref name="domainEvent"/> at <paramref name="now"/>: its scope and condition, then its actions (and its own cycle).</summary>
    private async Task RunAsync(RecordHistoryEntry entry, DomainEvent<CrmEvent> domainEvent, JsonObject record, DateTimeOffset now, int depth, CancellationToken cancellationToken)
    {
        if (rule.Definition.Scope is { } scope && !ConditionEvaluator.Within(scope, record))
        {
            report.OutOfScope += depth == 1 ? 1 : 0;
            return;
        }

        // A run the rule's own change started (depth > 1) is a self-trigger, counted there.
        report.SawOwnChanges += depth == 1 && records.CarriesOwnChanges(entry.EntityId) ? 1 : 0;
        bool held;
        Steps++;
        try
        {
            held = runner.TestCondition(rule, RunStart.Of(domainEvent, depth), record, services, cancellationToken, at: new ReplayClock(now), records: source);
        }
        catch (ScriptConditionException ex)
        {
            report.AddError(entry.EntityId, now, null, ex.Error);
            return;
        }

        if (!held)
        {
            report.Skipped += depth == 1 ? 1 : 0;
            return;
        }

        report.Fired += depth == 1 ? 1 : 0;
        await ContinueAsync(entry, domainEvent, record, now, depth, 0, resumed: false, WaitPlanner.StageOf(record), cancellationToken);
    }

    /// <summary>
    /// The run's actions from <paramref name="from"/> on, at <paramref name="now"/>, up to the first one not yet
    /// due (the run then waits); when what they changed would match the rule's trigger again, the rule's own cycle.
    /// </summary>
    private async Task ContinueAsync(RecordHistoryEntry entry, DomainEvent<CrmEvent> domainEvent, JsonObject record, DateTimeOffset now, int depth, int from, bool resumed,
        string? startedInStage, CancellationToken cancellationToken)
    {
        var changes = WouldChange(entry, domainEvent, record, now, depth, from, resumed, startedInStage, cancellationToken);
        // Fed back: from now on the record as the replay has it carries the rule's changes, which the
        // window's later events (and runs waiting on it) see, as they would have seen them.
        foreach (var (field, change) in changes)
        {
            records.FeedBack(entry.EntityId, field, change.NewValue);
        }

        var own = new DomainEvent<CrmEvent>(Guid.NewGuid(), RecordUpdated.TypeName, 1, now, rule.Version.RunAsUserId, rule.EntityType, entry.EntityId,
            new RecordUpdated(rule.EntityType, entry.EntityId, changes)) { Origin = new ChangeOrigin(ActorKind.Automation, AutomationChannel.For(identity with { Depth = depth })) };
        if (changes.Count == 0 || !trigger.Matches(own, rule.EntityType, parameters))
        {
            return;
        }

        // The rule's own change would start it again: the engine does so only when the rule allows it, up to the cascade limit.
        report.SelfTriggers++;
        if (!rule.Definition.AllowSelfTrigger)
        {
            return;
        }

        if (depth >= RuleEngine.MaxCascadeDepth)
        {
            report.CascadeLimitHits++;
            return;
        }

        foreach (var (field, change) in changes)
        {
            record[field] = change.NewValue?.DeepClone();
        }

        await RunAsync(entry, own, record, now, depth + 1, cancellationToken);
    }

    /// <summary>
    /// What the actions from <paramref name="from"/> on would change on the record now (each field's old and new value),
    /// counting each action done and sampling the changes; an action not yet due makes the run wait there.
    /// </summary>
    private Dictionary<string, FieldChange> WouldChange(RecordHistoryEntry entry, DomainEvent<CrmEvent> domainEvent, JsonObject record, DateTimeOffset now, int depth, int from,
        bool resumed, string? startedInStage, CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var at = new ReplayClock(now);
        for (var i = from; i < rule.Definition.Actions.Count; i++)
        {
            var action = rule.Definition.Actions[i];
            // The action a resumed run waited for is due: it is not timed again (as the engine's is not).
            if (!resumed || i != from)
            {
                var (due, problem) = WaitPlanner.Due(action.Timing, Applied(record, fields), now, waitOptions);
                if (problem is not null)
                {
                    report.AddError(entry.EntityId, now, i, new ScriptError(ErrorCodes.InvalidValue, $"The action cannot be timed: {problem}."));
                    if (action.OnError != ErrorPolicy.Continue)
                    {
                        break;
                    }

                    continue;
                }

                if (due > now)
                {
                    report.Delayed++;
                    waits.Enqueue(new Wait(entry, domainEvent, depth, i, due.Value, startedInStage), (due.Value, waited++));
                    break;
                }
            }

            Steps++;
            report.Count(report.Actions, action.Kind);
            if (action.Kind == "platform.script")
            {
                if (!Script(action, i, entry, domainEvent, Applied(record, fields), at, fields, cancellationToken) && action.OnError != ErrorPolicy.Continue)
                {
                    break;
                }

                continue;
            }

            foreach (var (field, value) in Sets(action.Kind, action.Params, record))
            {
                fields[field] = value;
            }
        }

        var changes = new Dictionary<string, FieldChange>(StringComparer.Ordinal);
        foreach (var (field, value) in fields)
        {
            if (Same(record[field], value))
            {
                continue;
            }

            changes[field] = new FieldChange(record[field]?.DeepClone(), value?.DeepClone());
            report.Count(report.FieldChanges, field);
            if (report.Samples.Count < BacktestOptions.MaxSamples)
            {
                report.Samples.Add(new JsonObject
                {
                    ["entityId"] = entry.EntityId,
                    ["occurredAt"] = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                    ["depth"] = depth,
                    ["field"] = field,
                    ["old"] = record[field]?.DeepClone(),
                    ["new"] = value?.DeepClone(),
                });
            }
        }

        return changes;
    }

    /// <summary>The record with the run's changes so far: what a later action of the same run reads (its timing's date field, its script).</summary>
    private static JsonObject Applied(JsonObject record, Dictionary<string, JsonNode?> fields)
    {
        if (fields.Count == 0)
        {
            return record;
        }

        var applied = record.DeepClone().AsObject();
        foreach (var (field, value) in fields)
        {
            applied[field] = value?.DeepClone();
        }

        return applied;
    }

    /// <summary>Runs a script action in the sandbox on the replayed record and time, and takes the fields its requests would set on it; false when it failed.</summary>
    private bool Script(RuleAction action, int step, RecordHistoryEntry entry, DomainEvent<CrmEvent> domainEvent, JsonObject record, TimeProvider at, Dictionary<string, JsonNode?> fields, CancellationToken cancellationToken)
    {
        var outcome = sandbox.Run(new ScriptRun(action.Params["source"]?.GetValue<string>() ?? "")
        {
            Record = record,
            Event = ScriptInputs.EventOf(domainEvent),
            Params = action.Params["params"]?.GetValue<string>() is { } json ? JsonNode.Parse(json) as JsonObject : null,
            Records = source,
            Clock = at,
            RandomSeed = 1,
        }, cancellationToken);
        if (outcome.Error is { } error)
        {
            report.AddError(entry.EntityId, at.GetUtcNow(), step, error);
            return false;
        }

        foreach (var request in outcome.Requests)
        {
            var p = request.Parameters;
            var mine = p["type"]?.GetValue<string>().Equals(rule.EntityType, StringComparison.OrdinalIgnoreCase) == true && p["id"]?.ToJsonString() == entry.EntityId.ToString(CultureInfo.InvariantCulture);
            var (kind, parameters) = request.Kind switch
            {
                "update" when mine => ("records.setFields", new JsonObject { ["fields"] = p["fields"]?.DeepClone() }),
                "changeStage" when mine => ("records.changeStage", new JsonObject { ["stageId"] = p["stageId"]?.DeepClone() }),
                var other => ($"script:{other}", null),
            };
            report.Count(report.Actions, kind);
            foreach (var (field, value) in parameters is null ? [] : Sets(kind, parameters, record))
            {
                fields[field] = value;
            }
        }

        return true;
    }

    /// <summary>The fields a record action kind sets on the run's record, with their values; none for the other kinds.</summary>
    private static IEnumerable<(string Field, JsonNode? Value)> Sets(string kind, JsonObject parameters, JsonObject record) => kind switch
    {
        "records.setFields" => (parameters["fields"] as JsonObject ?? []).Select(p => (p.Key, p.Value)),
        "records.changeStage" => [(record.ContainsKey("stageId") ? "stageId" : "statusId", parameters["stageId"])],
        "records.assign" => [(record.ContainsKey("assignedById") ? "assignedById" : "responsibleId", parameters["userId"])],
        _ => [],
    };

    private static bool Same(JsonNode? left, JsonNode? right) =>
        left?.GetValueKind() == JsonValueKind.Number && right?.GetValueKind() == JsonValueKind.Number
            ? decimal.Parse(left.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture) == decimal.Parse(right.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
            : JsonNode.DeepEquals(left, right);

    /// <summary>The replayed time: what <c>crm.now()</c>, <c>Date.now()</c> and working hours read in a backtest.</summary>
    private sealed class ReplayClock(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}
