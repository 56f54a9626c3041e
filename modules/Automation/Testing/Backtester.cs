using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.Modules.Automation.Rules;
using Crm.Modules.Automation.Scripts;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Scripting;
using Crm.PluginSdk.Security;
using Crm.PluginSdk.Timeline;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Testing;

/// <summary>
/// <c>backtestRule</c>: replays the recorded history of a window (<see cref="IRecordHistory"/>, which
/// the Timeline module provides) in the order it happened, and tells how the rule would have behaved.
/// Each record is rebuilt as it was at each change: the record as its run-as user reads it now, with
/// every change since the window began undone, then the window's changes done again one by one. For
/// each event the rule's trigger matches, its scope and condition are tested as a run would test them
/// (<see cref="RuleRunner.TestCondition"/>, on a clock that reads the replayed time); when the condition
/// holds, what its actions would change is worked out without doing them (set fields, change stage,
/// assign; a script runs in the sandbox and its requests are read, not carried out; other kinds are
/// counted), and when those changes would match the rule's trigger again, the cycle is followed to the
/// cascade limit. It writes nothing, and is bounded by <see cref="BacktestOptions"/>.
/// A script's <c>crm.get</c>/<c>find</c> reads the records as they are now, not as they were.
/// </summary>
public sealed class Backtester(AutomationDbContext db, AutomationCatalog catalog, RuleRunner runner, IServiceScopeFactory scopes, ICurrentActor actor,
    ScriptSandbox sandbox, BacktestOptions options)
{
    private const int PageSize = 500;
    private const int RecordsPerRead = 100;

    public async Task<BacktestReport> RunAsync(long ruleId, DateTimeOffset from, DateTimeOffset to, int? version, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var (rule, tested) = await RuleTester.VersionAsync(db, actor, ruleId, version, "Backtesting automation rules", cancellationToken);
        if (from >= to)
        {
            throw ErrorCodes.Error(ErrorCodes.InvalidValue, "'from' comes before 'to'.");
        }

        if (to - from > options.MaxWindow)
        {
            throw ErrorCodes.Error(ErrorCodes.LimitExceeded,
                $"A backtest replays at most {options.MaxWindow.TotalDays.ToString(CultureInfo.InvariantCulture)} days (Automation:Backtest:MaxWindow).");
        }

        var definition = RuleDefinition.FromJson(tested.Definition);
        if (catalog.FindTrigger(definition.Trigger.Kind) is not { Firing: TriggerFiring.Event } trigger)
        {
            throw ErrorCodes.Error(ErrorCodes.InvalidValue, "Only a rule started by events can be backtested: its trigger replays the recorded changes.");
        }

        var active = new ActiveRule(tested, rule.EntityType, definition);
        var identity = new AutomationRunIdentity(rule.Id, tested.Name, tested.Version, Guid.NewGuid());
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var history = services.GetService<IRecordHistory>() ?? throw ErrorCodes.Error(ErrorCodes.NotFound, "No module keeps the records' history (the Timeline module does): nothing to replay.");
        if (await AutomationRunner.ActAsAsync(services, tested.RunAsUserId, identity, cancellationToken) is { } refused)
        {
            throw ErrorCodes.Error(refused.Code, refused.Message);
        }

        var recordType = ParameterValidator.EntityTypeOf(services, rule.EntityType) ?? throw ErrorCodes.Error(ErrorCodes.NotFound, $"No record type '{rule.EntityType}' is loaded.");
        var parameters = await ParameterValidator.ValidateAsync(services, trigger, recordType, definition.RecordScope(), definition.Trigger.Params, ["trigger", "params"], [], cancellationToken)
            ?? throw ErrorCodes.Error(ErrorCodes.InvalidValue, "The rule's trigger parameters no longer hold (a field or a stage is gone): save the rule again.");

        var report = new BacktestReport(rule.Id, tested.Version, from, to);
        var entries = await WindowAsync(history, rule.EntityType, from, to, report, cancellationToken);
        var states = await RebuildAsync(services, history, recordType, entries, from, cancellationToken);
        var replay = new Replay(runner, sandbox, active, identity, trigger, parameters, services, report);
        foreach (var entry in entries)
        {
            if (replay.Steps >= options.MaxSteps)
            {
                report.Truncated = $"{(report.Truncated is null ? "" : report.Truncated + " ")}The replay took its {options.MaxSteps.ToString(CultureInfo.InvariantCulture)} steps of work (Automation:Backtest:MaxSteps).";
                report.ReplayedUntil = entry.OccurredAt;
                break;
            }

            report.Events++;
            replay.Steps++;
            if (entry.Kind == RecordChangeKind.Deleted)
            {
                // A run of records.deleted sees the record's id alone, as the engine's does.
                await replay.EventAsync(entry, new JsonObject { ["id"] = entry.EntityId }, cancellationToken);
                continue;
            }

            if (!states.TryGetValue(entry.EntityId, out var state))
            {
                report.Unavailable++;
                continue;
            }

            foreach (var (field, change) in entry.Changes)
            {
                state[field] = change.NewValue?.DeepClone();
            }

            await replay.EventAsync(entry, state, cancellationToken);
        }

        report.Elapsed = Stopwatch.GetElapsedTime(started);
        return report;
    }

    /// <summary>The window's entries in order, at most <see cref="BacktestOptions.MaxEvents"/> (the report says when there were more).</summary>
    private async Task<List<RecordHistoryEntry>> WindowAsync(IRecordHistory history, string entityType, DateTimeOffset from, DateTimeOffset to, BacktestReport report, CancellationToken cancellationToken)
    {
        var entries = new List<RecordHistoryEntry>();
        RecordHistoryEntry? after = null;
        while (entries.Count <= options.MaxEvents)
        {
            var asked = Math.Min(PageSize, options.MaxEvents + 1 - entries.Count);
            var page = await history.ReadAsync(entityType, from, to, after, asked, cancellationToken);
            entries.AddRange(page);
            if (page.Count < asked)
            {
                break;
            }

            after = page[^1];
        }

        if (entries.Count > options.MaxEvents)
        {
            report.Truncated = $"The window holds more than {options.MaxEvents} changes (Automation:Backtest:MaxEvents): the replay stopped there.";
            report.ReplayedUntil = entries[options.MaxEvents - 1].OccurredAt;
            entries.RemoveRange(options.MaxEvents, entries.Count - options.MaxEvents);
        }

        return entries;
    }

    /// <summary>
    /// Each record of the window as it was when the window began (or when it was created): as the
    /// run-as user reads it now, every change since undone, latest first. Records gone or unreadable are left out.
    /// </summary>
    private async Task<Dictionary<long, JsonObject>> RebuildAsync(IServiceProvider services, IRecordHistory history, ICrmEntityDefinition recordType, List<RecordHistoryEntry> entries,
        DateTimeOffset from, CancellationToken cancellationToken)
    {
        var ids = entries.Select(e => e.EntityId).Distinct().ToList();
        var states = new Dictionary<long, JsonObject>();
        try
        {
            foreach (var chunk in ids.Chunk(RecordsPerRead))
            {
                var where = new Dictionary<string, object?> { ["id"] = new Dictionary<string, object?> { ["in"] = chunk.Cast<object?>().ToList() } };
                var page = await recordType.ListAsync(services, new ListArguments(where, null, chunk.Length, null, null, null), false, cancellationToken);
                foreach (var edge in page.Edges)
                {
                    var snapshot = RecordSnapshot.Of(recordType, edge.Node);
                    states[snapshot["id"]!.GetValue<long>()] = snapshot;
                }
            }
        }
        catch (GraphQL.ExecutionError ex) when (ex.Code == ErrorCodes.Forbidden)
        {
            // The run-as user may read no record of the type: a rule of theirs would run on none.
            return states;
        }

        var undoLimit = options.MaxEvents * 10;
        var updates = ids.Count == 0 ? [] : await history.UpdatesSinceAsync(recordType.Name, ids, from, undoLimit + 1, cancellationToken);
        if (updates.Count > undoLimit)
        {
            throw ErrorCodes.Error(ErrorCodes.LimitExceeded,
                $"The window's records changed more than {undoLimit} times since it began (ten times Automation:Backtest:MaxEvents): they cannot be rebuilt. Choose a later or shorter window.");
        }

        for (var i = updates.Count - 1; i >= 0; i--)
        {
            if (states.TryGetValue(updates[i].EntityId, out var state))
            {
                foreach (var (field, change) in updates[i].Changes)
                {
                    state[field] = change.OldValue?.DeepClone();
                }
            }
        }

        return states;
    }

    /// <summary>One replay's work per event: the trigger, the scope, the condition, what the actions would change, and the rule's own cycle.</summary>
    private sealed class Replay(RuleRunner runner, ScriptSandbox sandbox, ActiveRule rule, AutomationRunIdentity identity, IAutomationTriggerKind trigger, AutomationParameters parameters, IServiceProvider services, BacktestReport report)
    {
        /// <summary>The work done so far: events replayed, conditions tested, actions worked out (the budget's unit, <see cref="BacktestOptions.MaxSteps"/>).</summary>
        public int Steps { get; set; }

        public async Task EventAsync(RecordHistoryEntry entry, JsonObject state, CancellationToken cancellationToken)
        {
            var domainEvent = entry.ToEvent();
            if (!trigger.Matches(domainEvent, rule.EntityType, parameters))
            {
                return;
            }

            report.Matched++;
            var record = state.DeepClone().AsObject();
            var at = new ReplayClock(entry.OccurredAt);
            for (var depth = 1; ; depth++)
            {
                if (rule.Definition.Scope is { } scope && !ConditionEvaluator.Within(scope, record))
                {
                    report.OutOfScope += depth == 1 ? 1 : 0;
                    return;
                }

                bool held;
                Steps++;
                try
                {
                    held = runner.TestCondition(rule, RunStart.Of(domainEvent, depth), record, services, cancellationToken, at: at);
                }
                catch (ScriptConditionException ex)
                {
                    report.AddError(entry.EntityId, entry.OccurredAt, null, ex.Error);
                    return;
                }

                if (!held)
                {
                    report.Skipped += depth == 1 ? 1 : 0;
                    return;
                }

                report.Fired += depth == 1 ? 1 : 0;
                Steps += rule.Definition.Actions.Count;
                var changes = WouldChange(entry, domainEvent, record, at, depth, cancellationToken);
                var own = new DomainEvent<CrmEvent>(Guid.NewGuid(), RecordUpdated.TypeName, 1, entry.OccurredAt, rule.Version.RunAsUserId, rule.EntityType, entry.EntityId,
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

                domainEvent = own;
            }
        }

        /// <summary>What the actions would change on the record (each field's old and new value), counting each action and sampling the changes.</summary>
        private Dictionary<string, FieldChange> WouldChange(RecordHistoryEntry entry, DomainEvent<CrmEvent> domainEvent, JsonObject record, TimeProvider at, int depth, CancellationToken cancellationToken)
        {
            var fields = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            for (var i = 0; i < rule.Definition.Actions.Count; i++)
            {
                var action = rule.Definition.Actions[i];
                report.Count(report.Actions, action.Kind);
                if (action.Kind == "platform.script")
                {
                    if (!Script(action, i, entry, domainEvent, record, at, fields, cancellationToken) && action.OnError != ErrorPolicy.Continue)
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
                        ["occurredAt"] = entry.OccurredAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                        ["depth"] = depth,
                        ["field"] = field,
                        ["old"] = record[field]?.DeepClone(),
                        ["new"] = value?.DeepClone(),
                    });
                }
            }

            return changes;
        }

        /// <summary>Runs a script action in the sandbox on the replayed record and time, and takes the fields its requests would set on it; false when it failed.</summary>
        private bool Script(RuleAction action, int step, RecordHistoryEntry entry, DomainEvent<CrmEvent> domainEvent, JsonObject record, TimeProvider at, Dictionary<string, JsonNode?> fields, CancellationToken cancellationToken)
        {
            var outcome = sandbox.Run(new ScriptRun(action.Params["source"]?.GetValue<string>() ?? "")
            {
                Record = record,
                Event = ScriptInputs.EventOf(domainEvent),
                Params = action.Params["params"]?.GetValue<string>() is { } json ? JsonNode.Parse(json) as JsonObject : null,
                Records = new RunRecordSource(services, services.GetRequiredService<IEntityRegistry>()),
                Clock = at,
                RandomSeed = 1,
            }, cancellationToken);
            if (outcome.Error is { } error)
            {
                report.AddError(entry.EntityId, entry.OccurredAt, step, error);
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
    }

    /// <summary>The replayed time: what <c>crm.now()</c>, <c>Date.now()</c> and working hours read in a backtest.</summary>
    private sealed class ReplayClock(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}
