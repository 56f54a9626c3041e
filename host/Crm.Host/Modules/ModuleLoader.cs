using System.Reflection;
using Crm.PluginSdk.Modules;
using McMaster.NETCore.Plugins;
using NuGet.Versioning;

namespace Crm.Host.Modules;

/// <summary>
/// Loads each module from its own folder in an isolated load context (McMaster.NETCore.Plugins),
/// sharing the SDK and the framework with the host so that contracts keep one identity. It is
/// the only place that knows the plugin library. A module that cannot be loaded, targets another
/// SDK, lacks a dependency or is part of a cycle is refused with one log line, and one whose
/// constructor or manifest throws fails with one; the rest load.
/// </summary>
public static class ModuleLoader
{
    /// <summary>
    /// The longest module id: it names the module's PostgreSQL schema (and table prefix on SQLite),
    /// and PostgreSQL cuts names at 63 bytes, which would let two long ids share one schema.
    /// </summary>
    public const int MaxIdLength = 50;

    /// <summary>The longest publisher id: with '_' and a name it still fits <see cref="MaxIdLength"/>.</summary>
    public const int MaxPublisherLength = 30;

    /// <summary>The longest display name, description and icon name a manifest may carry.</summary>
    public const int MaxNameLength = 100;

    /// <inheritdoc cref="MaxNameLength"/>
    public const int MaxDescriptionLength = 1000;

    /// <inheritdoc cref="MaxNameLength"/>
    public const int MaxIconNameLength = 100;

    /// <summary>At most every capability once, with room for duplicates a partner wrote by mistake.</summary>
    public const int MaxCapabilities = 10;

    /// <summary>Types whose identity must be the host's: the SDK's contracts and what they expose.</summary>
    private static readonly Type[] SharedTypes =
    [
        typeof(ICrmModule),
        typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection),
        typeof(Microsoft.EntityFrameworkCore.DbContext),
        typeof(global::GraphQL.Types.ISchema),
    ];

    /// <summary>
    /// Reads every folder of <paramref name="modulesPath"/>: loads its assembly, makes its module and
    /// reads its manifest, each step guarded, and orders what passed by dependencies.
    /// </summary>
    public static ModuleCatalog Load(string modulesPath, ILogger logger)
    {
        var candidates = new List<ModuleEntry>();
        var refused = new List<ModuleEntry>();
        if (!System.IO.Directory.Exists(modulesPath))
        {
            logger.LogWarning("No modules folder at {Path}; the host starts with no modules.", modulesPath);
            return new ModuleCatalog([]);
        }

        // Folders whose names start with '.' are not modules: the marketplace stages packages there.
        foreach (var directory in System.IO.Directory.GetDirectories(modulesPath).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            var entry = LoadOne(directory, candidates, out var refusal, out var fault);
            if (entry.Manifest is null || refusal is not null)
            {
                refused.Add(entry);
                Leave(entry, refusal, fault, logger);
            }
            else
            {
                candidates.Add(entry);
            }
        }

        var ordered = OrderByDependencies(candidates, logger);
        return new ModuleCatalog([.. ordered, .. candidates.Except(ordered).Concat(refused).OrderBy(m => m.Folder, StringComparer.Ordinal)]);
    }

    /// <summary>
    /// One plugin folder read as a host would load it (its assembly, its module, its manifest and the
    /// manifest's checks), alone: what <c>crm plugin pack</c> packs. Throws with the reason it would be refused.
    /// </summary>
    public static (ModuleManifest Manifest, Assembly Assembly) Inspect(string directory)
    {
        var entry = LoadOne(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar), [], out var refusal, out _);
        return refusal is null && entry.Manifest is { } manifest && entry.Assembly is { } assembly
            ? (manifest, assembly)
            : throw new InvalidOperationException($"{Path.GetFileName(directory)} would be refused: {ModuleCatalog.OneLine(refusal ?? "it has no manifest")}");
    }

    /// <summary>One folder: the entry, and why it is refused (a check) or failed (its own code threw), if it is.</summary>
    private static ModuleEntry LoadOne(string directory, IEnumerable<ModuleEntry> candidates, out string? refusal, out Exception? fault)
    {
        var name = Path.GetFileName(directory);
        var assemblyPath = Path.Combine(directory, name + ".dll");
        refusal = null;
        fault = null;
        Assembly assembly;
        Type moduleType;
        try
        {
            if (!File.Exists(assemblyPath))
            {
                throw new ModuleRefusedException($"{name}.dll is missing from its folder");
            }

            assembly = LoadedAssemblies.Load(assemblyPath, path => PluginLoader.CreateFromAssemblyFile(path, SharedTypes, config => config.PreferSharedTypes = true).LoadDefaultAssembly());
            var moduleTypes = assembly.GetTypes().Where(t => typeof(ICrmModule).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }).ToList();
            moduleType = moduleTypes.Count == 1
                ? moduleTypes[0]
                : throw new ModuleRefusedException($"it must have exactly one {nameof(ICrmModule)} implementation, found {moduleTypes.Count}");
            if (moduleType.GetConstructor(Type.EmptyTypes) is null)
            {
                throw new ModuleRefusedException($"{moduleType.Name} must have a public constructor without parameters");
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            refusal = ex is ModuleRefusedException ? ex.Message : ModuleCatalog.Describe(ex);
            return new ModuleEntry(directory);
        }

        // From here on the module's own code runs: what it throws fails it.
        ICrmModule instance;
        ModuleManifest manifest;
        try
        {
            instance = (ICrmModule)Activator.CreateInstance(moduleType)!;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            fault = ex;
            refusal = $"its constructor threw {ModuleCatalog.Describe(ex)}";
            return new ModuleEntry(directory, assembly: assembly);
        }

        try
        {
            manifest = instance.Manifest; // read once: a getter may not answer the same twice
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            fault = ex;
            refusal = $"its manifest threw {ModuleCatalog.Describe(ex)}";
            return new ModuleEntry(directory, instance: instance, assembly: assembly);
        }

        var entry = new ModuleEntry(directory, manifest, instance, assembly);
        try
        {
            CheckManifest(manifest);
            if (candidates.Any(c => c.Manifest?.Id == manifest.Id))
            {
                throw new ModuleRefusedException($"another module already has the id '{manifest.Id}'");
            }
        }
        catch (ModuleRefusedException ex)
        {
            refusal = ex.Message;
        }

        return entry;
    }

    /// <summary>
    /// One folder placed after the host started, through the same checks as at start-up (its
    /// assembly, its one module class, its manifest and SDK range, an id no module of
    /// <paramref name="known"/> has): the entry, refused or failed with the reason when it is.
    /// </summary>
    public static ModuleEntry Inspect(string directory, IEnumerable<ModuleEntry> known, ILogger logger)
    {
        var entry = LoadOne(directory, known, out var refusal, out var fault);
        if (entry.Manifest is null || refusal is not null)
        {
            Leave(entry, refusal, fault, logger);
        }

        return entry;
    }

    private static void Leave(ModuleEntry entry, string? reason, Exception? fault, ILogger logger) =>
        ModuleCatalog.Leave(entry, fault is null ? ModuleState.Refused : ModuleState.Failed, reason!, fault, logger);

    /// <summary>Throws <see cref="ModuleRefusedException"/> when the manifest is unusable or targets another SDK.</summary>
    internal static void CheckManifest(ModuleManifest? manifest, bool checkSdk = true)
    {
        if (manifest is null)
        {
            throw new ModuleRefusedException("it has no manifest");
        }

        CheckMarketplaceMembers(manifest);

        if (string.IsNullOrWhiteSpace(manifest.Id) || manifest.Id.Length > MaxIdLength || !manifest.Id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ModuleRefusedException($"its id '{manifest.Id}' must be 1 to {MaxIdLength} lower-case letters, digits and underscores");
        }

        if (manifest.DependsOn is null || manifest.DependsOn.Any(string.IsNullOrEmpty))
        {
            throw new ModuleRefusedException("its dependencies must be a list of module ids");
        }

        if (!NuGetVersion.TryParse(manifest.Version, out _))
        {
            throw new ModuleRefusedException($"its version '{manifest.Version}' is not a semantic version");
        }

        if (!VersionRange.TryParse(manifest.SdkVersionRange, out var range))
        {
            throw new ModuleRefusedException($"its SDK range '{manifest.SdkVersionRange}' cannot be read");
        }

        if (checkSdk && !range.Satisfies(NuGetVersion.Parse(CrmSdk.Version)))
        {
            throw new ModuleRefusedException($"it needs SDK {manifest.SdkVersionRange}, the host has {CrmSdk.Version}");
        }
    }

    /// <summary>
    /// The members a marketplace plugin sets: the publisher (which prefixes the id, so that two
    /// publishers' plugins never share an id, a schema or a table prefix), the display name, the
    /// capabilities and the icon, each bounded because a package's manifest is a stranger's input.
    /// </summary>
    private static void CheckMarketplaceMembers(ModuleManifest manifest)
    {
        if (manifest.Publisher is { } publisher)
        {
            if (publisher.Length is 0 or > MaxPublisherLength || !publisher.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
            {
                throw new ModuleRefusedException($"its publisher '{ModuleCatalog.OneLine(publisher)}' must be 1 to {MaxPublisherLength} lower-case letters and digits");
            }

            if (manifest.Id is null || !manifest.Id.StartsWith(publisher + "_", StringComparison.Ordinal))
            {
                throw new ModuleRefusedException($"its id '{manifest.Id}' must start with its publisher's id and '_' ('{publisher}_')");
            }
        }

        if (manifest.Name is { } name && (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength || name.Any(char.IsControl)))
        {
            throw new ModuleRefusedException($"its name must be 1 to {MaxNameLength} characters on one line");
        }

        if (manifest.Description is null || manifest.Description.Length > MaxDescriptionLength)
        {
            throw new ModuleRefusedException($"its description must be at most {MaxDescriptionLength} characters");
        }

        if (manifest.Capabilities is null || manifest.Capabilities.Count > MaxCapabilities || manifest.Capabilities.Any(c => !Enum.IsDefined(c)))
        {
            throw new ModuleRefusedException($"its capabilities must be a list of at most {MaxCapabilities} of {string.Join(", ", Enum.GetNames<PluginCapability>())}");
        }

        if (manifest.Icon is { } icon && !IsIconName(icon))
        {
            throw new ModuleRefusedException($"its icon must be a .png or .svg file name of at most {MaxIconNameLength} letters, digits, '.', '_' or '-', with no path");
        }
    }

    /// <summary>A plain file or resource name: it is looked up in the module's folder and must never leave it.</summary>
    internal static bool IsIconName(string icon) =>
        icon.Length is > 4 and <= MaxIconNameLength
        && icon.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
        && !icon.StartsWith('.')
        && (icon.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || icon.EndsWith(".svg", StringComparison.OrdinalIgnoreCase));

    /// <summary>Dependencies first; a module whose dependency is missing or refused is refused too, and so is every module of a cycle.</summary>
    internal static List<ModuleEntry> OrderByDependencies(List<ModuleEntry> candidates, ILogger logger)
    {
        var byId = candidates.ToDictionary(c => c.Manifest!.Id);
        var ordered = new List<ModuleEntry>();
        var state = new Dictionary<string, bool>(); // false: visiting, true: done

        bool Visit(ModuleEntry module, Stack<string> path)
        {
            var id = module.Manifest!.Id;
            if (module.State != ModuleState.Loaded)
            {
                return false;
            }

            if (state.TryGetValue(id, out var done))
            {
                if (done)
                {
                    return true;
                }

                Reject(module, $"its dependencies form a cycle: {string.Join(" -> ", path.Reverse())} -> {id}");
                return false;
            }

            state[id] = false;
            path.Push(id);
            foreach (var dependency in module.Manifest.DependsOn)
            {
                if (!byId.TryGetValue(dependency, out var required))
                {
                    Reject(module, $"it depends on '{dependency}', which is not loaded");
                    path.Pop();
                    return false;
                }

                if (!Visit(required, path))
                {
                    if (module.State == ModuleState.Loaded)
                    {
                        Reject(module, $"its dependency '{dependency}' {ModuleCatalog.Describe(required)}");
                    }

                    path.Pop();
                    return false;
                }
            }

            path.Pop();
            state[id] = true;
            ordered.Add(module);
            return true;
        }

        void Reject(ModuleEntry module, string reason) => ModuleCatalog.Leave(module, ModuleState.Refused, reason, null, logger);

        foreach (var module in candidates.OrderBy(c => c.Manifest!.Id, StringComparer.Ordinal))
        {
            Visit(module, new Stack<string>());
        }

        return ordered;
    }

    internal sealed class ModuleRefusedException(string message) : Exception(message);
}
