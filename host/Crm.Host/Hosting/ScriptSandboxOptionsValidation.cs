using Crm.PluginSdk.Scripting;
using Microsoft.Extensions.Options;

namespace Crm.Host.Hosting;

/// <summary>Refuses the start with each <c>Scripts:*</c> setting that cannot work, named.</summary>
public sealed class ScriptSandboxOptionsValidation : IValidateOptions<ScriptSandboxOptions>
{
    public ValidateOptionsResult Validate(string? name, ScriptSandboxOptions options) =>
        options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
