namespace Crm.PluginSdk.Modules;

/// <summary>
/// Whether the module that declares a part (an automation kind, say) is in service now: an
/// administrator can disable a module at run time and enable it again. What the platform composes
/// from the modules' parts checks it, and composes again when <see cref="Version"/> moves.
/// </summary>
public interface IModuleAvailability
{
    /// <summary>Moves whenever a module leaves service or comes back.</summary>
    long Version { get; }

    /// <summary>Whether the module whose assembly declares <paramref name="partType"/> is in service; true for the platform's own parts.</summary>
    bool InService(Type partType);
}
