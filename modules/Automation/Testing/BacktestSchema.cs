using System.Globalization;
using System.Text.Json.Nodes;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Testing;

/// <summary><c>backtestRule</c>: a rule's version replayed on the recorded history of a window (<see cref="Backtester"/>). Needs the settings right.</summary>
public sealed class BacktestSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var json = composer.Types.Json;
        var count = new ObjectGraphType { Name = "AutomationBacktestCount", Description = "A name and how many times." };
        count.AddField(SharedGraphTypes.Field<KeyValuePair<string, int>>("name", typeof(NonNullGraphType<StringGraphType>), p => p.Key));
        count.AddField(SharedGraphTypes.Field<KeyValuePair<string, int>>("count", typeof(NonNullGraphType<IntGraphType>), p => p.Value));

        var error = new ObjectGraphType { Name = "AutomationBacktestError", Description = "A script that failed in the replay, or an action that could not be timed." };
        error.AddField(SharedGraphTypes.Field<BacktestError>("entityId", typeof(NonNullGraphType<IdGraphType>), e => e.EntityId.ToString(CultureInfo.InvariantCulture)));
        error.AddField(SharedGraphTypes.Field<BacktestError>("occurredAt", typeof(NonNullGraphType<DateTimeGraphType>), e => e.OccurredAt.UtcDateTime, "The replayed time."));
        error.AddField(SharedGraphTypes.Field<BacktestError>("step", typeof(IntGraphType), e => e.Step, "The action's index (from 0); null: the condition's script."));
        error.AddField(SharedGraphTypes.Field<BacktestError>("code", typeof(NonNullGraphType<StringGraphType>), e => e.Error.Code));
        error.AddField(SharedGraphTypes.Field<BacktestError>("message", typeof(NonNullGraphType<StringGraphType>), e => e.Error.Message));
        error.AddField(SharedGraphTypes.Field<BacktestError>("line", typeof(IntGraphType), e => e.Error.Line));
        error.AddField(SharedGraphTypes.Field<BacktestError>("column", typeof(IntGraphType), e => e.Error.Column));

        var report = new ObjectGraphType { Name = "AutomationBacktest", Description = "How a rule would have behaved on a window of the recorded history. Nothing was written." };
        report.AddField(SharedGraphTypes.Field<BacktestReport>("ruleId", typeof(NonNullGraphType<IdGraphType>), r => r.RuleId.ToString(CultureInfo.InvariantCulture)));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("version", typeof(NonNullGraphType<IntGraphType>), r => r.Version));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("from", typeof(NonNullGraphType<DateTimeGraphType>), r => r.From.UtcDateTime));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("to", typeof(NonNullGraphType<DateTimeGraphType>), r => r.To.UtcDateTime));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("events", typeof(NonNullGraphType<IntGraphType>), r => r.Events, "History entries replayed (records created, changed, deleted)."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("matched", typeof(NonNullGraphType<IntGraphType>), r => r.Matched, "Events the trigger matched."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("outOfScope", typeof(NonNullGraphType<IntGraphType>), r => r.OutOfScope, "Matched events of records outside the rule's scope."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("fired", typeof(NonNullGraphType<IntGraphType>), r => r.Fired, "Runs whose condition held: how often the rule would have fired."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("skipped", typeof(NonNullGraphType<IntGraphType>), r => r.Skipped, "Runs whose condition did not hold."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("unavailable", typeof(NonNullGraphType<IntGraphType>), r => r.Unavailable, "Entries of records gone, or that the run-as user cannot read now: not replayed."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("delayed", typeof(NonNullGraphType<IntGraphType>), r => r.Delayed, "Times a run would have waited at an action not yet due (a delay, a date field, a time of day): the action is replayed at its due time."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("pending", typeof(NonNullGraphType<IntGraphType>), r => r.Pending, "Runs still waiting when the window ends (or where the replay stopped): their actions are not counted as done."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("cancelled", typeof(NonNullGraphType<IntGraphType>), r => r.Cancelled, "Waiting runs that would not have gone on at their due time: the record gone, out of the scope, out of the stage it started in (unless keepWhenStageLeft), or the condition no longer holding."));
        report.AddField(new FieldType { Name = "fieldChanges", Description = "How many times each field would have been changed.", ResolvedType = SchemaComposer.NonNullList(count), Resolver = new FuncFieldResolver<object?>(c => ((BacktestReport)c.Source!).FieldChanges.ToList()) });
        report.AddField(new FieldType { Name = "actions", Description = "How many times each action kind would have run (script:KIND for a script's other requests).", ResolvedType = SchemaComposer.NonNullList(count), Resolver = new FuncFieldResolver<object?>(c => ((BacktestReport)c.Source!).Actions.ToList()) });
        report.AddField(new FieldType
        {
            Name = "samples",
            Description = $"The first changes, at most {BacktestOptions.MaxSamples}: [{{ entityId occurredAt depth field old new }}].",
            ResolvedType = new NonNullGraphType(json),
            Resolver = new FuncFieldResolver<object?>(c => new JsonArray([.. ((BacktestReport)c.Source!).Samples])),
        });
        report.AddField(SharedGraphTypes.Field<BacktestReport>("errorCount", typeof(NonNullGraphType<IntGraphType>), r => r.ErrorCount, "Scripts that failed, and actions that could not be timed (an empty date field)."));
        report.AddField(new FieldType { Name = "errors", Description = $"The first of them, at most {BacktestOptions.MaxSamples}.", ResolvedType = SchemaComposer.NonNullList(error), Resolver = new FuncFieldResolver<object?>(c => ((BacktestReport)c.Source!).Errors) });
        report.AddField(SharedGraphTypes.Field<BacktestReport>("sawOwnChanges", typeof(NonNullGraphType<IntGraphType>), r => r.SawOwnChanges,
            "Conditions tested (a matched event's run, a waiting run going on) on a record carrying a change the rule itself made earlier in the replay, not since overwritten by a recorded change."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("selfTriggers", typeof(NonNullGraphType<IntGraphType>), r => r.SelfTriggers, "Runs whose own changes would have matched the rule's trigger again."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("cascadeLimitHits", typeof(NonNullGraphType<IntGraphType>), r => r.CascadeLimitHits, "Self-trigger chains that would have reached the cascade limit (a rule that allows its own changes to start it)."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("truncated", typeof(StringGraphType), r => r.Truncated, "Why the replay stopped early (the limit named); null when it replayed the whole window."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("replayedUntil", typeof(DateTimeGraphType), r => r.ReplayedUntil?.UtcDateTime, "Where it stopped, when it stopped early."));
        report.AddField(SharedGraphTypes.Field<BacktestReport>("milliseconds", typeof(NonNullGraphType<FloatGraphType>), r => Math.Round(r.Elapsed.TotalMilliseconds, 1)));

        composer.Query.AddField(new FieldType
        {
            Name = "backtestRule",
            Description = "Replays the recorded history of a window [from, to) on a version of a rule (left out: the draft if there is one, else the active version): how often it would have fired, "
                + "what it would have changed, its scripts' errors and self-trigger cycles. Writes nothing. Bounded by Automation:Backtest (MaxWindow, MaxEvents, MaxSteps). Needs the settings right.",
            ResolvedType = new NonNullGraphType(report),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "ruleId" },
                new QueryArgument<NonNullGraphType<DateTimeGraphType>> { Name = "from" },
                new QueryArgument<NonNullGraphType<DateTimeGraphType>> { Name = "to" },
                new QueryArgument<IntGraphType> { Name = "version" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var ruleId = RuleTestSchema.Id(c, "ruleId", "rule");
                return await c.RequestServices!.GetRequiredService<Backtester>().RunAsync(ruleId, Utc(c.GetArgument<DateTime>("from")), Utc(c.GetArgument<DateTime>("to")), c.GetArgument<int?>("version"), c.CancellationToken);
            }),
        });
    }

    private static DateTimeOffset Utc(DateTime time) => new(time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime());
}
