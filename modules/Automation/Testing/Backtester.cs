using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.Modules.Automation.Rules;
using Crm.Modules.Automation.Waits;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
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
/// cascade limit. An action not due yet waits on the virtual clock (<see cref="BacktestReplay"/>): it is done at
/// its due time, between the recorded events, or reported pending (due after the window) or cancelled. It writes nothing, and is bounded by <see cref="BacktestOptions"/>.
/// A script's <c>crm.get</c> reads the window's records as the replay has them (<see cref="BacktestRecordSource"/>), never today's data.
/// </summary>
public sealed class Backtester(AutomationDbContext db, AutomationCatalog catalog, RuleRunner runner, IServiceScopeFactory scopes, ICurrentActor actor,
    ScriptSandbox sandbox, BacktestOptions options, WaitOptions waitOptions)
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
        var records = new ReplayedRecords(states, entries);
        var replay = new BacktestReplay(runner, sandbox, waitOptions, active, identity, trigger, parameters, services, report, records, new BacktestRecordSource(rule.EntityType, records));
        var spent = false;
        foreach (var entry in entries)
        {
            // The runs' waited-for actions due before this event go on first, on the records as they were then.
            await replay.ResumeDueAsync(entry.OccurredAt, options.MaxSteps, cancellationToken);
            if (replay.Steps >= options.MaxSteps)
            {
                Spent(report, entry.OccurredAt);
                spent = true;
                break;
            }

            report.Events++;
            replay.Steps++;
            if (!records.Apply(entry, out var state))
            {
                report.Unavailable++;
                continue;
            }

            // A run of records.deleted sees the record's id alone, as the engine's does; a run waiting on the record finds it gone.
            await replay.EventAsync(entry, state ?? new JsonObject { ["id"] = entry.EntityId }, cancellationToken);
        }

        if (!spent && report.Truncated is null)
        {
            await replay.ResumeDueAsync(to, options.MaxSteps, cancellationToken);
            if (replay.Steps >= options.MaxSteps && replay.AnyDueBefore(to))
            {
                Spent(report, to);
            }
        }

        // Due after the window, or not reached when the replay stopped early.
        report.Pending = replay.Waiting;
        report.Elapsed = Stopwatch.GetElapsedTime(started);
        return report;
    }

    private void Spent(BacktestReport report, DateTimeOffset at)
    {
        report.Truncated = $"{(report.Truncated is null ? "" : report.Truncated + " ")}The replay took its {options.MaxSteps.ToString(CultureInfo.InvariantCulture)} steps of work (Automation:Backtest:MaxSteps).";
        report.ReplayedUntil = at;
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
}
