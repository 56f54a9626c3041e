using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// What every test host logged at Error and above, kept (the last 500) for a test that meets an
/// internal error: the answer names only a trace id, and the host's own log is not in the test
/// output, so a failed <see cref="GraphQLResponse.ShouldSucceed"/> prints what the server logged
/// under that trace. Without it a rare failure in CI leaves nothing to learn from.
/// </summary>
public sealed partial class ServerErrors : ILoggerProvider
{
    private const int Kept = 500;
    private const int MaxEntryLength = 4000;
    private static readonly ConcurrentQueue<string> Entries = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

    public void Dispose()
    {
    }

    /// <summary>What was logged under the trace ids <paramref name="answer"/> names ("" when none).</summary>
    public static string For(string answer)
    {
        var traces = TracePattern().Matches(answer).Select(m => m.Groups[1].Value).Distinct().ToList();
        var logged = Entries.Where(e => traces.Any(t => e.Contains(t, StringComparison.Ordinal))).ToList();
        return logged.Count == 0 ? "" : "\nThe server logged:\n" + string.Join("\n", logged);
    }

    [GeneratedRegex(@"trace ([0-9A-Za-z:]+)")]
    private static partial Regex TracePattern();

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var entry = $"{category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}";
            Entries.Enqueue(entry.Length > MaxEntryLength ? entry[..MaxEntryLength] : entry);
            while (Entries.Count > Kept && Entries.TryDequeue(out _))
            {
            }
        }
    }
}
