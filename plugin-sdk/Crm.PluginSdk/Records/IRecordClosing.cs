using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Records;

/// <summary>
/// How records of one type are closed and reopened when that is a state of their own rather than a
/// stage or status from a selection list (an activity's completed flag). The module of the type
/// registers it (scoped); bulk actions' OPEN and CLOSE use it instead of moving a stage, so that
/// closing many records is what closing one is: the same rights, events and timeline.
/// </summary>
public interface IRecordClosing
{
    /// <summary>The record type it closes (<c>activity</c>).</summary>
    string EntityType { get; }

    /// <summary>Closes the record as the scope's actor, in a transaction of its own; a record closed already is left as it is.</summary>
    Task<RecordClosingResult> CloseAsync(IServiceProvider services, long id, CancellationToken cancellationToken);

    /// <summary>Reopens the record as the scope's actor, in a transaction of its own; a record open already is left as it is.</summary>
    Task<RecordClosingResult> ReopenAsync(IServiceProvider services, long id, CancellationToken cancellationToken);
}

/// <summary>What closing or reopening one record did.</summary>
public enum RecordClosingOutcome
{
    /// <summary>The record was closed (or reopened): written, with its events.</summary>
    Changed,

    /// <summary>The record was already so: nothing written.</summary>
    Unchanged,

    /// <summary>Refused: see <see cref="RecordClosingResult.Errors"/> (no such record the actor may change, say).</summary>
    Refused,
}

/// <summary>What closing or reopening one record did, and why not when refused.</summary>
public sealed record RecordClosingResult(RecordClosingOutcome Outcome, IReadOnlyList<UserError> Errors)
{
    public static RecordClosingResult Changed { get; } = new(RecordClosingOutcome.Changed, []);

    public static RecordClosingResult Unchanged { get; } = new(RecordClosingOutcome.Unchanged, []);

    public static RecordClosingResult Refused(UserError error) => new(RecordClosingOutcome.Refused, [error]);
}
