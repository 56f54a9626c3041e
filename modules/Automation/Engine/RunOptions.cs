using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Crm.Modules.Automation.Engine;

/// <summary>
/// A run's wall-clock budget (<c>Automation:MaxRunDuration</c>, 60 seconds, 1 second to an hour):
/// checked before each action (a run past it ends <c>TIMED_OUT</c> there; time spent waiting for a
/// delayed action does not count: a resumed run has the budget again). <c>Automation:StalledRunGrace</c>
/// (2 minutes, 1 second to a day): a run's host renews its heartbeat every third of it
/// (<see cref="Runs.RunLease"/>); a run whose heartbeat is older was left by a host that stopped, and the
/// recovery sweep (<see cref="AutomationRecovery"/>, every grace, at most every minute) ends it
/// <c>TIMED_OUT</c> when it was running, or takes it over when it was pending (<see cref="Runs.StalledRuns"/>).
/// </summary>
public sealed record RunOptions(TimeSpan MaxRunDuration, TimeSpan StalledRunGrace)
{
    public static RunOptions From(IConfiguration configuration)
    {
        var budget = Span(configuration["Automation:MaxRunDuration"], TimeSpan.FromSeconds(60));
        var grace = Span(configuration["Automation:StalledRunGrace"], TimeSpan.FromMinutes(2));
        if (budget < TimeSpan.FromSeconds(1) || budget > TimeSpan.FromHours(1) || grace < TimeSpan.FromSeconds(1) || grace > TimeSpan.FromDays(1))
        {
            throw new InvalidOperationException("Automation:MaxRunDuration is from 1 second to 1 hour, Automation:StalledRunGrace from 1 second to 1 day (hh:mm:ss).");
        }

        return new RunOptions(budget, grace);
    }

    private static TimeSpan Span(string? text, TimeSpan fallback) =>
        text is { Length: > 0 } ? TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed) ? parsed : TimeSpan.Zero : fallback;
}
