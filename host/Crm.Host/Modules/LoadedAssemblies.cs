using System.Collections.Concurrent;
using System.Reflection;

namespace Crm.Host.Modules;

/// <summary>
/// Where a module's assembly comes from: loaded into a load context of its own, each time. A process
/// that starts many hosts from the same built modules (the integration tests start hundreds) may share
/// one load per unchanged file instead (<see cref="ShareAcrossHosts"/>), which spares each host from
/// loading and compiling every module's code again. A host's own state never lives in a module's
/// statics (a module instance, its services and its schema parts are made per host), so sharing is
/// safe; a deployment runs one host per process and never turns it on.
/// </summary>
internal static class LoadedAssemblies
{
    private static readonly ConcurrentDictionary<(string Path, DateTime Written, long Length), Lazy<Assembly>> Shared = new();

    /// <summary>Off in the product; the test assembly turns it on before its first host starts.</summary>
    public static bool ShareAcrossHosts { get; set; }

    public static Assembly Load(string assemblyPath, Func<string, Assembly> load)
    {
        if (!ShareAcrossHosts)
        {
            return load(assemblyPath);
        }

        // The same file reached through another folder's link is the same module build.
        var file = new FileInfo(Resolve(assemblyPath));
        var key = (file.FullName, file.LastWriteTimeUtc, file.Length);
        var loaded = Shared.GetOrAdd(key, _ => new Lazy<Assembly>(() => load(file.FullName), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return loaded.Value;
        }
        catch
        {
            Shared.TryRemove(new KeyValuePair<(string, DateTime, long), Lazy<Assembly>>(key, loaded));
            throw;
        }
    }

    /// <summary>The path with every linked folder on it followed.</summary>
    private static string Resolve(string path)
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var parts = new Stack<string>();
        for (var d = directory; d is not null; d = d.Parent)
        {
            if (d.LinkTarget is not null && d.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                var resolved = target.FullName;
                while (parts.Count > 0)
                {
                    resolved = Path.Combine(resolved, parts.Pop());
                }

                return Resolve(Path.Combine(resolved, Path.GetFileName(path)));
            }

            parts.Push(d.Name);
        }

        return Path.GetFullPath(path);
    }
}
