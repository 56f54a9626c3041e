using System.Text.Json.Nodes;
using Crm.PluginSdk.Scripting;

namespace Crm.Modules.Automation.Testing;

/// <summary>What a backtest found: how often the rule would have run and fired, what it would have changed, its errors and self-trigger cycles.</summary>
public sealed class BacktestReport(long ruleId, int version, DateTimeOffset from, DateTimeOffset to)
{
    public long RuleId { get; } = ruleId;

    public int Version { get; } = version;

    public DateTimeOffset From { get; } = from;

    public DateTimeOffset To { get; } = to;

    /// <summary>History entries replayed (records created, changed, deleted in the window).</summary>
    public int Events { get; set; }

    /// <summary>Those whose event the rule's trigger matched.</summary>
    public int Matched { get; set; }

    /// <summary>Matched events of records outside the rule's scope (it would not have run).</summary>
    public int OutOfScope { get; set; }

    /// <summary>Runs whose condition held: how often the rule would have fired.</summary>
    public int Fired { get; set; }

    /// <summary>Runs whose condition did not hold.</summary>
    public int Skipped { get; set; }

    /// <summary>Entries of records that are gone or that the run-as user cannot read now: not replayed.</summary>
    public int Unavailable { get; set; }

    /// <summary>Times a run would have waited at an action not yet due (a delay, a date field, a time of day).</summary>
    public int Delayed { get; set; }

    /// <summary>Runs still waiting at the window's end (or where the replay stopped): their actions are not counted as done.</summary>
    public int Pending { get; set; }

    /// <summary>Waiting runs that would not have gone on at their due time: the record gone, out of the scope, out of the stage it started in (unless the rule keeps its runs), or its condition no longer holding.</summary>
    public int Cancelled { get; set; }

    /// <summary>How many times each field would have been changed.</summary>
    public SortedDictionary<string, int> FieldChanges { get; } = new(StringComparer.Ordinal);

    /// <summary>How many times each action kind would have run (those not replayed, like a webhook, are counted only).</summary>
    public SortedDictionary<string, int> Actions { get; } = new(StringComparer.Ordinal);

    /// <summary>The first changes, at most <see cref="BacktestOptions.MaxSamples"/>: <c>{ entityId occurredAt depth field old new }</c>.</summary>
    public List<JsonObject> Samples { get; } = [];

    /// <summary>Scripts that failed (the condition's, or a script action's), and actions that could not be timed (an empty date field).</summary>
    public int ErrorCount { get; set; }

    /// <summary>The first errors, at most <see cref="BacktestOptions.MaxSamples"/>.</summary>
    public List<BacktestError> Errors { get; } = [];

    /// <summary>Runs whose own changes would have matched the rule's trigger again (a self-trigger).</summary>
    public int SelfTriggers { get; set; }

    /// <summary>
    /// Conditions tested (a matched event's run, a waiting run going on) on a record that carried, at that
    /// point of the replay, a change the rule itself made earlier in it and no recorded change had overwritten:
    /// how much of the report rests on the rule's own changes fed back.
    /// </summary>
    public int SawOwnChanges { get; set; }

    /// <summary>Self-trigger chains that reached the cascade limit (only when the rule allows its own changes to start it).</summary>
    public int CascadeLimitHits { get; set; }

    /// <summary>Why the replay stopped early (a limit named), or null when it replayed the whole window.</summary>
    public string? Truncated { get; set; }

    /// <summary>The time of the last entry replayed, when it stopped early.</summary>
    public DateTimeOffset? ReplayedUntil { get; set; }

    public TimeSpan Elapsed { get; set; }

    internal void Count(SortedDictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    internal void AddError(long entityId, DateTimeOffset at, int? step, ScriptError error)
    {
        if (error.Code == ScriptErrorCodes.Cancelled)
        {
            return; // the backtest's own time budget ended the script: reported as truncated, not as the script's error
        }

        ErrorCount++;
        if (Errors.Count < BacktestOptions.MaxSamples)
        {
            Errors.Add(new BacktestError(entityId, at, step, error));
        }
    }
}

/// <summary>A script's failure in a backtest: on which record, at which replayed time, in which step (null: the condition).</summary>
public sealed record BacktestError(long EntityId, DateTimeOffset OccurredAt, int? Step, ScriptError Error);
