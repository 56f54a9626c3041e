using System.Reflection;
using System.Text.RegularExpressions;
using Crm.PluginSdk.Scheduling;

namespace Crm.Host.Scheduling;

/// <summary>A module's scheduled work handler: its full name (<c>moduleId/name</c>), its module and its class.</summary>
public sealed record ScheduledWorkHandlerRegistration(string ModuleId, string Name, Type HandlerType);

/// <summary>
/// The scheduled work handlers of every module, by full name: those registered at start, and those a
/// plugin loaded at run time adds (<see cref="Add"/>). An immutable map swapped whole, so that the
/// scheduler's threads never see it change under them.
/// </summary>
public sealed partial class ScheduledWorkHandlers
{
    private readonly ILogger<ScheduledWorkHandlers>? _logger;
    private readonly Lock _adding = new();
    private System.Collections.Immutable.ImmutableDictionary<string, ScheduledWorkHandlerRegistration> _byName;

    public ScheduledWorkHandlers(IEnumerable<ScheduledWorkHandlerRegistration> registrations, ILogger<ScheduledWorkHandlers>? logger = null)
    {
        _logger = logger;
        var byName = System.Collections.Immutable.ImmutableDictionary.CreateBuilder<string, ScheduledWorkHandlerRegistration>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            // Two registrations of one name cannot come from conventions (a module refuses itself first); the later wins, as in DI.
            byName[registration.Name] = registration;
        }

        _byName = byName.ToImmutable();
    }

    public ScheduledWorkHandlerRegistration? Find(string name) => Volatile.Read(ref _byName).GetValueOrDefault(name);

    /// <summary>Adds the handlers of a plugin loaded at run time; one whose name is taken is left out with one log line.</summary>
    public void Add(IEnumerable<ScheduledWorkHandlerRegistration> registrations)
    {
        lock (_adding)
        {
            var byName = _byName.ToBuilder();
            foreach (var registration in registrations)
            {
                if (!byName.TryAdd(registration.Name, registration))
                {
                    _logger?.LogError("The scheduled work handler {Class} is left out: {Other} has the name '{Name}'.",
                        registration.HandlerType.FullName, byName[registration.Name].HandlerType.FullName, registration.Name);
                }
            }

            Volatile.Write(ref _byName, byName.ToImmutable());
        }
    }

    /// <summary>
    /// Registers every <see cref="IScheduledWorkHandler"/> class of a module under <c>moduleId/name</c>, the
    /// name from its <see cref="ScheduledWorkHandlerAttribute"/>. The attribute is required: scheduled work
    /// is stored under the handler's name, which must outlive a renamed class.
    /// </summary>
    public static void Register(IServiceCollection services, string moduleId, Assembly assembly)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } && typeof(IScheduledWorkHandler).IsAssignableFrom(t)))
        {
            var name = type.GetCustomAttribute<ScheduledWorkHandlerAttribute>()?.Name
                ?? throw new Modules.ModuleLoader.ModuleRefusedException($"its scheduled work handler {type.Name} has no [ScheduledWorkHandler(\"name\")]: work is stored under that name");
            if (!IsValidName(name))
            {
                throw new Modules.ModuleLoader.ModuleRefusedException($"its scheduled work handler {type.Name} is named '{name}': use letters, digits and . _ - : (at most 100)");
            }

            if (!seen.Add(name))
            {
                throw new Modules.ModuleLoader.ModuleRefusedException($"two of its scheduled work handlers are named '{name}'");
            }

            services.AddScoped(type);
            services.AddSingleton(new ScheduledWorkHandlerRegistration(moduleId, moduleId + "/" + name, type));
        }
    }

    public static bool IsValidName(string name) => name.Length is > 0 and <= 100 && NamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9._:-]+$")]
    private static partial Regex NamePattern();
}
