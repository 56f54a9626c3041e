namespace Crm.Host.Live;

/// <summary>The <c>Live</c> section: how subscriptions' sources are read (see README, "Subscriptions").</summary>
public sealed class LiveOptions
{
    /// <summary>How often a source with subscribers is read whatever woke it: the only wake-up on SQLite, the fallback on PostgreSQL.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether PostgreSQL's <c>NOTIFY</c> (<see cref="Crm.PluginSdk.Live.LiveSignal"/>) wakes sources at once, on every host.</summary>
    public bool WakeUp { get; set; } = true;

    /// <summary>The items one read of a source takes; a full batch is followed by the next at once.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>The most missed items a subscription with <c>after</c> catches up on; more ends it with LIMIT_EXCEEDED.</summary>
    public int MaxCatchUpItems { get; set; } = 10_000;

    /// <summary>The items waiting for one subscriber (a slow client); more ends its subscription with LIMIT_EXCEEDED.</summary>
    public int MaxQueuedItems { get; set; } = 10_000;

    public IEnumerable<string> Problems()
    {
        if (PollInterval <= TimeSpan.Zero)
        {
            yield return "Live:PollInterval must be positive.";
        }

        if (BatchSize is < 1 or > 10_000)
        {
            yield return "Live:BatchSize must be between 1 and 10000.";
        }

        if (MaxCatchUpItems < 0 || MaxQueuedItems < BatchSize)
        {
            yield return "Live:MaxCatchUpItems must be 0 or more and Live:MaxQueuedItems at least Live:BatchSize.";
        }
    }
}
