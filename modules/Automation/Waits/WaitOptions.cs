using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Automation.Waits;

/// <summary>
/// The settings of waiting actions: the shortest delay a rule may give (<c>Automation:MinDelay</c>,
/// a minute: less is "immediately", and a timer per event would be abuse), the first back-off of a
/// RETRY action (<c>Automation:RetryDelay</c>, 30 seconds, doubling per attempt) and the working hours
/// (<c>Automation:WorkingHours:Days</c>, <c>Start</c>, <c>End</c>: Monday to Friday, 09:00 to 17:00 UTC).
/// </summary>
public sealed record WaitOptions(TimeSpan MinDelay, TimeSpan RetryDelay, IReadOnlySet<DayOfWeek> WorkingDays, TimeSpan WorkStart, TimeSpan WorkEnd)
{
    /// <summary>The longest back-off between two attempts of an action.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(1);

    public static WaitOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Automation");
        var minDelay = Span(section["MinDelay"], TimeSpan.FromMinutes(1));
        var retryDelay = Span(section["RetryDelay"], TimeSpan.FromSeconds(30));
        var hours = section.GetSection("WorkingHours");
        var start = Span(hours["Start"], TimeSpan.FromHours(9));
        var end = Span(hours["End"], TimeSpan.FromHours(17));
        var dayTexts = hours["Days"] is { Length: > 0 } days ? days.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
        var workingDays = new HashSet<DayOfWeek>();
        foreach (var text in dayTexts)
        {
            workingDays.Add(Enum.TryParse<DayOfWeek>(text, ignoreCase: true, out var day) ? day : (DayOfWeek)(-1));
        }

        if (minDelay < TimeSpan.FromSeconds(1) || minDelay > TimeSpan.FromDays(1) || retryDelay < TimeSpan.FromSeconds(1) || retryDelay > MaxRetryDelay
            || start < TimeSpan.Zero || end > TimeSpan.FromDays(1) || start >= end || workingDays.Count == 0 || workingDays.Contains((DayOfWeek)(-1)))
        {
            throw new InvalidOperationException(
                "Automation has a setting that cannot work: MinDelay is 1 second to 1 day, RetryDelay 1 second to 1 hour, WorkingHours:Start before WorkingHours:End within a day (HH:mm, UTC), WorkingHours:Days day names separated by commas.");
        }

        return new WaitOptions(minDelay, retryDelay, workingDays, start, end);
    }

    private static TimeSpan Span(string? text, TimeSpan fallback) =>
        text is { Length: > 0 } ? TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed) ? parsed : TimeSpan.MinValue : fallback;

    /// <summary>The first moment at or after <paramref name="at"/> within the working hours.</summary>
    public DateTimeOffset NextWorkingTime(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        for (var day = 0; day < 8; day++)
        {
            var date = utc.Date.AddDays(day);
            if (!WorkingDays.Contains(date.DayOfWeek))
            {
                continue;
            }

            var opens = new DateTimeOffset(date + WorkStart, TimeSpan.Zero);
            var closes = new DateTimeOffset(date + WorkEnd, TimeSpan.Zero);
            if (utc < opens)
            {
                return opens;
            }

            if (utc < closes)
            {
                return utc;
            }
        }

        return utc; // unreachable with at least one working day
    }

    /// <summary>The back-off before attempt <paramref name="failedAttempts"/> + 1: the retry delay doubled per failed attempt, at most an hour.</summary>
    public TimeSpan BackOff(int failedAttempts) =>
        TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, RetryDelay.Ticks * (1L << Math.Clamp(failedAttempts - 1, 0, 20))));
}
