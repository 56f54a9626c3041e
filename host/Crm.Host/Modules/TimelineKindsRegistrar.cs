using System.Reflection;
using Crm.PluginSdk.Timeline;

namespace Crm.Host.Modules;

/// <summary>
/// Reads each module's timeline kinds (<see cref="ITimelineKinds"/>) when the module is registered
/// and checks them against the rules and against the kinds of the modules registered before it: a
/// module whose kinds break a rule or take another module's kind or type name is refused, with the
/// reason naming what, before its kinds reach the schema or the history handler.
/// </summary>
internal sealed class TimelineKindsRegistrar
{
    private readonly Dictionary<string, string> _kinds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _typeNames = new(StringComparer.Ordinal);

    /// <summary>The module's declarations, made once and checked; refuses the module (by throwing) when they break a rule.</summary>
    public IReadOnlyList<ITimelineKinds> Read(string moduleId, Assembly assembly)
    {
        var classes = assembly.GetExportedTypes()
            .Where(t => typeof(ITimelineKinds).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false })
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();
        var declared = new List<ITimelineKinds>();
        var kinds = new List<TimelineKindDeclaration>();
        foreach (var type in classes)
        {
            if (type.GetConstructor(Type.EmptyTypes) is null)
            {
                throw new ModuleLoader.ModuleRefusedException($"its timeline kinds {type.Name} must have a public constructor without parameters (a projection reads nothing but the event)");
            }

            try
            {
                var instance = (ITimelineKinds)Activator.CreateInstance(type)!;
                kinds.AddRange(instance.Kinds ?? []);
                declared.Add(instance);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new ModuleLoader.ModuleRefusedException($"its timeline kinds {type.Name} could not be read: {ModuleCatalog.Describe(ex)}");
            }
        }

        var problems = TimelineKindRules.Problems(moduleId, kinds, _kinds, _typeNames);
        return problems.Count > 0
            ? throw new ModuleLoader.ModuleRefusedException(string.Join("; ", problems))
            : declared;
    }

    /// <summary>The module was registered: its kinds and type names are taken.</summary>
    public void Accept(string moduleId, IReadOnlyList<ITimelineKinds> declared)
    {
        foreach (var kind in declared.SelectMany(d => d.Kinds))
        {
            _kinds[kind.Kind] = moduleId;
            _typeNames[kind.GraphTypeName] = moduleId;
        }
    }
}
