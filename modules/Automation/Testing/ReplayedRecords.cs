using System.Text.Json.Nodes;
using Crm.PluginSdk.Timeline;

namespace Crm.Modules.Automation.Testing;

/// <summary>
/// The window's records as the replay has them at its current point on the virtual clock: rebuilt as they
/// were (<see cref="Backtester"/>), each entry done again as it is replayed; a record created later in the
/// window does not exist yet, one deleted earlier no longer does. It knows which of a record's fields
/// carry a change the rule itself made in the replay (<see cref="FeedBack"/>) until a recorded change
/// overwrites them.
/// </summary>
internal sealed class ReplayedRecords(Dictionary<long, JsonObject> states, IEnumerable<RecordHistoryEntry> entries)
{
    private readonly HashSet<long> unborn = entries.Where(e => e.Kind == RecordChangeKind.Created).Select(e => e.EntityId).ToHashSet();
    private readonly HashSet<long> gone = [];
    private readonly Dictionary<long, HashSet<string>> ownChanges = [];

    /// <summary>The record as it is at this point of the replay; null when it does not exist then (or cannot be read now: <see cref="Holds"/> says which).</summary>
    public JsonObject? At(long id) => unborn.Contains(id) || gone.Contains(id) ? null : states.GetValueOrDefault(id);

    /// <summary>Whether the replay knows the record at every point of the window: rebuilt, or created or deleted within it.</summary>
    public bool Holds(long id) => states.ContainsKey(id) || unborn.Contains(id) || gone.Contains(id);

    /// <summary>The record as its replayed entry leaves it: created, changed (its new values), or deleted; false when it cannot be read now.</summary>
    public bool Apply(RecordHistoryEntry entry, out JsonObject? state)
    {
        unborn.Remove(entry.EntityId);
        var own = ownChanges.GetValueOrDefault(entry.EntityId);
        if (entry.Kind == RecordChangeKind.Deleted)
        {
            ownChanges.Remove(entry.EntityId);
            gone.Add(entry.EntityId);
            state = null;
            return true;
        }

        if (!states.TryGetValue(entry.EntityId, out state))
        {
            return false;
        }

        foreach (var (field, change) in entry.Changes)
        {
            state[field] = change.NewValue?.DeepClone();
            own?.Remove(field); // what was recorded overwrites what the rule would have set
        }

        return true;
    }

    /// <summary>Sets a field of a record the replay holds to what the rule would have made it, marked as the rule's own change.</summary>
    public void FeedBack(long id, string field, JsonNode? value)
    {
        if (At(id) is not { } state)
        {
            return;
        }

        state[field] = value?.DeepClone();
        if (!ownChanges.TryGetValue(id, out var fields))
        {
            ownChanges[id] = fields = new HashSet<string>(StringComparer.Ordinal);
        }

        fields.Add(field);
    }

    /// <summary>Whether the record carries, at this point of the replay, a change the rule itself made earlier in it.</summary>
    public bool CarriesOwnChanges(long id) => ownChanges.TryGetValue(id, out var fields) && fields.Count > 0;
}
