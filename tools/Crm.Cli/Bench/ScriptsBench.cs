using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Scripting;
using Microsoft.Extensions.Options;

namespace Crm.Cli.Bench;

/// <summary>
/// <c>crm bench scripts</c>: the script sandbox in this process, no host or database: a rule's
/// condition (<c>event.changed.stageId &amp;&amp; record.opportunity &gt; 10000</c>) run again and
/// again with its prepared script cached (one thread, then every thread), and distinct sources
/// each prepared once (cold). Prints runs per second, CPU per run (the process's CPU time over
/// the runs: steadier than wall time on a busy machine) and latency percentiles.
/// </summary>
internal static class ScriptsBench
{
    public const string Usage = """
          bench scripts [--iterations N] [--warmup N] [--threads N] [--cold N]
                                       run a rule condition in the script sandbox N times (default 20000) after a
                                       warm-up (default 20000), on one thread and on --threads (default: the
                                       processors), then prepare and run --cold (default 2000) distinct sources
                                       once each; prints runs/s, CPU per run and latency percentiles
        """;

    public static readonly string[] Options = ["--iterations", "--warmup", "--threads", "--cold"];

    public const string Condition = "event.changed.stageId && record.opportunity > 10000";

    public static int Run(IReadOnlyDictionary<string, string> options)
    {
        var iterations = BenchSupport.Whole(options, "--iterations", 20_000);
        var warmup = BenchSupport.Whole(options, "--warmup", 20_000);
        var threads = BenchSupport.Whole(options, "--threads", Environment.ProcessorCount);
        var cold = BenchSupport.Whole(options, "--cold", 2_000);
        using var sandbox = new ScriptSandbox(Microsoft.Extensions.Options.Options.Create(new ScriptSandboxOptions()), TimeProvider.System);

        var run = StageChange(Condition);
        for (var i = 0; i < warmup; i++)
        {
            Check(sandbox.Run(run));
        }

        Console.WriteLine($"crm: bench scripts: `{Condition}`, {Environment.ProcessorCount} processors");
        Console.WriteLine($"  statements per run: {sandbox.Run(run).Statements}");
        Measure("warm, 1 thread", 1, iterations, _ => run, sandbox);
        Measure($"warm, {threads} threads", threads, iterations, _ => run, sandbox);
        // Each source differs (a trailing comment), so each run parses and analyses its script.
        Measure("cold (prepare + run), 1 thread", 1, cold, i => StageChange($"{Condition} // {i}"), sandbox);
        Measure("cold check (prepare only), 1 thread", 1, cold, i => StageChange($"{Condition} /* check {i} */"), sandbox, checkOnly: true);
        return 0;
    }

    private static void Measure(string name, int threads, int count, Func<int, ScriptRun> runs, ScriptSandbox sandbox, bool checkOnly = false)
    {
        var timings = new double[count];
        var next = -1;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                var one = runs(i);
                var started = Stopwatch.GetTimestamp();
                if (checkOnly)
                {
                    if (!sandbox.Check(one.Source).IsValid)
                    {
                        throw new InvalidOperationException("bench scripts: the condition does not parse.");
                    }
                }
                else
                {
                    Check(sandbox.Run(one));
                }

                timings[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        wall.Stop();
        var cpuPerRun = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / count;
        var sorted = timings.Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name}: {count / wall.Elapsed.TotalSeconds:N0} runs/s, CPU {cpuPerRun:N1} µs/run, latency p50 {BenchSupport.Percentile(sorted, 0.5):N1} µs, p99 {BenchSupport.Percentile(sorted, 0.99):N1} µs"));
    }

    private static void Check(ScriptOutcome outcome)
    {
        if (!outcome.Succeeded || outcome.Result?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"bench scripts: the condition gave {outcome.Result?.ToJsonString() ?? outcome.Error?.Message}.");
        }
    }

    private static ScriptRun StageChange(string source) => new(source)
    {
        Event = new ScriptEvent(
            "deal.stageChanged",
            new Dictionary<string, ScriptFieldChange> { ["stageId"] = new("NEW", "PREPARATION") },
            new JsonObject { ["id"] = 1, ["kind"] = "USER" },
            DateTimeOffset.UtcNow),
        Record = new JsonObject { ["id"] = 42, ["title"] = "Acme", ["opportunity"] = 20_000, ["stageId"] = "PREPARATION", ["assignedById"] = 1 },
    };
}
