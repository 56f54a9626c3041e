namespace Crm.Host.Modules.Runtime;

/// <summary>
/// Takes modules (built-in and plugins) out of service and back at run time, and loads a plugin
/// folder placed under <c>Modules:Path</c> after the host started. The wanted states live in the
/// database (<c>platform.module_states</c>), so every host of a deployment converges on them.
/// </summary>
public interface IModuleRuntime
{
    /// <summary>Every module found, built-in or not, with its state.</summary>
    IReadOnlyList<ModuleStatus> Modules { get; }

    /// <summary>
    /// Checks a plugin folder just placed under <c>Modules:Path</c> as the host's loader does and,
    /// when it passes, puts the plugin into service with no restart (see the README's "How it is
    /// built"): <see cref="ModuleRunState.Enabled"/>, or <see cref="ModuleRunState.Failed"/> with
    /// the reason when its code threw. A folder whose module is not <paramref name="expectedModuleId"/>
    /// (when given) is refused before anything of it runs.
    /// </summary>
    Task<ModuleStatus> LoadAsync(string folder, string? expectedModuleId, CancellationToken cancellationToken);

    /// <summary>A folder <see cref="LoadAsync"/> passed was taken out again (its install undone): the module no longer waits for the next start.</summary>
    void Forget(string moduleId);

    /// <summary>Brings a disabled module back; refused (<see cref="ModuleRuntimeRefusedException"/>) while a module it depends on is not in service.</summary>
    Task<ModuleStatus> EnableAsync(string moduleId, CancellationToken cancellationToken);

    /// <summary>Takes a module out of service; refused (<see cref="ModuleRuntimeRefusedException"/>) while an enabled module depends on it.</summary>
    Task<ModuleStatus> DisableAsync(string moduleId, CancellationToken cancellationToken);
}

/// <summary>A module and where it stands.</summary>
public sealed record ModuleStatus(string Id, string Version, string? Publisher, bool BuiltIn, ModuleRunState State, string? Reason, IReadOnlyList<string> DependsOn);

public enum ModuleRunState
{
    Enabled,
    Disabled,
    PendingRestart,
    Failed,
    Refused,
}

/// <summary>What was asked cannot be done (a dependent enabled, a dependency disabled, no such module); the message says why, naming the modules.</summary>
public sealed class ModuleRuntimeRefusedException(string code, string message) : Exception(message)
{
    /// <summary>The <c>UserError</c> code it answers with.</summary>
    public string Code { get; } = code;
}
