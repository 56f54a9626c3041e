using System.Collections.Concurrent;
using Crm.PluginSdk.Entities;

namespace Crm.Host.Modules.Runtime;

/// <summary>
/// <see cref="IModuleRuntime.LoadAsync"/> on this host: a plugin folder placed under
/// <c>Modules:Path</c> after the start goes through the loader's own checks (assembly, one module
/// class, manifest, SDK range, an id no module has, dependencies found) and its record types through
/// the registrar's (no record type name, root field or GraphQL type name another module holds).
/// One that passes is <see cref="ModuleRunState.PendingRestart"/> until <see cref="PluginHotLoader"/>
/// puts it into service (or, when it cannot be loaded now, the next start loads it).
/// </summary>
public sealed class PluginFolderCheck(IConfiguration configuration, IEntityRegistry registry, ILogger<PluginFolderCheck> logger)
{
    /// <summary>The longest folder name taken (an assembly name).</summary>
    public const int MaxFolderNameLength = 200;

    /// <summary>How many checked folders are remembered until the restart (each was a plugin placed by an administrator).</summary>
    public const int MaxPending = 100;

    private readonly ConcurrentDictionary<string, ModuleStatus> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>The folders checked and waiting for the next start.</summary>
    public IReadOnlyCollection<ModuleStatus> Pending => [.. _pending.Values.OrderBy(s => s.Id, StringComparer.Ordinal)];

    public string ModulesPath => configuration["Modules:Path"] is { Length: > 0 } path
        ? Path.GetFullPath(path)
        : Path.Combine(AppContext.BaseDirectory, "modules");

    /// <summary>The folder's status, and the module read from it when it passed (<see cref="ModuleRunState.PendingRestart"/>): what a load at run time puts into service.</summary>
    public async Task<(ModuleStatus Status, ModuleEntry? Passed)> CheckAsync(string folder, ModuleCatalog catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var directory = Path.GetFullPath(Path.IsPathRooted(folder) ? folder : Path.Combine(ModulesPath, folder));
        var name = Path.GetFileName(directory);
        if (name.Length is 0 or > MaxFolderNameLength || !string.Equals(Path.GetDirectoryName(directory), ModulesPath, StringComparison.Ordinal))
        {
            throw new ModuleRuntimeRefusedException(PluginSdk.GraphQL.ErrorCodes.InvalidValue,
                $"A plugin is loaded from a folder of at most {MaxFolderNameLength} characters directly under the modules folder (Modules:Path).");
        }

        if (!Directory.Exists(directory))
        {
            throw new ModuleRuntimeRefusedException(PluginSdk.GraphQL.ErrorCodes.NotFound, $"The modules folder has no folder '{name}'.");
        }

        if (catalog.All.FirstOrDefault(m => m.Folder == name) is { } known)
        {
            return (ModuleRuntime.Status(known), null);
        }

        await _turn.WaitAsync(cancellationToken);
        try
        {
            var entry = ModuleLoader.Inspect(directory, catalog.All, logger);
            var failed = entry.State == ModuleState.Failed;
            string? refusal;
            try
            {
                refusal = entry.Reason ?? Refusal(entry, catalog);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Its record type's constructor threw, or its assembly's types could not be read.
                failed = true;
                refusal = ModuleCatalog.OneLine($"its record types could not be made: {ModuleCatalog.Describe(ex)}");
            }

            var status = ModuleRuntime.Status(entry) with
            {
                State = failed ? ModuleRunState.Failed : refusal is null ? ModuleRunState.PendingRestart : ModuleRunState.Refused,
                Reason = refusal ?? "It passed the loader's checks and is loaded at the next start.",
            };
            if (status.State == ModuleRunState.PendingRestart && _pending.Count < MaxPending)
            {
                _pending[status.Id] = status;
            }

            logger.LogInformation("Plugin folder {Folder} ({Module}): {State}: {Reason}", name, status.Id, status.State, status.Reason);
            return (status, status.State == ModuleRunState.PendingRestart ? entry : null);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>The module's folder was taken out again after it passed: it no longer waits for the next start.</summary>
    public void Forget(string moduleId) => _pending.TryRemove(moduleId, out _);

    /// <summary>What the registrar would refuse: a dependency not there, or a record type claiming what another module holds.</summary>
    private string? Refusal(ModuleEntry entry, ModuleCatalog catalog)
    {
        if (entry.Manifest!.DependsOn.FirstOrDefault(id => catalog.Find(id) is not { State: ModuleState.Loaded or ModuleState.Disabled }) is { } missing)
        {
            return $"it depends on '{missing}', which is not loaded";
        }

        if (_pending.ContainsKey(entry.Id))
        {
            return $"another folder with the module id '{entry.Id}' waits for the next start already";
        }

        var definitions = entry.Assembly!.GetExportedTypes()
            .Where(t => typeof(ICrmEntityDefinition).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false });
        foreach (var definitionType in definitions)
        {
            if (definitionType.GetConstructor(Type.EmptyTypes) is null)
            {
                return $"its record type {definitionType.Name} must have a public constructor without parameters";
            }

            var type = (ICrmEntityType)Activator.CreateInstance(definitionType)!;
            foreach (var held in registry.Types)
            {
                if (EntityRegistry.Clash(held, type) is { } what)
                {
                    var holder = catalog.OwnerOf(held.GetType().Assembly)?.Id ?? "the platform";
                    return $"its record type '{type.Name}' claims {what}, which module '{holder}' holds (record type '{held.Name}')";
                }
            }
        }

        return null;
    }
}
