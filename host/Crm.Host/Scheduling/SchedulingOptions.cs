namespace Crm.Host.Scheduling;

/// <summary>
/// The <c>Scheduling</c> section: the host's Quartz scheduler, which runs the work modules schedule
/// through <see cref="Crm.PluginSdk.Scheduling.IWorkScheduler"/> (see README, Settings).
/// </summary>
public sealed class SchedulingOptions
{
    public const string SectionName = "Scheduling";

    /// <summary>Pieces of work this host runs at once (Quartz's thread pool).</summary>
    public int ThreadCount { get; set; } = 4;

    /// <summary>
    /// How long the scheduler waits before looking for due work again when it found none. Work
    /// scheduled on this host wakes it at once; work another host scheduled is seen within this.
    /// </summary>
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a host of a PostgreSQL cluster records that it is alive.</summary>
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long past a missed check-in the other hosts wait before they take over (re-run) a host's work.</summary>
    public TimeSpan ClusterCheckinMisfireThreshold { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How late work may start before it counts as missed; missed work runs at once, once.</summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What cannot work, one sentence each; empty when the settings are usable.</summary>
    public IEnumerable<string> Problems()
    {
        if (ThreadCount is < 1 or > 100)
        {
            yield return $"Scheduling:ThreadCount must be 1 to 100 (is {ThreadCount}).";
        }

        if (IdleWaitTime < TimeSpan.FromSeconds(1) || IdleWaitTime > TimeSpan.FromMinutes(10))
        {
            yield return $"Scheduling:IdleWaitTime must be 1 second to 10 minutes (is {IdleWaitTime}).";
        }

        if (ClusterCheckinInterval < TimeSpan.FromMilliseconds(500) || ClusterCheckinInterval > TimeSpan.FromMinutes(10))
        {
            yield return $"Scheduling:ClusterCheckinInterval must be 0.5 seconds to 10 minutes (is {ClusterCheckinInterval}).";
        }

        if (ClusterCheckinMisfireThreshold < TimeSpan.FromMilliseconds(500) || ClusterCheckinMisfireThreshold > TimeSpan.FromMinutes(10))
        {
            yield return $"Scheduling:ClusterCheckinMisfireThreshold must be 0.5 seconds to 10 minutes (is {ClusterCheckinMisfireThreshold}).";
        }

        if (MisfireThreshold < TimeSpan.FromSeconds(1) || MisfireThreshold > TimeSpan.FromHours(1))
        {
            yield return $"Scheduling:MisfireThreshold must be 1 second to 1 hour (is {MisfireThreshold}).";
        }
    }
}

/// <summary>Refuses the start with each <c>Scheduling:*</c> setting that cannot work, named.</summary>
public sealed class SchedulingOptionsValidation : Microsoft.Extensions.Options.IValidateOptions<SchedulingOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, SchedulingOptions options) =>
        options.Problems().ToList() is { Count: > 0 } problems
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problems)
            : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
}
