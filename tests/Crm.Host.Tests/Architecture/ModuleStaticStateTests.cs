using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Crm.Host.Tests.Architecture;

/// <summary>
/// A module's code holds no state of its own in statics: a host's state lives in its services and
/// its database. Test hosts share one load of each module assembly (see SharedModuleAssemblies), and
/// a deployment may one day load a plugin into a running host; a static written by one host would be
/// read by another.
/// </summary>
public sealed class ModuleStaticStateTests
{
    private const BindingFlags Statics = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>
    /// Static collections a module may keep because every host would fill them alike: each says why.
    /// Keyed by "Type.field".
    /// </summary>
    private static readonly Dictionary<string, string> Allowed = new(StringComparer.Ordinal)
    {
        ["Crm.Modules.Duplicates.Keys.KeyTable._postgresName"] = "the key table's name read from the module's model, the same in every host",
        ["Crm.Modules.Duplicates.Keys.KeyTable._sqliteName"] = "the key table's name read from the module's model, the same in every host",
        ["Crm.Modules.Duplicates.Keys.MatchKeys.ByType"] = "keyed by the record type's definition object, which each host builds for itself",
    };

    public static TheoryData<string> ModuleAssemblies() => ModuleBoundaryTests.ModuleAssemblies();

    [Theory]
    [MemberData(nameof(ModuleAssemblies))]
    public void A_module_holds_no_mutable_static_state(string moduleName)
    {
        var assembly = ModuleInspection.Load(Path.Combine(AppContext.BaseDirectory, "modules", moduleName, moduleName + ".dll"));
        var offenders = new List<string>();
        foreach (var type in assembly.GetTypes().Where(t => !IsCompilerGenerated(t)))
        {
            foreach (var field in type.GetFields(Statics).Where(f => !f.IsLiteral))
            {
                var name = $"{type.FullName}.{field.Name}";
                if (Allowed.ContainsKey(name))
                {
                    continue;
                }

                if (!field.IsInitOnly)
                {
                    offenders.Add($"{name} is not readonly");
                }
                else if (IsMutableCollection(field.FieldType))
                {
                    offenders.Add($"{name} is a {field.FieldType.Name}, which can be changed");
                }
            }
        }

        Assert.True(offenders.Count == 0, "Static state in a module: " + string.Join("; ", offenders));
    }

    private static bool IsCompilerGenerated(Type type)
    {
        for (var current = type; current is not null; current = current.DeclaringType)
        {
            if (current.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) || current.Name.StartsWith('<'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Collections whose contents change after construction (arrays are left to review: they are
    /// the usual shape of a constant table). Immutable, frozen and read-only wrappers cannot change.
    /// </summary>
    private static bool IsMutableCollection(Type type)
    {
        if (type.IsArray || type.Namespace is "System.Collections.Immutable" or "System.Collections.Frozen" or "System.Collections.ObjectModel")
        {
            return false;
        }

        return typeof(IDictionary).IsAssignableFrom(type) || typeof(IList).IsAssignableFrom(type) || ImplementsGeneric(type, typeof(ICollection<>))
            || ImplementsGeneric(type, typeof(System.Collections.Concurrent.IProducerConsumerCollection<>));
    }

    private static bool ImplementsGeneric(Type type, Type generic) =>
        type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);
}
