using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;

namespace Crm.Host.Modules.Runtime;

/// <summary>What <c>enablePlugin</c> and <c>disablePlugin</c> answer: the module after the change, or why not.</summary>
public sealed record ModuleStatePayload(ModuleEntry? Module, IReadOnlyList<UserError> Errors);

/// <summary><c>enablePlugin(id:)</c> and <c>disablePlugin(id:)</c>: the settings right, a bounded id, then the runtime.</summary>
internal static class ModuleStateMutation
{
    public static async Task<ModuleStatePayload> ChangeAsync(IServiceProvider services, string id, bool enable, CancellationToken cancellationToken)
    {
        var actor = services.GetRequiredService<ICurrentActor>();
        if (actor.RefuseUnlessCanConfigure(enable ? "Enabling a module" : "Disabling a module") is { } forbidden)
        {
            return new ModuleStatePayload(null, [forbidden]);
        }

        if (id.Length > ModuleLoader.MaxIdLength)
        {
            return new ModuleStatePayload(null, [UserError.At(ErrorCodes.TooLong, $"'id' is {id.Length} characters long; a module id has at most {ModuleLoader.MaxIdLength}.", "id")]);
        }

        var runtime = services.GetRequiredService<ModuleRuntime>();
        var by = actor.UserId is { } userId ? $"user:{userId}" : ModuleRuntime.SystemActor;
        try
        {
            var status = enable ? await runtime.EnableAsync(id, by, cancellationToken) : await runtime.DisableAsync(id, by, cancellationToken);
            return new ModuleStatePayload(services.GetRequiredService<ModuleCatalog>().Find(status.Id), []);
        }
        catch (ModuleRuntimeRefusedException refused)
        {
            return new ModuleStatePayload(null, [UserError.At(refused.Code, refused.Message, "id")]);
        }
    }
}
