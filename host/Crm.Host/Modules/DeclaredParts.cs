using System.Collections.Immutable;
using Crm.PluginSdk.Activities;
using Crm.PluginSdk.Timeline;

namespace Crm.Host.Modules;

/// <summary>
/// The declarations of one contract that modules register by convention and the platform reads as
/// a list (<see cref="IActivityTypeDeclarations"/>, <see cref="IPlannedItems"/>, <see cref="ITimelineKinds"/>):
/// those of the modules loaded at start and those a plugin loaded at run time adds (<see cref="Add"/>).
/// An immutable snapshot swapped whole, so that readers on other threads never see a list change.
/// Readers ask for the contract's list as before (<c>GetServices&lt;T&gt;()</c>): the host answers it
/// from here (see <see cref="DeclaredPartsSetup"/>), so a module needs no change to see a plugin's.
/// A declaration whose name another holds is left out with one log line, as at start.
/// </summary>
public sealed class DeclaredParts<T>
    where T : class
{
    private readonly Func<T, IEnumerable<string>> _names;
    private readonly bool _keptWhileDisabled;
    private readonly ILogger _logger;
    private readonly Lock _adding = new();
    private readonly ModuleCatalog _modules;
    private ImmutableArray<(T Part, ModuleEntry? Owner)> _current = [];
    private View? _view;

    internal DeclaredParts(IEnumerable<T> atStart, ModuleCatalog modules, Func<T, IEnumerable<string>> names, bool keptWhileDisabled, ILogger logger)
    {
        _modules = modules;
        _names = names;
        _keptWhileDisabled = keptWhileDisabled;
        _logger = logger;
        _current = With([], atStart.Select(p => (p, modules.OwnerOf(p.GetType().Assembly))));
    }

    /// <summary>
    /// What readers get: the declarations of the platform and of modules in service; with
    /// <c>keptWhileDisabled</c> (timeline kinds: entries written before stay readable) those of a
    /// disabled module too. A failed or refused module's never.
    /// </summary>
    public IReadOnlyList<T> Current
    {
        get
        {
            // Read on hot paths (each event's timeline entries): the list is made again only when a part
            // was added or a module's state moved. The version is read first, so a list made while a state
            // changes is made again at the next read.
            var version = _modules.Version;
            var current = _current; // one reference, read whole
            if (_view is { } view && view.Version == version && view.Of == current)
            {
                return view.List;
            }

            var list = new List<T>(current.Length);
            foreach (var (part, owner) in current)
            {
                if (owner is null || owner.State == ModuleState.Loaded || (_keptWhileDisabled && owner.State == ModuleState.Disabled))
                {
                    list.Add(part);
                }
            }

            // Shared by every reader from now on: read-only.
            var shared = list.AsReadOnly();
            _view = new View(current, version, shared);
            return shared;
        }
    }

    private sealed record View(ImmutableArray<(T Part, ModuleEntry? Owner)> Of, long Version, IReadOnlyList<T> List);

    /// <summary>Adds the declarations of <paramref name="module"/>, a plugin loaded at run time; returns those taken in.</summary>
    public IReadOnlyList<T> Add(ModuleEntry module, IEnumerable<T> parts)
    {
        lock (_adding)
        {
            var before = _current;
            var after = With(before, parts.Select(p => (p, (ModuleEntry?)module)));
            ImmutableInterlocked.InterlockedExchange(ref _current, after);
            return [.. after.Skip(before.Length).Select(p => p.Part)];
        }
    }

    private ImmutableArray<(T Part, ModuleEntry? Owner)> With(ImmutableArray<(T Part, ModuleEntry? Owner)> snapshot, IEnumerable<(T Part, ModuleEntry? Owner)> parts)
    {
        var taken = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var (part, _) in snapshot)
        {
            foreach (var name in _names(part))
            {
                taken.TryAdd(name, part);
            }
        }

        var builder = snapshot.ToBuilder();
        foreach (var (part, owner) in parts)
        {
            var names = _names(part).ToList();
            if (names.FirstOrDefault(taken.ContainsKey) is { } clash)
            {
                _logger.LogError("The {Contract} {Class} of {Module} is left out: '{Name}' is declared by {Other} already.",
                    typeof(T).Name, part.GetType().FullName, owner?.Id ?? "the platform", clash, taken[clash].GetType().FullName);
                continue;
            }

            foreach (var name in names)
            {
                taken[name] = part;
            }

            builder.Add((part, owner));
        }

        return builder.ToImmutable();
    }

    /// <summary>Every declaration held, whatever its module's state (what a new one must not clash with).</summary>
    public IReadOnlyList<T> All => [.. _current.Select(p => p.Part)];
}

/// <summary>
/// Puts <see cref="DeclaredParts{T}"/> behind the lists of the contracts it holds: after the modules
/// registered their declarations, those registrations move under a key only this knows, and the
/// contract's list (<c>IEnumerable&lt;T&gt;</c>, which DI answers from an exact registration first)
/// is the catalog's current snapshot.
/// </summary>
internal static class DeclaredPartsSetup
{
    private static readonly object Key = new();

    /// <summary>The contracts held, each with the names a declaration takes and whether it stays readable while its module is disabled.</summary>
    public static void Add(IServiceCollection services)
    {
        Hold<IActivityTypeDeclarations>(services, d => d.ActivityTypes.Select(t => t.TypeId), keptWhileDisabled: false);
        Hold<IPlannedItems>(services, _ => [], keptWhileDisabled: false);
        // A disabled module's kinds stay in the schema (its entries written before are still read); its projection is not asked (DeclaredEntries).
        Hold<ITimelineKinds>(services, k => k.Kinds.SelectMany(d => new[] { "kind:" + d.Kind, "type:" + d.GraphTypeName }), keptWhileDisabled: true);
    }

    /// <summary>The contracts whose lists a plugin's container must not take from the host (it has its own, read into the catalog).</summary>
    public static bool IsHeldList(Type serviceType) =>
        serviceType == typeof(IEnumerable<IActivityTypeDeclarations>) || serviceType == typeof(IEnumerable<IPlannedItems>) || serviceType == typeof(IEnumerable<ITimelineKinds>);

    private static void Hold<T>(IServiceCollection services, Func<T, IEnumerable<string>> names, bool keptWhileDisabled)
        where T : class
    {
        for (var i = 0; i < services.Count; i++)
        {
            var d = services[i];
            if (d.ServiceType != typeof(T) || d.IsKeyedService)
            {
                continue;
            }

            services[i] = d.ImplementationInstance is { } instance ? new ServiceDescriptor(typeof(T), Key, instance)
                : d.ImplementationType is { } type ? new ServiceDescriptor(typeof(T), Key, type, d.Lifetime)
                : new ServiceDescriptor(typeof(T), Key, (sp, _) => d.ImplementationFactory!(sp), d.Lifetime);
        }

        services.AddSingleton(sp => new DeclaredParts<T>(sp.GetKeyedServices<T>(Key), sp.GetRequiredService<ModuleCatalog>(), names, keptWhileDisabled,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Crm.Host.Modules")));
        services.AddTransient<IEnumerable<T>>(sp => sp.GetRequiredService<DeclaredParts<T>>().Current);
    }
}
