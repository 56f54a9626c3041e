namespace Crm.PluginSdk.Live;

/// <summary>
/// Whether a piece of work read who its actor is: the user id (<see cref="Security.CurrentActor.UserId"/>,
/// <see cref="Security.AccessRights.UserId"/>), the users of their departments
/// (<see cref="Security.AccessRights.DepartmentUserIds"/>, <see cref="Security.AccessRights.SubdepartmentUserIds"/>,
/// and so every OWN ... OPEN level through <see cref="Security.AccessRights.Assignees"/>) or the
/// address they came from. Those properties report each read to the tracker of the current async
/// flow, if any. The host shares a live event's result between subscribers of different users with
/// the same rights only when its execution, run in a scope of its own (no cache from before it),
/// read none of these: what did not read the identity cannot depend on it.
/// </summary>
internal sealed class IdentityReads
{
    private static readonly AsyncLocal<IdentityReads?> Current = new();
    private int _read;

    private IdentityReads()
    {
    }

    /// <summary>Whether anything in the tracked flow read the actor's identity.</summary>
    public bool Any => Volatile.Read(ref _read) != 0;

    /// <summary>
    /// Tracks the identity reads of the calling flow and of everything it starts from now on. Call
    /// it inside the async method that does the work: the tracker ends when that method returns.
    /// </summary>
    public static IdentityReads Track()
    {
        var reads = new IdentityReads();
        Current.Value = reads;
        return reads;
    }

    /// <summary>Called by each property that gives away who the actor is.</summary>
    public static void Noted()
    {
        if (Current.Value is { } reads)
        {
            Volatile.Write(ref reads._read, 1);
        }
    }
}
