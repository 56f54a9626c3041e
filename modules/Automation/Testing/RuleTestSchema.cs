using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Testing;

/// <summary><c>testRule</c>: a dry run of a rule's version on a record (<see cref="RuleTester"/>). Needs the settings right.</summary>
public sealed class RuleTestSchema : ISchemaContributor
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper) } };

    public void Contribute(SchemaComposer composer)
    {
        var json = composer.Types.Json;

        var node = new ObjectGraphType { Name = "AutomationConditionNode", Description = "One node of a condition tree and whether it held." };
        node.AddField(SharedGraphTypes.Field<ConditionNodeResult>("path", typeof(NonNullGraphType<StringGraphType>), n => n.Path, "Its place in the tree (all/1/not); empty for the root."));
        node.AddField(SharedGraphTypes.Field<ConditionNodeResult>("held", typeof(NonNullGraphType<BooleanGraphType>), n => n.Held));

        var error = new ObjectGraphType { Name = "AutomationScriptError", Description = "A script's error: where it happened and why." };
        error.AddField(SharedGraphTypes.Field<TestScriptError>("step", typeof(IntGraphType), e => e.Step, "The action's index (from 0); null: the condition's script."));
        error.AddField(SharedGraphTypes.Field<TestScriptError>("code", typeof(NonNullGraphType<StringGraphType>), e => e.Error.Code, "LIMIT_EXCEEDED, SYNTAX_ERROR, SCRIPT_ERROR, INVALID_RESULT, CANCELLED."));
        error.AddField(SharedGraphTypes.Field<TestScriptError>("message", typeof(NonNullGraphType<StringGraphType>), e => e.Error.Message));
        error.AddField(SharedGraphTypes.Field<TestScriptError>("limit", typeof(StringGraphType), e => e.Error.Limit, "The setting whose limit was reached."));
        error.AddField(SharedGraphTypes.Field<TestScriptError>("line", typeof(IntGraphType), e => e.Error.Line));
        error.AddField(SharedGraphTypes.Field<TestScriptError>("column", typeof(IntGraphType), e => e.Error.Column));
        error.AddField(SharedGraphTypes.Field<TestScriptError>("stack", typeof(StringGraphType), e => e.Error.Stack));

        var step = new ObjectGraphType { Name = "AutomationTestStep", Description = "One action of a dry run: its timing, its outcome, the changes it would make." };
        step.AddField(SharedGraphTypes.Field<TestStep>("index", typeof(NonNullGraphType<IntGraphType>), s => s.Index));
        step.AddField(SharedGraphTypes.Field<TestStep>("kind", typeof(NonNullGraphType<StringGraphType>), s => s.Action.Kind));
        step.AddField(SharedGraphTypes.Field<TestStep>("waitsFor", typeof(NonNullGraphType<StringGraphType>), s => s.Due.WaitsFor, "What a run would wait for before this action (\"nothing\": at once)."));
        step.AddField(SharedGraphTypes.Field<TestStep>("due", typeof(DateTimeGraphType), s => s.Due.Until?.UtcDateTime, "When a run started now would do it; null when it cannot be told (an empty date field)."));
        step.AddField(SharedGraphTypes.Field<TestStep>("status", typeof(NonNullGraphType<StringGraphType>), s => s.Outcome.Succeeded ? "SUCCEEDED" : "FAILED"));
        step.AddField(SharedGraphTypes.Field<TestStep>("code", typeof(StringGraphType), s => s.Outcome.Code));
        step.AddField(SharedGraphTypes.Field<TestStep>("message", typeof(StringGraphType), s => s.Outcome.Message));
        step.AddField(new FieldType { Name = "output", ResolvedType = json, Resolver = new FuncFieldResolver<object?>(c => ((TestStep)c.Source!).Outcome.Output) });
        step.AddField(new FieldType
        {
            Name = "sideEffects",
            Description = "What it reported doing: [{ kind entityType entityId detail }].",
            ResolvedType = new NonNullGraphType(json),
            Resolver = new FuncFieldResolver<object?>(c => JsonSerializer.SerializeToNode(((TestStep)c.Source!).Outcome.SideEffects, Json)),
        });
        step.AddField(new FieldType
        {
            Name = "changes",
            Description = "What its writes would have changed: [{ event entityType entityId fields: [{ field old new }] }], as the events they would have published.",
            ResolvedType = new NonNullGraphType(json),
            Resolver = new FuncFieldResolver<object?>(c => new JsonArray([.. ((TestStep)c.Source!).Changes()])),
        });
        step.AddField(SharedGraphTypes.Field<TestStep>("attempts", typeof(NonNullGraphType<IntGraphType>), s => s.Attempts));
        step.AddField(SharedGraphTypes.Field<TestStep>("milliseconds", typeof(NonNullGraphType<FloatGraphType>), s => Math.Round(s.Elapsed.TotalMilliseconds, 1)));

        var test = new ObjectGraphType { Name = "AutomationRuleTest", Description = "A dry run of a rule's version on a record: nothing was written." };
        test.AddField(SharedGraphTypes.Field<RuleTestResult>("ruleId", typeof(NonNullGraphType<IdGraphType>), t => t.RuleId.ToString(CultureInfo.InvariantCulture)));
        test.AddField(SharedGraphTypes.Field<RuleTestResult>("version", typeof(NonNullGraphType<IntGraphType>), t => t.Version));
        test.AddField(SharedGraphTypes.Field<RuleTestResult>("state", typeof(NonNullGraphType<StringGraphType>), t => JsonNamingPolicy.SnakeCaseUpper.ConvertName(t.State.ToString()), "The version's state: DRAFT, ACTIVE or ARCHIVED."));
        test.AddField(SharedGraphTypes.Field<RuleTestResult>("entityId", typeof(NonNullGraphType<IdGraphType>), t => t.EntityId.ToString(CultureInfo.InvariantCulture)));
        test.AddField(new FieldType { Name = "record", ResolvedType = json, Description = "The record as the run-as user read it (what the condition tested).", Resolver = new FuncFieldResolver<object?>(c => ((RuleTestResult)c.Source!).Record) });
        test.AddField(SharedGraphTypes.Field<RuleTestResult>("inScope", typeof(NonNullGraphType<BooleanGraphType>), t => t.InScope, "Whether the record is within the rule's scope."));
        test.AddField(SharedGraphTypes.Field<RuleTestResult>("conditionResult", typeof(BooleanGraphType), t => t.ConditionResult, "Whether the condition held; null when the test ended before it."));
        test.AddField(new FieldType { Name = "conditionTrace", ResolvedType = SchemaComposer.NonNullList(node), Description = "Each evaluated node of the condition, innermost first (nodes a short circuit skipped are left out).", Resolver = new FuncFieldResolver<object?>(c => ((RuleTestResult)c.Source!).ConditionTrace) });
        test.AddField(new FieldType { Name = "steps", ResolvedType = SchemaComposer.NonNullList(step), Resolver = new FuncFieldResolver<object?>(c => ((RuleTestResult)c.Source!).Steps) });
        test.AddField(SharedGraphTypes.Field<RuleTestResult>("log", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>), t => t.Log, "What the scripts logged, the condition's first."));
        test.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(error), Description = "The scripts' errors, with line and column.", Resolver = new FuncFieldResolver<object?>(c => ((RuleTestResult)c.Source!).Errors) });
        test.AddField(SharedGraphTypes.Field<RuleTestResult>("status", typeof(NonNullGraphType<StringGraphType>), t => JsonNamingPolicy.SnakeCaseUpper.ConvertName(t.Status.ToString()), "How a real run would have ended: SUCCEEDED, FAILED or SKIPPED."));
        test.AddField(SharedGraphTypes.Field<RuleTestResult>("reason", typeof(StringGraphType), t => t.Reason, "Why it would have failed or been skipped."));

        composer.Query.AddField(new FieldType
        {
            Name = "testRule",
            Description = "Runs a version of a rule (a draft too; left out: the draft if there is one, else the active version) on a record as its run-as user, "
                + "each action's writes rolled back: the condition's result, each step with the changes it would make, the scripts' log and errors. Writes nothing. Needs the settings right.",
            ResolvedType = new NonNullGraphType(test),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "ruleId" },
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "recordId", Description = "A record of the rule's type." },
                new QueryArgument<IntGraphType> { Name = "version" },
                new QueryArgument(json)
                {
                    Name = "changes",
                    Description = "The update the run would start from, as { field: { old, new } } by the fields' API names: what its changed, changedTo, changedFrom and wasEqual tests "
                        + "and its scripts' event.changed see (the record itself is read as it is now). Bounded as startAutomationRule's input.",
                },
                new QueryArgument(json) { Name = "input", Description = "What a manual or webhook start would bring (its scripts' event.input); bounded as startAutomationRule's input. Not with changes." }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var ruleId = Id(c, "ruleId", "rule");
                var recordId = Id(c, "recordId", "record");
                var start = TestStartOf(c.GetArgument<object?>("changes"), c.GetArgument<object?>("input"));
                return await c.RequestServices!.GetRequiredService<RuleTester>().TestAsync(ruleId, recordId, c.GetArgument<int?>("version"), start, c.CancellationToken);
            }),
        });
    }

    /// <summary>The arguments that shape the test's start, bounded before anything is read; refusals are thrown as GraphQL errors.</summary>
    private static TestStart TestStartOf(object? rawChanges, object? rawInput)
    {
        if (rawChanges is not null && rawInput is not null)
        {
            throw ErrorCodes.Error(ErrorCodes.InvalidValue, "Give changes (an update the run starts from) or input (a start without an event), not both.");
        }

        if (rawChanges is not (null or JsonObject) || rawInput is not (null or JsonObject))
        {
            throw ErrorCodes.Error(ErrorCodes.InvalidFormat, $"'{(rawChanges is not null ? "changes" : "input")}' is a JSON object.");
        }

        foreach (var (argument, value) in new[] { ("changes", rawChanges as JsonObject), ("input", rawInput as JsonObject) })
        {
            if (Starts.RuleStarter.CheckInput(value, argument) is { } tooBig)
            {
                throw ErrorCodes.Error(tooBig.Code, tooBig.Message);
            }
        }

        if (rawChanges is not JsonObject changes)
        {
            return new TestStart(null, rawInput as JsonObject);
        }

        // Sorted by name, as a published update's changes are.
        var parsed = new SortedDictionary<string, Crm.PluginSdk.Events.FieldChange>(StringComparer.Ordinal);
        foreach (var (field, change) in changes)
        {
            if (change is not JsonObject pair || pair.Any(p => p.Key is not ("old" or "new")))
            {
                throw ErrorCodes.Error(ErrorCodes.InvalidFormat, $"changes.{field} is an object of 'old' and 'new' values.");
            }

            parsed[field] = new Crm.PluginSdk.Events.FieldChange(pair["old"]?.DeepClone(), pair["new"]?.DeepClone());
        }

        return new TestStart(parsed, null);
    }

    internal static long Id(IResolveFieldContext c, string argument, string what) =>
        RecordIds.TryParse(c.GetArgument<object>(argument), out var id) ? id : throw ErrorCodes.Error(ErrorCodes.InvalidFormat, $"'{argument}' is not a {what} id.");
}
