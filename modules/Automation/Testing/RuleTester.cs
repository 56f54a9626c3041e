using System.Text.Json.Nodes;
using Crm.Modules.Automation.Definitions;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Engine;
using Crm.Modules.Automation.Rules;
using Crm.Modules.Automation.Runs;
using Crm.Modules.Automation.Scripts;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Scripting;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Testing;

/// <summary>
/// <c>testRule</c>: a dry run of one version of a rule (a draft too) on one record, through the
/// engine's own steps (<see cref="RuleRunner"/>: the record read as the run-as user, the condition,
/// each action through <see cref="AutomationRunner"/> with <c>DryRun</c>, its writes rolled back and
/// its would-be events kept). It writes nothing: no run row, no event, no timeline entry. Each action
/// runs on the record as it is now (the changes of the actions before it are rolled back, not seen);
/// a delayed action runs at once, its timing told (what it would wait for, until when).
/// </summary>
public sealed class RuleTester(AutomationDbContext db, RuleRunner runner, IServiceScopeFactory scopes, ICurrentActor actor, TimeProvider clock, Waits.WaitOptions waitOptions, IEntityRegistry registry)
{
    /// <summary>What starts a test run (its <see cref="RunStart.StartType"/>, what a condition's script sees as <c>event.kind</c>).</summary>
    public const string StartType = "automation.test";

    /// <summary>Tests <paramref name="version"/> of the rule (null: its draft, else its active version) on the record; refusals are thrown as GraphQL errors.</summary>
    public async Task<RuleTestResult> TestAsync(long ruleId, long recordId, int? version, TestStart given, CancellationToken cancellationToken)
    {
        var (rule, tested) = await VersionAsync(db, actor, ruleId, version, "Testing automation rules", cancellationToken);
        var active = new ActiveRule(tested, rule.EntityType, RuleDefinition.FromJson(tested.Definition));
        var identity = new AutomationRunIdentity(rule.Id, tested.Name, tested.Version, Guid.NewGuid());
        var start = new RunStart(rule.EntityType, recordId, identity.RunId, StartType, 1)
        {
            StartedBy = actor.UserId,
            Input = given.Input,
            // An update the admin describes: the run sees it as the engine would see the published event.
            Event = given.Changes is { } changes
                ? new DomainEvent<CrmEvent>(identity.RunId, RecordUpdated.TypeName, 1, clock.GetUtcNow(), actor.UserId, rule.EntityType, recordId,
                    new RecordUpdated(rule.EntityType, recordId, changes))
                : null,
        };
        var result = new RuleTestResult(rule.Id, tested.Version, tested.State, rule.EntityType, recordId);

        await using (var scope = scopes.CreateAsyncScope())
        {
            if (given.Changes is { } described && registry.Find(rule.EntityType) is ICrmEntityDefinition type
                && described.Keys.FirstOrDefault(field => !RecordFieldNames.Exists(scope.ServiceProvider, type, field)) is { } unknown)
            {
                throw ErrorCodes.Error(ErrorCodes.InvalidValue, $"changes: '{unknown}' names no field of {type.Name}.");
            }

            var read = await runner.ReadRecordAsync(scope.ServiceProvider, active, identity, start, cancellationToken);
            if (read.Refused is { } refused)
            {
                return result.Ended(RunStatus.Failed, $"{refused.Code}: {refused.Message}");
            }

            var record = read.Record!;
            result.Record = record;
            if (active.Definition.Scope is { } ruleScope && !ConditionEvaluator.Within(ruleScope, record))
            {
                result.InScope = false;
                return result.Ended(RunStatus.Skipped, "The record is outside the rule's scope: the rule would not run for it.");
            }

            try
            {
                result.ConditionResult = runner.TestCondition(active, start, record, scope.ServiceProvider, cancellationToken,
                    (path, held) => result.ConditionTrace.Add(new ConditionNodeResult(path, held)),
                    script => result.Log.AddRange(script.Log));
            }
            catch (ScriptConditionException ex)
            {
                result.Errors.Add(new TestScriptError(null, ex.Error));
                return result.Ended(RunStatus.Failed, ScriptInputs.Describe(ex.Error));
            }
        }

        if (result.ConditionResult != true)
        {
            return result.Ended(RunStatus.Skipped, null);
        }

        for (var i = 0; i < active.Definition.Actions.Count; i++)
        {
            var action = active.Definition.Actions[i];
            var (outcome, elapsed) = await runner.ActAsync(active, identity, start, action, cancellationToken, dryRun: true);
            result.Steps.Add(new TestStep(i, action, ActionDue.Of(action.Timing, result.Record, clock.GetUtcNow(), waitOptions), outcome, 1, elapsed));
            if (outcome.Output?["log"] is JsonArray log)
            {
                result.Log.AddRange(log.Select(l => l?.ToString() ?? ""));
            }

            if (outcome.Output?["error"] is JsonObject error)
            {
                result.Errors.Add(new TestScriptError(i, ScriptErrorOf(error)));
            }

            if (!outcome.Succeeded && action.OnError != ErrorPolicy.Continue)
            {
                return result.Ended(RunStatus.Failed, $"{outcome.Code}: {outcome.Message}");
            }
        }

        return result.Ended(RunStatus.Succeeded, null);
    }

    /// <summary>The rule and its version to try: the one named, else the draft, else the active one. Needs the settings right.</summary>
    internal static async Task<(AutomationRule Rule, AutomationRuleVersion Version)> VersionAsync(AutomationDbContext db, ICurrentActor actor, long ruleId, int? version, string what, CancellationToken cancellationToken)
    {
        if (!actor.CanConfigure)
        {
            throw ErrorCodes.Error(ErrorCodes.Forbidden, SettingsRight.Refusal(what));
        }

        var rule = await db.Rules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken)
            ?? throw ErrorCodes.Error(ErrorCodes.NotFound, $"There is no automation rule {ruleId}.");
        var versions = db.RuleVersions.AsNoTracking().Where(v => v.RuleId == ruleId);
        var found = version is { } number
            ? await versions.FirstOrDefaultAsync(v => v.Version == number, cancellationToken)
            // At most two rows (one draft, one active: the indexes say so); the states are stored as text, so chosen here.
            : (await versions.Where(v => v.State == DefinitionState.Draft || v.State == DefinitionState.Active).ToListAsync(cancellationToken)).MinBy(v => v.State);
        return found is null
            ? throw ErrorCodes.Error(ErrorCodes.NotFound, version is null ? $"Rule {ruleId} has neither a draft nor an active version: name the version." : $"Rule {ruleId} has no version {version}.")
            : (rule, found);
    }

    private static ScriptError ScriptErrorOf(JsonObject error) => new(
        error["code"]?.GetValue<string>() ?? ScriptErrorCodes.ScriptError,
        error["message"]?.GetValue<string>() ?? "",
        error["limit"]?.GetValue<string>(),
        error["line"]?.GetValue<int>(),
        error["column"]?.GetValue<int>(),
        error["stack"]?.GetValue<string>());
}

/// <summary>What a dry run starts from: an update described by its changes, or a start's input, or neither (a start without an event).</summary>
public sealed record TestStart(IReadOnlyDictionary<string, FieldChange>? Changes, JsonObject? Input);

/// <summary>What a dry run of a rule came to.</summary>
public sealed class RuleTestResult(long ruleId, int version, DefinitionState state, string entityType, long entityId)
{
    public long RuleId { get; } = ruleId;

    public int Version { get; } = version;

    public DefinitionState State { get; } = state;

    public string EntityType { get; } = entityType;

    public long EntityId { get; } = entityId;

    /// <summary>The record as the run-as user read it (what the condition tested); null when they could not.</summary>
    public JsonObject? Record { get; set; }

    /// <summary>Whether the record is within the rule's scope (a rule runs only for those).</summary>
    public bool InScope { get; set; } = true;

    /// <summary>Whether the condition held; null when the test ended before it.</summary>
    public bool? ConditionResult { get; set; }

    /// <summary>Each node of the condition tree that was evaluated, innermost first, with its result.</summary>
    public List<ConditionNodeResult> ConditionTrace { get; } = [];

    public List<TestStep> Steps { get; } = [];

    /// <summary>What the scripts logged, condition first, then each step's.</summary>
    public List<string> Log { get; } = [];

    /// <summary>The scripts' errors, with line and column.</summary>
    public List<TestScriptError> Errors { get; } = [];

    /// <summary>How the run would have ended: succeeded, failed, or skipped (the condition did not hold).</summary>
    public RunStatus Status { get; private set; }

    /// <summary>Why it would have failed or was skipped, when it would.</summary>
    public string? Reason { get; private set; }

    internal RuleTestResult Ended(RunStatus status, string? reason)
    {
        Status = status;
        Reason = reason;
        return this;
    }
}

/// <summary>One node of a condition tree and whether it held.</summary>
/// <param name="Path">Its place in the tree: <c>all/1/not</c>; the root is empty.</param>
public sealed record ConditionNodeResult(string Path, bool Held);

/// <summary>A script's error in a test: the step's index (null: the condition's script) and the error.</summary>
public sealed record TestScriptError(int? Step, ScriptError Error);

/// <summary>One action of a dry run: what it would wait for, what it did, what it would change.</summary>
public sealed record TestStep(int Index, RuleAction Action, ActionDue Due, ActionOutcome Outcome, int Attempts, TimeSpan Elapsed)
{
    /// <summary>The changes its writes would have made: each record event with its fields' old and new values.</summary>
    public IEnumerable<JsonObject> Changes() => Outcome.DryRunEvents.Select(e =>
    {
        var subject = e.GetSubject();
        var fields = new JsonArray();
        if (e is RecordUpdated updated)
        {
            foreach (var (field, change) in updated.Changes)
            {
                fields.Add(new JsonObject { ["field"] = field, ["old"] = change.OldValue?.DeepClone(), ["new"] = change.NewValue?.DeepClone() });
            }
        }

        return new JsonObject
        {
            ["event"] = (Attribute.GetCustomAttribute(e.GetType(), typeof(EventContractAttribute)) as EventContractAttribute)?.Type ?? e.GetType().Name,
            ["entityType"] = subject.EntityType,
            ["entityId"] = subject.EntityId,
            ["fields"] = fields,
        };
    });
}
