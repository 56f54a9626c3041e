using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Automation;

/// <summary>
/// Something an automation rule does (set fields, add a comment, call a webhook). A module
/// declares its kinds by implementing this interface (found by convention, one instance for the
/// process); the Automation module lists them in <c>automationCatalog</c> and runs them. The kind
/// keeps no state: everything a run needs comes in its <see cref="AutomationActionContext"/>.
/// </summary>
public interface IAutomationActionKind : IAutomationKind
{
    /// <summary>
    /// Whether the kind has effects outside the database (an HTTP call, an e-mail). In a dry run
    /// such a kind must report what it would do (<see cref="AutomationActionContext.DryRun"/>) and do
    /// nothing. The runner runs it outside a transaction, so that no transaction waits on the outside
    /// world: it writes nothing to the database (later steps and the run log record what it did).
    /// </summary>
    bool HasExternalEffects => false;

    /// <summary>
    /// Does the action for the run's record, as the run's user (the actor of
    /// <see cref="AutomationActionContext.Services"/>), so that their rights apply to every read and
    /// write. Runs inside the run's transaction: write through the scope's services (the record
    /// types' <see cref="ICrmEntityDefinition.CreateAsync"/>/<see cref="ICrmEntityDefinition.UpdateAsync(IServiceProvider, long, IReadOnlyDictionary{string, object}, CancellationToken)"/>,
    /// a module's DbContext) and never commit yourself. Refusals are outcomes (<see cref="ActionOutcome.Failed(string, string)"/>),
    /// not exceptions; a failed outcome rolls back what the action wrote.
    /// </summary>
    Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken);
}

/// <summary>What trigger and action kinds share: a name, a description, a parameter schema, the record types they apply to.</summary>
public interface IAutomationKind
{
    /// <summary>
    /// The stable, namespaced name rules store (<c>records.setFields</c>, <c>acme_quotes.sendQuote</c>):
    /// lower-case namespace, a dot, a camelCase name; at most 100 characters. Never change it: rules name it.
    /// </summary>
    string Name { get; }

    /// <summary>What it does, for the editor.</summary>
    string Description { get; }

    /// <summary>Its parameters, in the order an editor shows them.</summary>
    IReadOnlyList<AutomationParameter> Parameters { get; }

    /// <summary>Whether a rule on records of <paramref name="recordType"/> may use it.</summary>
    bool AppliesTo(ICrmEntityDefinition recordType);

    /// <summary>
    /// Checks what the schema cannot (one parameter against another) when a rule is saved, after
    /// every parameter passed <see cref="ParameterValidator"/>; adds each problem to <paramref name="errors"/>
    /// at <see cref="ParameterCheck.Path"/> and the parameter's name. Nothing by default.
    /// </summary>
    Task CheckAsync(ParameterCheck check, List<UserError> errors, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Which rule's run an action belongs to: what its log and the changes' history name.</summary>
/// <param name="RuleId">The rule's id (0 for a run without a stored rule, a test of a draft).</param>
/// <param name="RuleName">The rule's name, for logs.</param>
/// <param name="RuleVersion">The rule's version the run started with.</param>
/// <param name="RunId">The run's id.</param>
public sealed record AutomationRunIdentity(long RuleId, string RuleName, int RuleVersion, Guid RunId)
{
    /// <summary>How deep in a cascade the run is: 1 for a run started by a person's or the platform's change, one more for each rule whose change started the next.</summary>
    public int Depth { get; init; } = 1;

    /// <summary>Whether the run is a business process's instance (<see cref="RuleId"/> the process's id, <see cref="RuleVersion"/> its version) rather than a rule's.</summary>
    public bool IsProcess { get; init; }
}

/// <summary>Everything one action of a run gets.</summary>
public sealed class AutomationActionContext(
    IServiceProvider services, AutomationRunIdentity run, AutomationRecord record, ICrmEntityDefinition recordType, AutomationParameters parameters, bool dryRun)
{
    /// <summary>The run's scope: its <see cref="Security.ICurrentActor"/> is the run-as user (actor kind <see cref="Events.ActorKind.Automation"/>, channel <see cref="AutomationChannel"/>), and its database session holds the run's transaction.</summary>
    public IServiceProvider Services { get; } = services;

    public AutomationRunIdentity Run { get; } = run;

    /// <summary>The record the run is about.</summary>
    public AutomationRecord Record { get; } = record;

    /// <summary>The event that started the run, when an event did; null for a run started otherwise (by hand, a test of a draft).</summary>
    public Events.DomainEvent<Events.CrmEvent>? Event { get; init; }

    /// <summary>The start without an event that started the run (by hand, an incoming webhook), when one did.</summary>
    public AutomationStart? Start { get; init; }

    /// <summary>The record's type.</summary>
    public ICrmEntityDefinition RecordType { get; } = recordType;

    /// <summary>The action's parameters, validated when the rule was saved (and again before the run).</summary>
    public AutomationParameters Parameters { get; } = parameters;

    /// <summary>
    /// A dry run (a rule tried on a record): the runner rolls the run's transaction back, so what the
    /// action writes to the database is never seen; an action with effects outside the database must
    /// not cause them and reports them as it would have caused them.
    /// </summary>
    public bool DryRun { get; } = dryRun;
}

/// <summary>What one action did (or, in a dry run, would have done), for the run log.</summary>
/// <param name="Kind">What kind of effect.</param>
/// <param name="EntityType">The record it concerns (the new or changed record, the record commented on); null for none.</param>
/// <param name="EntityId">That record's id; null when none (or not known in a dry run of an external effect).</param>
/// <param name="Detail">What the log shows beside it (the fields changed, the URL called).</param>
public sealed record SideEffect(SideEffectKind Kind, string? EntityType, long? EntityId, JsonObject? Detail = null);

/// <summary>The kinds of effects an action reports.</summary>
public enum SideEffectKind
{
    RecordCreated,
    RecordUpdated,
    RecordDeleted,
    Comment,
    Activity,
    Notification,
    HttpCall,
    Conversion,
}

/// <summary>How one action ended: succeeded with its output and effects, or failed with a code and message.</summary>
public sealed record ActionOutcome
{
    private ActionOutcome(bool succeeded, string? code, string? message, JsonObject? output, IReadOnlyList<SideEffect> sideEffects)
    {
        Succeeded = succeeded;
        Code = code;
        Message = message;
        Output = output;
        SideEffects = sideEffects;
    }

    public bool Succeeded { get; }

    /// <summary>Why it failed: an <see cref="ErrorCodes"/> code (<c>FORBIDDEN</c>, <c>NOT_FOUND</c>, <c>VALIDATION</c> ...) or the kind's own; null when it succeeded.</summary>
    public string? Code { get; }

    /// <summary>What went wrong, for the run log; null when it succeeded.</summary>
    public string? Message { get; }

    /// <summary>What later steps and the log may read (the new record's id); null when nothing.</summary>
    public JsonObject? Output { get; }

    /// <summary>What it changed (or would have changed, in a dry run).</summary>
    public IReadOnlyList<SideEffect> SideEffects { get; }

    /// <summary>
    /// In a dry run, the events its rolled-back writes would have published, in order: what it would
    /// have changed, each updated field with its old and new value (<see cref="Events.RecordUpdated.Changes"/>).
    /// <see cref="AutomationRunner"/> fills it; an action that runs others (a script's requests) passes
    /// theirs on. Empty otherwise.
    /// </summary>
    public IReadOnlyList<Events.CrmEvent> DryRunEvents { get; init; } = [];

    public static ActionOutcome Success(JsonObject? output, params SideEffect[] sideEffects) => new(true, null, null, output, sideEffects);

    public static ActionOutcome Failed(string code, string message) => new(false, code, message, null, []);

    /// <summary>A failure with what the log should keep of it (a script's error with its line and column, its log).</summary>
    public static ActionOutcome Failed(string code, string message, JsonObject? output) => new(false, code, message, output, []);

    /// <summary>The failure a write's refusals make: the first refusal's code, every message.</summary>
    public static ActionOutcome Refused(IReadOnlyList<UserError> errors) =>
        Failed(errors.Count == 0 ? ErrorCodes.Validation : errors[0].Code, string.Join(" ", errors.Select(e => e.Message)));
}

/// <summary>A run's start without an event: what started it, who (a manual start's user), and what it brought.</summary>
/// <param name="Kind">The trigger kind that started it (<c>platform.manual</c>, <c>platform.webhook</c>).</param>
/// <param name="StartedBy">The user who started it; null for a call from outside.</param>
/// <param name="Input">A manual start's input or an incoming webhook's body (a JSON object); null for none.</param>
/// <param name="StartedAt">When it was started.</param>
public sealed record AutomationStart(string Kind, long? StartedBy, System.Text.Json.Nodes.JsonObject? Input, DateTimeOffset StartedAt)
{
    /// <summary>A retried run's (or one resumed after a wait): the changed fields of the event that first started it; null for none.</summary>
    public IReadOnlyDictionary<string, Events.FieldChange>? Changed { get; init; }

    /// <summary>A retried run's: the kind of the actor that first started it (<c>USER</c>, <c>AUTOMATION</c>, <c>SYSTEM</c>); null: a user when <see cref="StartedBy"/> is given.</summary>
    public string? ActorKind { get; init; }
}
