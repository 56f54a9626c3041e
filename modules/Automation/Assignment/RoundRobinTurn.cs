namespace Crm.Modules.Automation.Assignment;

/// <summary>
/// A round-robin queue's position: how many turns it has given (<see cref="Turn"/>). Turn <c>n</c>
/// goes to the set's user at <c>(n - 1) mod count</c>; the next turn is taken by one atomic upsert.
/// </summary>
public sealed class RoundRobinTurn
{
    /// <summary>The queue: a rule's own (<c>rule:12:…</c>, per rule and set of users) or a named one shared by rules (<c>queue:senior-team</c>).</summary>
    public string Queue { get; set; } = "";

    public long Turn { get; set; }
}
