using System.Text.Json.Nodes;

namespace Crm.PluginSdk.Scripting;

/// <summary>What a run of a script came to.</summary>
public sealed record ScriptOutcome
{
    /// <summary>Whether the script ran to its end.</summary>
    public bool Succeeded => Error is null;

    /// <summary>The script's completion value as JSON (a condition's boolean); null also for <c>undefined</c>.</summary>
    public JsonNode? Result { get; init; }

    /// <summary>What the script asked the host to do after it, in order (none are carried out by the sandbox).</summary>
    public IReadOnlyList<ScriptRequest> Requests { get; init; } = [];

    /// <summary>What the script logged, in order, up to <see cref="ScriptSandboxOptions.MaxLogEntries"/>.</summary>
    public IReadOnlyList<string> Log { get; init; } = [];

    /// <summary>Calls of <c>log</c> beyond those kept.</summary>
    public int LogDropped { get; init; }

    /// <summary>Why the run failed, or null.</summary>
    public ScriptError? Error { get; init; }

    /// <summary>Statements the script executed.</summary>
    public long Statements { get; init; }

    /// <summary>Wall-clock time of the run, preparation included.</summary>
    public TimeSpan Elapsed { get; init; }
}

/// <summary>
/// Something a script asks the host to do after it ends: a kind (<c>update</c>, <c>notify</c>,
/// or an action kind a module declares) and its parameters.
/// </summary>
public sealed record ScriptRequest(string Kind, JsonObject Parameters);

/// <summary>Why a run failed, or why a script was refused.</summary>
/// <param name="Code">One of <see cref="ScriptErrorCodes"/>.</param>
/// <param name="Message">For people.</param>
/// <param name="Limit">The setting whose limit was reached (<c>Scripts:MaxStatements</c>), for <see cref="ScriptErrorCodes.LimitExceeded"/>.</param>
/// <param name="Line">The script's line (from 1) where it failed, when known.</param>
/// <param name="Column">The column (from 1), when known.</param>
/// <param name="Stack">The script's stack (<c>at f (script:3:5)</c> lines), for a JavaScript error.</param>
public sealed record ScriptError(string Code, string Message, string? Limit = null, int? Line = null, int? Column = null, string? Stack = null);

/// <summary>The codes of <see cref="ScriptError"/>.</summary>
public static class ScriptErrorCodes
{
    /// <summary>A limit was reached; <see cref="ScriptError.Limit"/> names it.</summary>
    public const string LimitExceeded = "LIMIT_EXCEEDED";

    /// <summary>The source does not parse; line and column say where.</summary>
    public const string SyntaxError = "SYNTAX_ERROR";

    /// <summary>The script threw (its own error or the runtime's: a TypeError, a ReferenceError).</summary>
    public const string ScriptError = "SCRIPT_ERROR";

    /// <summary>The script's result is not JSON data (a cycle, a getter, a Map, a BigInt).</summary>
    public const string InvalidResult = "INVALID_RESULT";

    /// <summary>The caller's token ended the run.</summary>
    public const string Cancelled = "CANCELLED";
}

/// <summary>The result of checking a script's source (when a rule is saved).</summary>
public sealed record ScriptCheck(ScriptError? Error)
{
    /// <summary>Whether the source may be run.</summary>
    public bool IsValid => Error is null;
}
