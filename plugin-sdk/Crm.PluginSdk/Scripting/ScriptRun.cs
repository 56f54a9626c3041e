using System.Text.Json.Nodes;

namespace Crm.PluginSdk.Scripting;

/// <summary>
/// One run of a script: its source and what it sees. Every value reaches the script as plain
/// JSON (a copy: nothing the script does to it comes back).
/// </summary>
public sealed record ScriptRun(string Source)
{
    /// <summary>The script's <c>event</c>; null: <c>event</c> is <c>null</c>.</summary>
    public ScriptEvent? Event { get; init; }

    /// <summary>The script's <c>record</c>: the record's fields, custom fields by code.</summary>
    public JsonObject? Record { get; init; }

    /// <summary>The script's <c>vars</c> (a rule's or process's variables).</summary>
    public JsonObject? Vars { get; init; }

    /// <summary>The script's <c>params</c> (the parameters the rule gives the step).</summary>
    public JsonObject? Params { get; init; }

    /// <summary>
    /// What <c>crm.get</c>, <c>crm.find</c> and <c>crm.count</c> read, with the rights of the
    /// run's user; null: those calls throw a catchable error.
    /// </summary>
    public IScriptRecordSource? Records { get; init; }

    /// <summary>The clock of <c>crm.now()</c>, <c>Date.now()</c> and <c>new Date()</c>; null: the sandbox's.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>A seed for <c>Math.random</c>, for replays that must repeat; null: unpredictable.</summary>
    public int? RandomSeed { get; init; }

    /// <summary>
    /// Which URLs <c>crm.http</c> may name, decided by the caller that carries its requests out (the
    /// automation engine: its webhooks' allowed hosts), instead of <see cref="ScriptSandboxOptions.HttpAllowList"/>;
    /// null: that list decides. Only absolute http(s) URLs without user information are offered to it.
    /// </summary>
    public Func<Uri, bool>? HttpAllowed { get; init; }

    /// <summary>The setting <see cref="HttpAllowed"/> stands for, as a refusal names it (<c>Automation:Webhooks:AllowedHosts</c>).</summary>
    public string? HttpAllowListName { get; init; }
}

/// <summary>The script's <c>event</c>: <c>{ kind, changed: { field: { old, new } }, actor, occurredAt, input }</c>.</summary>
/// <param name="Kind">The event's kind (<c>deal.updated</c>, <c>deal.stageChanged</c>).</param>
/// <param name="Changed">The fields that changed, by name (custom fields by code), with their old and new values.</param>
/// <param name="Actor">Who caused it (<c>{ id, kind }</c>), or null.</param>
/// <param name="OccurredAt">When it happened.</param>
public sealed record ScriptEvent(string Kind, IReadOnlyDictionary<string, ScriptFieldChange> Changed, JsonObject? Actor, DateTimeOffset OccurredAt)
{
    /// <summary>What a start without an event brought (a manual start's input, an incoming webhook's body); null for none.</summary>
    public JsonObject? Input { get; init; }

    internal JsonObject ToJson()
    {
        var changed = new JsonObject();
        foreach (var (field, change) in Changed)
        {
            changed[field] = new JsonObject { ["old"] = change.Old?.DeepClone(), ["new"] = change.New?.DeepClone() };
        }

        return new JsonObject
        {
            ["kind"] = Kind,
            ["changed"] = changed,
            ["actor"] = Actor?.DeepClone(),
            ["occurredAt"] = ScriptClock.Format(OccurredAt),
            ["input"] = Input?.DeepClone(),
        };
    }
}

/// <summary>A field's value before and after an event.</summary>
public sealed record ScriptFieldChange(JsonNode? Old, JsonNode? New);

/// <summary>
/// The reads a script may make, served by the host with the rights of the run's user. The
/// sandbox caps calls, rows and bytes (<see cref="ScriptSandboxOptions"/>) and converts what
/// comes back to plain JSON; the token ends at the run's deadline.
/// </summary>
public interface IScriptRecordSource
{
    /// <summary>The record of <paramref name="type"/> with <paramref name="id"/>, or null when it does not exist or the user may not read it.</summary>
    Task<JsonObject?> GetAsync(string type, long id, CancellationToken cancellationToken);

    /// <summary>At most <paramref name="limit"/> records of <paramref name="type"/> matching <paramref name="where"/> (a GraphQL filter's shape), in id order.</summary>
    Task<IReadOnlyList<JsonObject>> FindAsync(string type, JsonObject? where, int limit, CancellationToken cancellationToken);

    /// <summary>How many records of <paramref name="type"/> match <paramref name="where"/>.</summary>
    Task<long> CountAsync(string type, JsonObject? where, CancellationToken cancellationToken);
}

/// <summary>
/// Thrown by an <see cref="IScriptRecordSource"/> that cannot answer a read as asked (a backtest cannot
/// rebuild the records it would return as they were): the script's <c>crm.get</c>/<c>find</c>/<c>count</c>
/// fails with an <c>Error</c> carrying <see cref="Exception.Message"/>, which the script may catch.
/// </summary>
public sealed class ScriptReadUnavailableException(string message) : Exception(message);
