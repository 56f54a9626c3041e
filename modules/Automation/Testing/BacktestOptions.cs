using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Automation.Testing;

/// <summary>
/// <c>Automation:Backtest</c>: how much of the past one <c>backtestRule</c> may replay. A window longer
/// than <c>MaxWindow</c> (90 days) is refused before any work; beyond <c>MaxEvents</c> history entries
/// (10,000) or <c>MaxDuration</c> of work (30 seconds) the replay stops and its report says it was
/// truncated, and where. The records of the window may have changed at most ten times <c>MaxEvents</c>
/// times since it began (what is undone to rebuild them); more is refused.
/// </summary>
public sealed record BacktestOptions(TimeSpan MaxWindow, int MaxEvents, TimeSpan MaxDuration)
{
    /// <summary>The most changes a report samples, and the most errors it lists.</summary>
    public const int MaxSamples = 20;

    public static BacktestOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Automation:Backtest");
        var window = Time(section["MaxWindow"], TimeSpan.FromDays(90));
        var events = section["MaxEvents"] is { Length: > 0 } text ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1 : 10_000;
        var duration = Time(section["MaxDuration"], TimeSpan.FromSeconds(30));
        if (window <= TimeSpan.Zero || window > TimeSpan.FromDays(3_660) || events is < 1 or > 1_000_000 || duration <= TimeSpan.Zero || duration > TimeSpan.FromMinutes(10))
        {
            throw new InvalidOperationException(
                "Automation:Backtest has a setting that cannot work: MaxWindow is above zero and at most 3660 days, MaxEvents is 1 to 1000000, MaxDuration is above zero and at most 00:10:00.");
        }

        return new BacktestOptions(window, events, duration);
    }

    private static TimeSpan Time(string? text, TimeSpan fallback) =>
        text is { Length: > 0 } ? TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed) ? parsed : TimeSpan.MinValue : fallback;
}
