using System.Globalization;
using Jint;

namespace Crm.PluginSdk.Scripting;

/// <summary>
/// A limit the sandbox itself enforces was reached. It is a CLR exception, which a script's
/// <c>try/catch</c> cannot catch: the run ends.
/// </summary>
internal sealed class ScriptLimitException(string setting, string message) : Exception(message)
{
    /// <summary>The setting whose limit was reached (<c>Scripts:MaxRequests</c>).</summary>
    public string Setting { get; } = setting;
}

/// <summary>
/// Counts the statements a run executes and ends it at the limit. It replaces Jint's own
/// statement constraint, which keeps its count to itself: the outcome reports the count.
/// Checked at every statement (not amortised), as Jint's own statement count is. One engine
/// serves one run, so the count is never reset: Jint resets constraints again for promise
/// jobs, which would otherwise give each job a fresh allowance.
/// </summary>
internal sealed class StatementCounter(int maxStatements) : Constraint
{
    public long Count { get; private set; }

    public override bool IsAmortizable => false;

    public override void Check()
    {
        if (++Count > maxStatements)
        {
            throw new ScriptLimitException(
                $"{ScriptSandboxOptions.SectionName}:{nameof(ScriptSandboxOptions.MaxStatements)}",
                string.Create(CultureInfo.InvariantCulture, $"The script ran more than {maxStatements:N0} statements."));
        }
    }

    public override void Reset()
    {
    }
}
