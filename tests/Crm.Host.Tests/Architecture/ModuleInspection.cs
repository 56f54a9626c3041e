using System.Reflection;
using System.Runtime.Loader;

namespace Crm.Host.Tests.Architecture;

/// <summary>
/// Loads a built module's assembly for the architecture tests to look at, in a load context of its
/// own, never into the default one. <c>Assembly.LoadFrom</c> put the module, and whatever reflecting
/// on it pulled in (the Activities module's HtmlSanitizer and AngleSharp), into the default context,
/// which every module's load context asks first (the loader's <c>PreferSharedTypes</c>). A host of
/// the same test process then got HtmlSanitizer from the default context but AngleSharp, resolved
/// earlier, from the module's folder: <c>MissingMethodException: HtmlSanitizer.Sanitize(String,
/// String, AngleSharp.IMarkupFormatter)</c> in Activities, depending on which tests ran first.
/// </summary>
internal static class ModuleInspection
{
    /// <summary>The names the default context resolves by itself (the framework, the SDK, the host, the tests' own references).</summary>
    private static readonly HashSet<string> Trusted = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(Path.GetFileNameWithoutExtension)
        .OfType<string>()
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    // One context per module file for the process: a collectible one was unloaded (its finalizer) while its assembly was still read.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Assembly>> Loaded = new(StringComparer.Ordinal);

    /// <summary>The module's assembly at <paramref name="path"/>, in a context of its own (loaded once per process).</summary>
    public static Assembly Load(string path) =>
        Loaded.GetOrAdd(Path.GetFullPath(path), full => new Lazy<Assembly>(() => new InspectionContext(full).LoadFromAssemblyPath(full))).Value;

    private sealed class InspectionContext(string path) : AssemblyLoadContext($"inspecting {Path.GetFileName(path)}")
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);

        // What the default context has (the SDK and the framework) is shared, as the host's loader shares it;
        // the module's own dependencies are loaded here, from its folder.
        protected override Assembly? Load(AssemblyName assemblyName) =>
            assemblyName.Name is { } name && !Trusted.Contains(name) && _resolver.ResolveAssemblyToPath(assemblyName) is { } file
                ? LoadFromAssemblyPath(file)
                : null;
    }
}
