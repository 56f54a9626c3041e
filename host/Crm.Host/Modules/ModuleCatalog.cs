using System.Reflection;
using Crm.PluginSdk.Modules;

namespace Crm.Host.Modules;

/// <summary>Where a module stands (<c>modules { state }</c>).</summary>
public enum ModuleState
{
    /// <summary>In service.</summary>
    Loaded,

    /// <summary>
    /// Turned away by the host before it ran: its assembly is broken, its manifest unusable or for
    /// another SDK, a dependency is missing, refused or failed, or it claims a name another module holds.
    /// </summary>
    Refused,

    /// <summary>Its own code threw at an entry point (constructor, manifest, services, record types, schema, handlers, background services).</summary>
    Failed,

    /// <summary>
    /// Taken out of service by an administrator (or because a module it depends on was): out of the
    /// schema, its handlers, automation kinds, scheduled work and background services held, until enabled.
    /// </summary>
    Disabled,
}

/// <summary>One folder of the modules folder and what became of it.</summary>
public sealed class ModuleEntry
{
    internal ModuleEntry(string directory, ModuleManifest? manifest = null, ICrmModule? instance = null, Assembly? assembly = null)
    {
        Directory = directory;
        Manifest = manifest;
        Instance = instance;
        Assembly = assembly;
    }

    /// <summary>The folder's name, e.g. <c>Crm.Modules.Deals</c>.</summary>
    public string Folder => Path.GetFileName(Directory);

    public string Directory { get; }

    /// <summary>Null when the module was refused or failed before its manifest could be read.</summary>
    public ModuleManifest? Manifest { get; }

    public ICrmModule? Instance { get; }

    /// <summary>The module's main assembly, when it could be loaded.</summary>
    public Assembly? Assembly { get; }

    /// <summary>The manifest's id, or the folder's name when there is no manifest.</summary>
    public string Id => Manifest?.Id is { Length: > 0 } id ? id : Folder;

    public ModuleState State { get; private set; } = ModuleState.Loaded;

    /// <summary>Why the module is not in service (one line); null while it is.</summary>
    public string? Reason { get; private set; }

    internal void TakeOutOfService(ModuleState state, string reason)
    {
        Reason = reason;
        State = state;
    }

    /// <summary>Back in service after being disabled (only a disabled module comes back: a refused or failed one waits for a restart).</summary>
    internal void ReturnToService()
    {
        Reason = null;
        State = ModuleState.Loaded;
    }
}

/// <summary>
/// Every module the host found, in load order (dependencies first; those refused before they could
/// be ordered last, by folder), and its state. A module refused or failed leaves service at most
/// once, with one log line, and the modules that depend on it leave with it; a module disabled
/// (<see cref="SetEnabled"/>) leaves and comes back as often as an administrator says. What the host
/// composes from the modules in service (the GraphQL schema, the automation catalog) is composed
/// again when <see cref="Version"/> moves, and <see cref="StateChanged"/> tells the parts that run
/// (background services) when one leaves or comes back.
/// </summary>
public sealed class ModuleCatalog
{
    /// <summary>A reason is one line of at most this many characters (an exception's message may be anything).</summary>
    public const int MaxReasonLength = 1000;

    private readonly Lock _lock = new();

    private IReadOnlyList<ModuleEntry> _all;

    public ModuleCatalog(IReadOnlyList<ModuleEntry> modules) => _all = modules;

    /// <summary>Every module, in load order; a plugin loaded at run time comes last (a new list: readers keep the one they took).</summary>
    public IReadOnlyList<ModuleEntry> All => Volatile.Read(ref _all);

    /// <summary>
    /// A plugin loaded at run time, its services, migrations and record types ready: in service from
    /// now on (the schema composes again, as <see cref="Version"/> moved).
    /// </summary>
    public void Add(ModuleEntry module)
    {
        lock (_lock)
        {
            if (All.Any(m => m.Id == module.Id))
            {
                throw new InvalidOperationException($"The catalog holds a module '{module.Id}' already.");
            }

            Volatile.Write(ref _all, [.. All, module]);
            Interlocked.Increment(ref _version);
        }

        StateChanged?.Invoke(module);
    }

    /// <summary>The modules in service, in load order.</summary>
    public IReadOnlyList<ModuleEntry> Loaded => All.Where(m => m.State == ModuleState.Loaded).ToList();

    private long _version;

    /// <summary>Increases whenever a module leaves service or comes back.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>A module left service or came back (raised outside the catalog's lock, after <see cref="Version"/> moved).</summary>
    public event Action<ModuleEntry>? StateChanged;

    /// <summary>
    /// Applies the wanted states (module id to enabled; a module not named is wanted enabled) to
    /// every module loaded or disabled, in load order: one is in service when it is wanted and
    /// every module it depends on is in service. Returns the modules whose state changed. Refused
    /// and failed modules stay as they are (they come back only with a restart).
    /// </summary>
    public IReadOnlyList<ModuleEntry> SetEnabled(IReadOnlyDictionary<string, bool> wanted, ILogger logger)
    {
        var changed = new List<ModuleEntry>();
        lock (_lock)
        {
            foreach (var module in All.Where(m => m.State is ModuleState.Loaded or ModuleState.Disabled))
            {
                var reason = !wanted.GetValueOrDefault(module.Id, true) ? "disabled by an administrator"
                    : module.Manifest!.DependsOn.FirstOrDefault(id => Find(id) is not { State: ModuleState.Loaded }) is { } gone ? $"its dependency '{gone}' is not in service"
                    : null;
                if (reason is null && module.State == ModuleState.Disabled)
                {
                    module.ReturnToService();
                    logger.LogInformation("Module {Module} is back in service.", module.Id);
                    changed.Add(module);
                }
                else if (reason is not null && (module.State == ModuleState.Loaded || module.Reason != reason))
                {
                    var leaving = module.State == ModuleState.Loaded;
                    module.TakeOutOfService(ModuleState.Disabled, reason);
                    if (leaving)
                    {
                        logger.LogInformation("Module {Module} is disabled: {Reason}.", module.Id, reason);
                        changed.Add(module);
                    }
                }
            }

            if (changed.Count > 0)
            {
                Interlocked.Increment(ref _version);
            }
        }

        foreach (var module in changed)
        {
            StateChanged?.Invoke(module);
        }

        return changed;
    }

    public ModuleEntry? Find(string id) => All.FirstOrDefault(m => m.State == ModuleState.Loaded && m.Id == id) ?? All.FirstOrDefault(m => m.Id == id);

    public bool InService(ModuleEntry module) => module.State == ModuleState.Loaded;

    /// <summary>Whether the module a part (a handler, a source, a job kind) belongs to is in service; the platform's own parts always are.</summary>
    public bool InService(Type partType) => OwnerOf(partType.Assembly) is not { } module || InService(module);

    /// <summary>The module whose main assembly this is, if any.</summary>
    public ModuleEntry? OwnerOf(Assembly assembly) => All.FirstOrDefault(m => m.Assembly == assembly);

    /// <summary>The main assemblies of the modules not in service: what the schema leaves out.</summary>
    public IReadOnlySet<Assembly> AssembliesOutOfService() =>
        All.Where(m => m.State != ModuleState.Loaded && m.Assembly is not null).Select(m => m.Assembly!).ToHashSet();

    /// <summary>The host turns the module away; see <see cref="ModuleState.Refused"/>.</summary>
    public void Refuse(ModuleEntry module, string reason, ILogger logger) => TakeOut(module, ModuleState.Refused, reason, null, logger);

    /// <summary>The module's own code threw: <paramref name="fault"/> is logged with the line, for its authors.</summary>
    public void Fail(ModuleEntry module, string reason, Exception? fault, ILogger logger) => TakeOut(module, ModuleState.Failed, reason, fault, logger);

    private void TakeOut(ModuleEntry module, ModuleState state, string reason, Exception? fault, ILogger logger)
    {
        var left = new List<ModuleEntry>();
        lock (_lock)
        {
            if (module.State != ModuleState.Loaded)
            {
                return; // one line per module: a second fault of a module out of service says nothing new
            }

            Leave(module, state, reason, fault, logger);
            Interlocked.Increment(ref _version);
            left.Add(module);
            // Those that depend on it, directly or not, leave with it (load order puts them after it).
            foreach (var dependent in All.SkipWhile(m => m != module).Skip(1))
            {
                if (dependent.State == ModuleState.Loaded && dependent.Manifest!.DependsOn.FirstOrDefault(id => Find(id) is not { State: ModuleState.Loaded }) is { } gone)
                {
                    Leave(dependent, ModuleState.Refused, $"its dependency '{gone}' {Describe(Find(gone)!)}", null, logger);
                    left.Add(dependent);
                }
            }
        }

        foreach (var gone in left)
        {
            StateChanged?.Invoke(gone);
        }
    }

    internal static void Leave(ModuleEntry module, ModuleState state, string reason, Exception? fault, ILogger logger)
    {
        module.TakeOutOfService(state, OneLine(reason));
        if (state == ModuleState.Failed)
        {
            logger.LogError(fault, "Module {Module} failed: {Reason}", module.Id, module.Reason);
        }
        else
        {
            logger.LogError("Module {Module} refused: {Reason}", module.Id, module.Reason);
        }
    }

    /// <summary>"was refused" or "failed", for the reasons of its dependents.</summary>
    internal static string Describe(ModuleEntry module) => module.State == ModuleState.Failed ? "failed" : "was refused";

    /// <summary>One line, bounded: what <c>modules { reason }</c> shows and the log line says.</summary>
    internal static string OneLine(string text)
    {
        var line = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= MaxReasonLength ? line : line[..(MaxReasonLength - 1)] + "…";
    }

    /// <summary>An exception as a reason: its type and message, through the wrappers reflection adds.</summary>
    internal static string Describe(Exception exception)
    {
        while (exception is TargetInvocationException { InnerException: { } inner })
        {
            exception = inner;
        }

        return exception is ReflectionTypeLoadException load
            ? load.LoaderExceptions.FirstOrDefault()?.Message ?? load.Message
            : $"{exception.GetType().Name}: {exception.Message}";
    }
}
