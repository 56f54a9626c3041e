using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Automation.Testing;

/// <summary>
/// <c>Automation:Backtest</c>: how much of the past one <c>backtestRule</c> may replay. A window longer
/// than <c>MaxWindow</c> (90 days) is refused before any work; beyond <c>MaxEvents</c> history entries
/// (10,000) or <c>MaxSteps</c> steps of work (100,000: each event replayed, each condition tested, each
/// action worked out, a self-triggered cycle's included) the replay stops and its report says it was
/// truncated, and where. A budget of work, not of time: the same history stops at the same place
/// however loaded the host is (each script's own time is bounded by the sandbox). The records of the window may have changed at most ten times <c>MaxEvents</c>
/// times since it began (what is undone to rebuild them); more is refused.
/// </summary>
public sealed record BacktestOptions(TimeSpan MaxWindow, int MaxEvents, int MaxSteps)
{
    /// <summary>The most changes a report samples, and the most errors it lists.</summary>
    public const int MaxSamples = 20;

    public static BacktestOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Automation:Backtest");
        var window = Time(section["MaxWindow"], TimeSpan.FromDays(90));
        var events = section["MaxEvents"] is { Length: > 0 } text ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1 : 10_000;
        var steps = section["MaxSteps"] is { Length: > 0 } given ? int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : -1 : 100_000;
        if (window <= TimeSpan.Zero || window > TimeSpan.FromDays(3_660) || events is < 1 or > 1_000_000 || steps is < 1 or > 10_000_000)
        {
            throw new InvalidOperationException(
                "Automation:Backtest has a setting that cannot work: MaxWindow is above zero and at most 3660 days, MaxEvents is 1 to 1000000, MaxSteps is 1 to 10000000.");
        }

        return new BacktestOptions(window, events, steps);
    }

    private static TimeSpan Time(string? text, TimeSpan fallback) =>
        text is { Length: > 0 } ? TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed) ? parsed : TimeSpan.MinValue : fallback;
}
