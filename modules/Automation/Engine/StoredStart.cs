using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Events;

namespace Crm.Modules.Automation.Engine;

/// <summary>
/// What a run's start showed its condition and scripts, kept with the run (<see cref="Runs.AutomationRun.Start"/>)
/// so that a retry (<c>retryRun</c>) and a run resumed after a wait see the same <c>event</c> the first
/// run saw: the event's changed fields (old and new), its actor, when it happened, and a start's input.
/// Bounded: at most <see cref="MaxLength"/> characters; beyond that the values of the changes are
/// dropped (their names kept) and <see cref="Truncated"/> says so.
/// </summary>
public sealed record StoredStart(IReadOnlyDictionary<string, FieldChange>? Changed, JsonObject? Input, long? ActorId, string? ActorKind, DateTimeOffset OccurredAt)
{
    /// <summary>The most characters a run keeps of its start (a webhook's body is at most 64 KiB).</summary>
    public const int MaxLength = 100_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Whether the changes' values were dropped to keep it within <see cref="MaxLength"/> (or the input too).</summary>
    public bool Truncated { get; init; }

    /// <summary>What <paramref name="start"/> shows, as stored (JSON).</summary>
    public static string Of(RunStart start, TimeProvider clock)
    {
        var stored = start.Event is { } domainEvent
            ? new StoredStart(domainEvent.Data is RecordUpdated updated ? updated.Changes : null, null, domainEvent.ActorId,
                JsonNamingPolicy.SnakeCaseUpper.ConvertName(domainEvent.Origin.Kind.ToString()), domainEvent.OccurredAt)
            : new StoredStart(start.Changes, start.Input, start.StartedBy, start.ActorKind ?? (start.StartedBy is null ? null : "USER"), start.StartedAt ?? clock.GetUtcNow()) { Truncated = start.StartTruncated };
        var json = JsonSerializer.Serialize(stored, Json);
        if (json.Length <= MaxLength)
        {
            return json;
        }

        var names = stored.Changed?.ToDictionary(c => c.Key, _ => new FieldChange(null, null));
        json = JsonSerializer.Serialize(stored with { Changed = names, Truncated = true }, Json);
        return json.Length <= MaxLength ? json : JsonSerializer.Serialize(stored with { Changed = names, Input = null, Truncated = true }, Json);
    }

    public static StoredStart? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize<StoredStart>(json, Json);

    /// <summary>A start again from what a run kept of its first one: no event, its changes, input and actor as they were.</summary>
    public RunStart Apply(RunStart start) => start with
    {
        Changes = Changed,
        Input = Input,
        StartedBy = ActorId,
        ActorKind = ActorKind,
        StartedAt = OccurredAt,
        StartTruncated = Truncated,
    };
}
