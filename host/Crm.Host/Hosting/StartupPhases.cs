using System.Diagnostics;
using System.Globalization;

namespace Crm.Host.Hosting;

/// <summary>
/// How long each phase of a start-up took, told in one log line once the platform is up: where
/// the time to <c>/readyz</c> goes, measured on every start rather than guessed.
/// </summary>
public sealed class StartupPhases
{
    private readonly List<(string Phase, TimeSpan Took)> _phases = [];
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private TimeSpan _last;

    /// <summary>Ends the phase in progress, which is named <paramref name="phase"/>.</summary>
    public void Done(string phase)
    {
        var now = _watch.Elapsed;
        lock (_phases)
        {
            _phases.Add((phase, now - _last));
        }

        _last = now;
    }

    /// <summary>Each phase in milliseconds, then the total since the process started.</summary>
    public string Describe()
    {
        lock (_phases)
        {
            var sinceProcessStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
            return string.Join(", ", _phases.Select(p => $"{p.Phase} {p.Took.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms"))
                + $"; {sinceProcessStart.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms since the process started";
        }
    }
}
