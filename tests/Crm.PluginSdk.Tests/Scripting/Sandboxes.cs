using Crm.PluginSdk.Scripting;
using Microsoft.Extensions.Options;

namespace Crm.PluginSdk.Tests.Scripting;

internal static class Sandboxes
{
    public static ScriptSandbox Create(Action<ScriptSandboxOptions>? configure = null, TimeProvider? clock = null)
    {
        var options = new ScriptSandboxOptions();
        configure?.Invoke(options);
        return new ScriptSandbox(Options.Create(options), clock ?? TimeProvider.System);
    }

    public static ScriptOutcome Run(this ScriptSandbox sandbox, string source) => sandbox.Run(new ScriptRun(source));

    /// <summary>The run failed on <paramref name="setting"/>'s limit, and nothing it asked for survived.</summary>
    public static void AssertLimit(ScriptOutcome outcome, string setting)
    {
        Assert.False(outcome.Succeeded, $"The run succeeded with {outcome.Result?.ToJsonString()}");
        Assert.Equal(ScriptErrorCodes.LimitExceeded, outcome.Error!.Code);
        Assert.Equal($"Scripts:{setting}", outcome.Error.Limit);
        Assert.Contains($"Scripts:{setting}", outcome.Error.Message + outcome.Error.Limit);
        Assert.Empty(outcome.Requests);
    }

    /// <summary>A run after a hostile one is unaffected: the same sandbox answers a plain script at once.</summary>
    public static void AssertNextRunIsClean(ScriptSandbox sandbox)
    {
        var next = sandbox.Run("const a = [1, 2, 3]; ({ sum: a.reduce((x, y) => x + y, 0), polluted: ({}).polluted === undefined })");
        Assert.True(next.Succeeded, next.Error?.Message);
        Assert.Equal("""{"sum":6,"polluted":true}""", next.Result!.ToJsonString());
    }
}
