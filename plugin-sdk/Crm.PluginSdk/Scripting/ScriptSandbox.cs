using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Acornima;
using Jint;
using Jint.Runtime;
using Microsoft.Extensions.Options;

namespace Crm.PluginSdk.Scripting;

/// <summary>
/// Checks and runs the JavaScript that admins write (automation conditions and <c>script</c>
/// actions, later mail filters and computed fields), in Jint, each run in a fresh engine: strict
/// mode, no CLR access, no <c>eval</c> or <c>Function</c>, and every limit of
/// <see cref="ScriptSandboxOptions"/>. A script sees plain JSON and the <c>crm</c> object, and
/// returns JSON and requests; a run that breaks a limit fails naming it, and the next run is
/// unaffected. One instance serves the whole host (its cache of prepared scripts is shared and
/// thread-safe); a run happens on the caller's thread.
/// </summary>
public sealed class ScriptSandbox : IDisposable
{
    private const string Section = ScriptSandboxOptions.SectionName;

    private readonly ScriptSandboxOptions options;
    private readonly TimeProvider clock;
    private readonly PreparedScriptCache prepared;

    /// <summary>The longest source a script may have (<c>Scripts:MaxSourceLength</c>): what a kind that takes a script declares as its parameter's limit.</summary>
    public int MaxSourceLength => options.MaxSourceLength;

    /// <summary>A sandbox with <paramref name="options"/>, whose scripts tell the time by <paramref name="clock"/>.</summary>
    public ScriptSandbox(IOptions<ScriptSandboxOptions> options, TimeProvider clock)
    {
        this.options = options.Value;
        if (this.options.Problems().FirstOrDefault() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        this.clock = clock;
        prepared = new PreparedScriptCache(this.options.PreparedCacheSize);
    }

    /// <summary>
    /// Checks a script when it is saved: its length, then its syntax (line, column, message).
    /// A valid script is prepared and kept, so its first run does not parse it again.
    /// </summary>
    public ScriptCheck Check(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ScriptCheck(Prepare(source, out _));
    }

    /// <summary>
    /// Runs a script to its end or to the first limit it reaches. Never throws for what the
    /// script does; a failed run's <see cref="ScriptOutcome.Error"/> says why. What
    /// <see cref="ScriptRun.Records"/> throws (other than at the deadline) propagates.
    /// </summary>
    public ScriptOutcome Run(ScriptRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var started = Stopwatch.GetTimestamp();
        if (Prepare(run.Source, out var script) is { } refused)
        {
            return new ScriptOutcome { Error = refused, Elapsed = Stopwatch.GetElapsedTime(started) };
        }

        var runClock = run.Clock ?? clock;
        var statements = new StatementCounter(options.MaxStatements);
        using var engine = new Engine(o =>
        {
            o.Strict();
            o.DisableStringCompilation();
            o.Interop.Enabled = false;
            // Dates leave the engine as UTC instants (see ScriptJson), whatever the host's zone.
            o.Interop.DateTimeKind = DateTimeKind.Utc;
            o.TimeSystem = new ScriptClock(runClock);
            o.TimeoutInterval(options.Timeout);
            o.LimitMemory(options.MaxMemoryBytes);
            o.LimitRecursion(options.MaxRecursionDepth);
            o.MaxArraySize((uint)options.MaxArrayLength);
            o.RegexTimeoutInterval(options.RegexTimeout);
            o.CancellationToken(cancellationToken);
            o.Constraint(statements);
        });
        var deadline = started + (long)(options.Timeout.TotalSeconds * Stopwatch.Frequency);
        using var api = new CrmScriptApi(engine, options, run, runClock, deadline, cancellationToken);

        System.Text.Json.Nodes.JsonNode? result = null;
        ScriptError? error = null;
        try
        {
            // Inside the try: an input nested deeper than Jint's JSON reader takes fails the run.
            api.Install();
            // Two bytes a character: no built-in call builds a string larger than the memory limit.
            new BuiltInGuards(engine, options.MaxMemoryBytes / 2, options.MaxArrayLength).Install();
            var value = engine.Evaluate(script.GetValueOrDefault());
            result = ScriptJson.FromScript(value, options.MaxResultBytes, $"{Section}:{nameof(ScriptSandboxOptions.MaxResultBytes)}", "The script's result is over {0} bytes as JSON.");
        }
        catch (Exception e) when (Failure(e, cancellationToken) is { } failure)
        {
            error = failure;
        }

        return new ScriptOutcome
        {
            Result = result,
            Requests = error is null ? api.Requests : [],
            Log = api.Log,
            LogDropped = api.LogDropped,
            Error = error,
            Statements = Math.Min(statements.Count, options.MaxStatements),
            Elapsed = Stopwatch.GetElapsedTime(started),
        };
    }

    private ScriptError? Prepare(string source, out Prepared<Acornima.Ast.Script>? script)
    {
        script = null;
        if (source.Length > options.MaxSourceLength)
        {
            return Limit(nameof(ScriptSandboxOptions.MaxSourceLength), string.Create(CultureInfo.InvariantCulture, $"The script is {source.Length:N0} characters long; at most {options.MaxSourceLength:N0} are allowed."));
        }

        try
        {
            script = prepared.Get(source);
            return null;
        }
        catch (ScriptPreparationException e) when (e.InnerException is ParseErrorException parse)
        {
            return new ScriptError(ScriptErrorCodes.SyntaxError, parse.Description ?? parse.Message, Line: parse.LineNumber, Column: parse.Column + 1);
        }
        catch (ScriptPreparationException e)
        {
            // Jint's own refusals: nesting past its analysis depth, or the parser's stack guard
            // (brackets or calls nested thousands deep).
            return new ScriptError(ScriptErrorCodes.SyntaxError, e.InnerException is InsufficientExecutionStackException
                ? "The script nests too deeply to be parsed."
                : (e.InnerException ?? e).Message);
        }
    }

    /// <summary>What ended a run, or null for an exception that is the host's, not the script's.</summary>
    private ScriptError? Failure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        ScriptLimitException limit => new ScriptError(ScriptErrorCodes.LimitExceeded, limit.Message, limit.Setting),
        ExecutionCanceledException or OperationCanceledException when cancellationToken.IsCancellationRequested =>
            new ScriptError(ScriptErrorCodes.Cancelled, "The run was cancelled."),
        // Before TimeoutException, which it derives from.
        RegexMatchTimeoutException => Limit(nameof(ScriptSandboxOptions.RegexTimeout), string.Create(CultureInfo.InvariantCulture, $"A regular expression ran longer than {options.RegexTimeout.TotalMilliseconds:N0} ms.")),
        TimeoutException => Limit(nameof(ScriptSandboxOptions.Timeout), string.Create(CultureInfo.InvariantCulture, $"The script ran longer than {options.Timeout.TotalMilliseconds:N0} ms.")),
        MemoryLimitExceededException when exception.Message.StartsWith("The array size", StringComparison.Ordinal) =>
            Limit(nameof(ScriptSandboxOptions.MaxArrayLength), string.Create(CultureInfo.InvariantCulture, $"An array grew beyond {options.MaxArrayLength:N0} elements.")),
        MemoryLimitExceededException => Limit(nameof(ScriptSandboxOptions.MaxMemoryBytes), string.Create(CultureInfo.InvariantCulture, $"The script allocated more than {options.MaxMemoryBytes:N0} bytes.")),
        RecursionDepthOverflowException => Limit(nameof(ScriptSandboxOptions.MaxRecursionDepth), $"Function calls nested deeper than {options.MaxRecursionDepth}."),
        // Jint's stack guard: deeply nested expressions (not calls) in a script.
        InsufficientExecutionStackException => Limit(nameof(ScriptSandboxOptions.MaxRecursionDepth), "The script nested too deeply."),
        JavaScriptException js => new ScriptError(
            ScriptErrorCodes.ScriptError,
            js.Message,
            Line: js.Location.Start.Line > 0 ? js.Location.Start.Line : null,
            Column: js.Location.Start.Line > 0 ? js.Location.Start.Column + 1 : null,
            Stack: js.JavaScriptStackTrace),
        ScriptDataException data => new ScriptError(ScriptErrorCodes.InvalidResult, "The script's result is not JSON data: " + data.Message),
        JintException other => new ScriptError(ScriptErrorCodes.ScriptError, other.Message),
        _ => null,
    };

    private ScriptError Limit(string setting, string message) =>
        new(ScriptErrorCodes.LimitExceeded, $"{message} ({Section}:{setting})", $"{Section}:{setting}");

    /// <summary>Drops the prepared scripts.</summary>
    public void Dispose() => prepared.Dispose();
}
