using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>What a finished process printed and returned.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// The built host and <c>crm</c> run as separate processes, as a newcomer runs them: for what only
/// a process shows (exit codes, stdout against stderr, what is printed at start-up).
/// </summary>
public sealed class CrmProcess : IAsyncDisposable
{
    // A safety net against a process that never ends, not a measurement: nothing here is timed.
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(string Text, TaskCompletionSource Seen)> _awaited = [];

    private CrmProcess(string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Only what the test gives: none of the platform's settings leak in from the test run.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("CRM_", StringComparison.Ordinal) || k.Contains("__", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, line) => Received(_stdout, line.Data);
        _process.ErrorDataReceived += (_, line) => Received(_stderr, line.Data);
        _process.Exited += (_, _) => _exited.TrySetResult();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string HostAssembly => BuiltAssembly("CrmHostAssembly");

    public static string CliAssembly => BuiltAssembly("CrmCliAssembly");

    public static CrmProcess Start(string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null) =>
        new(assembly, arguments, environment ?? new Dictionary<string, string?>());

    /// <summary>Runs to the end and returns what it printed.</summary>
    public static async Task<ProcessResult> RunAsync(string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        await using var process = Start(assembly, arguments, environment);
        return await process.WaitForExitAsync();
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Waits until stdout holds <paramref name="text"/>; fails with the output if the process ends first.</summary>
    public async Task WaitForOutputAsync(string text)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stdout)
        {
            if (_stdout.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            _awaited.Add((text, seen));
        }

        var first = await Task.WhenAny(seen.Task, _exited.Task, Task.Delay(Patience));
        if (first != seen.Task)
        {
            // Let the last lines arrive before they are shown.
            await WaitForExitOrKillAsync();
            Assert.Fail($"'{text}' was never printed:\n{Result()}");
        }
    }

    /// <summary>Asks the process to stop as Ctrl+C would (SIGTERM) and waits for it.</summary>
    public async Task<ProcessResult> StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync();
    }

    public async Task<ProcessResult> WaitForExitAsync()
    {
        if (!await WaitForExitOrKillAsync())
        {
            Assert.Fail($"The process did not end:\n{Result()}");
        }

        return Result();
    }

    private async Task<bool> WaitForExitOrKillAsync()
    {
        var ended = await Task.WhenAny(_exited.Task, Task.Delay(Patience)) == _exited.Task;
        if (!ended)
        {
            _process.Kill(entireProcessTree: true);
        }

        // The redirected streams are complete only once WaitForExit returns.
        await _process.WaitForExitAsync();
        return ended;
    }

    private ProcessResult Result()
    {
        lock (_stdout)
        {
            lock (_stderr)
            {
                return new ProcessResult(_process.HasExited ? _process.ExitCode : -1, _stdout.ToString(), _stderr.ToString());
            }
        }
    }

    private void Received(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
            if (output != _stdout)
            {
                return;
            }

            var text = output.ToString();
            foreach (var awaited in _awaited.Where(a => text.Contains(a.Text, StringComparison.Ordinal)).ToList())
            {
                _awaited.Remove(awaited);
                awaited.Seen.TrySetResult();
            }
        }
    }

    private static string BuiltAssembly(string key)
    {
        var path = typeof(CrmProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        return File.Exists(path) ? Path.GetFullPath(path) : throw new InvalidOperationException($"{path} is not built.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
