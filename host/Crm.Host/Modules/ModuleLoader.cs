using System.Reflection;
using Crm.PluginSdk.Modules;
using McMaster.NETCore.Plugins;
using NuGet.Versioning;

namespace Crm.Host.Modules;

/// <summary>A module that passed every check and whose services are registered.</summary>
public sealed record LoadedModule(ModuleManifest Manifest, ICrmModule Instance, Assembly Assembly, string Directory);

/// <summary>What start-up found in the modules folder.</summary>
public sealed record ModuleCatalog(IReadOnlyList<LoadedModule> Loaded, IReadOnlyList<string> Refused);

/// <summary>
/// Loads each module from its own folder in an isolated load context (McMaster.NETCore.Plugins),
/// sharing the SDK and the framework with the host so that contracts keep one identity. It is
/// the only place that knows the plugin library. A module that cannot be loaded, targets another
/// SDK, lacks a dependency or is part of a cycle is refused with one log line; the rest load.
/// </summary>
public static class ModuleLoader
{
    /// <summary>Types whose identity must be the host's: the SDK's contracts and what they expose.</summary>
    private static readonly Type[] SharedTypes =
    [
        typeof(ICrmModule),
        typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection),
        typeof(Microsoft.EntityFrameworkCore.DbContext),
        typeof(global::GraphQL.Types.ISchema),
    ];

    public static ModuleCatalog Load(string modulesPath, ILogger logger)
    {
        var candidates = new List<LoadedModule>();
        var refused = new List<string>();
        if (!System.IO.Directory.Exists(modulesPath))
        {
            logger.LogWarning("No modules folder at {Path}; the host starts with no modules.", modulesPath);
            return new ModuleCatalog(candidates, refused);
        }

        foreach (var directory in System.IO.Directory.GetDirectories(modulesPath).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(directory);
            var assemblyPath = Path.Combine(directory, name + ".dll");
            try
            {
                if (!File.Exists(assemblyPath))
                {
                    throw new ModuleRefusedException($"{name}.dll is missing from its folder");
                }

                var loader = PluginLoader.CreateFromAssemblyFile(assemblyPath, SharedTypes, config => config.PreferSharedTypes = true);
                var assembly = loader.LoadDefaultAssembly();
                var moduleTypes = assembly.GetTypes().Where(t => typeof(ICrmModule).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }).ToList();
                if (moduleTypes.Count != 1)
                {
                    throw new ModuleRefusedException($"it must have exactly one {nameof(ICrmModule)} implementation, found {moduleTypes.Count}");
                }

                var instance = (ICrmModule)Activator.CreateInstance(moduleTypes[0])!;
                CheckManifest(instance.Manifest);
                if (candidates.Any(c => c.Manifest.Id == instance.Manifest.Id))
                {
                    throw new ModuleRefusedException($"another module already has the id '{instance.Manifest.Id}'");
                }

                candidates.Add(new LoadedModule(instance.Manifest, instance, assembly, directory));
            }
            catch (Exception ex) when (ex is ModuleRefusedException or BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TypeLoadException or MissingMethodException or InvalidCastException)
            {
                refused.Add(name);
                logger.LogError("Module {Module} refused: {Reason}", name, Reason(ex));
            }
        }

        var ordered = OrderByDependencies(candidates, refused, logger);
        return new ModuleCatalog(ordered, refused);
    }

    /// <summary>Throws <see cref="ModuleRefusedException"/> when the manifest is unusable or targets another SDK.</summary>
    internal static void CheckManifest(ModuleManifest manifest)
    {
        if (string.IsNullOrWhiteSpace(manifest.Id) || !manifest.Id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ModuleRefusedException($"its id '{manifest.Id}' must be lower-case letters, digits and underscores");
        }

        if (!NuGetVersion.TryParse(manifest.Version, out _))
        {
            throw new ModuleRefusedException($"its version '{manifest.Version}' is not a semantic version");
        }

        if (!VersionRange.TryParse(manifest.SdkVersionRange, out var range))
        {
            throw new ModuleRefusedException($"its SDK range '{manifest.SdkVersionRange}' cannot be read");
        }

        if (!range.Satisfies(NuGetVersion.Parse(CrmSdk.Version)))
        {
            throw new ModuleRefusedException($"it needs SDK {manifest.SdkVersionRange}, the host has {CrmSdk.Version}");
        }
    }

    /// <summary>Dependencies first; a module whose dependency is missing or refused is refused too.</summary>
    internal static List<LoadedModule> OrderByDependencies(List<LoadedModule> candidates, List<string> refused, ILogger logger)
    {
        var byId = candidates.ToDictionary(c => c.Manifest.Id);
        var ordered = new List<LoadedModule>();
        var state = new Dictionary<string, bool>(); // false: visiting, true: done
        var rejected = new HashSet<string>();

        bool Visit(LoadedModule module, Stack<string> path)
        {
            var id = module.Manifest.Id;
            if (rejected.Contains(id))
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
                    if (!rejected.Contains(id))
                    {
                        Reject(module, $"its dependency '{dependency}' was refused");
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

        void Reject(LoadedModule module, string reason)
        {
            rejected.Add(module.Manifest.Id);
            refused.Add(Path.GetFileName(module.Directory));
            logger.LogError("Module {Module} refused: {Reason}", module.Manifest.Id, reason);
        }

        foreach (var module in candidates.OrderBy(c => c.Manifest.Id, StringComparer.Ordinal))
        {
            Visit(module, new Stack<string>());
        }

        return ordered;
    }

    private static string Reason(Exception ex) => ex switch
    {
        ReflectionTypeLoadException load => load.LoaderExceptions.FirstOrDefault()?.Message ?? load.Message,
        _ => ex.Message,
    };

    internal sealed class ModuleRefusedException(string message) : Exception(message);
}
