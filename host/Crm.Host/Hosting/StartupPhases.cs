using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace Crm.Host.Hosting;

/// <summary>
/// How long each phase of a start-up took, told in one log line once the platform is up: where
/// the time to <c>/readyz</c> goes, measured on every start rather than guessed. Each phase gives
/// its wall time and the process's CPU time in it: on a busy machine the wall time mostly says how
/// long the host waited for a core, the CPU time what the phase itself cost.
/// </summary>
public sealed class StartupPhases
{
    private readonly List<(string Phase, TimeSpan Took, TimeSpan Cpu)> _phases = [];
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private TimeSpan _last;
    private TimeSpan _lastCpu = CpuTime();

    /// <summary>Ends the phase in progress, which is named <paramref name="phase"/>.</summary>
    public void Done(string phase)
    {
        var now = _watch.Elapsed;
        var cpu = CpuTime();
        lock (_phases)
        {
            _phases.Add((phase, now - _last, cpu - _lastCpu));
            _last = now;
            _lastCpu = cpu;
        }
    }

    /// <summary>
    /// Each phase in milliseconds (wall, then CPU), then the totals since the process started,
    /// with what the JIT compiled (what a ReadyToRun build saves) and the garbage collections.
    /// </summary>
    public string Describe()
    {
        lock (_phases)
        {
            using var process = Process.GetCurrentProcess();
            var sinceProcessStart = DateTime.Now - process.StartTime;
            return string.Join(", ", _phases.Select(p => $"{p.Phase} {Ms(p.Took)} ms (CPU {Ms(p.Cpu)})"))
                + $"; {Ms(sinceProcessStart)} ms since the process started, CPU {Ms(process.TotalProcessorTime)} ms"
                + $", {JitInfo.GetCompiledMethodCount().ToString(CultureInfo.InvariantCulture)} methods JIT-compiled in {Ms(JitInfo.GetCompilationTime())} ms"
                + $", {GC.CollectionCount(0).ToString(CultureInfo.InvariantCulture)} GCs ({(GCSettings.IsServerGC ? "server" : "workstation")})";
        }
    }

    private static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
