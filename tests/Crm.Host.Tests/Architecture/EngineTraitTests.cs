using System.Reflection;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Architecture;

/// <summary>
/// Every test class that runs on a database engine says which, with <c>[Trait("Engine", ...)]</c>,
/// so that one engine's tests can be run (or left out) by filter: the engine of its class fixture,
/// or, for a class that starts hosts itself, an engine at least.
/// </summary>
public sealed class EngineTraitTests
{
    private static readonly string[] Engines = Enum.GetNames<Engine>();

    [Fact]
    public void Every_test_class_that_runs_on_an_engine_carries_its_Engine_trait()
    {
        var problems = new List<string>();
        foreach (var type in typeof(EngineTraitTests).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && HasTests(t)).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var traits = EngineTraits(type);
            var fixtureEngines = FixtureEngines(type);
            if (traits.Any(t => !Engines.Contains(t)))
            {
                problems.Add($"{type.FullName}: Engine trait '{string.Join(", ", traits)}' names no engine ({string.Join(", ", Engines)})");
            }
            else if (fixtureEngines.Count > 0 && !traits.SequenceEqual(fixtureEngines))
            {
                problems.Add($"{type.FullName}: runs on {string.Join(", ", fixtureEngines)} (its fixture) but its Engine trait says '{string.Join(", ", traits)}'");
            }
            else if (traits.Count == 0 && StartsAHost(type))
            {
                problems.Add($"{type.FullName}: starts a host itself but has no Engine trait");
            }
        }

        Assert.True(problems.Count == 0, "Test classes without their engine:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_check_sees_a_class_fixture_and_a_host_started_by_hand()
    {
        Assert.Equal(["Sqlite"], FixtureEngines(typeof(EngineTraitSampleWithoutTrait)));
        Assert.Empty(EngineTraits(typeof(EngineTraitSampleWithoutTrait)));
        Assert.True(StartsAHost(typeof(EngineTraitSampleStartingAHost)));
        Assert.False(StartsAHost(typeof(EngineTraitTests)));
    }

    private static bool HasTests(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Any(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any());

    private static List<string> EngineTraits(Type type) =>
        type.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == "Engine")
            .Select(a => (string)a.ConstructorArguments[1].Value!)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The engines of the class's fixtures (those with an <c>Engine</c>), read from fixtures made but not started.</summary>
    private static List<string> FixtureEngines(Type type) =>
        type.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IClassFixture<>))
            .Select(i => i.GetGenericArguments()[0])
            .Where(f => f.GetProperty("Engine")?.PropertyType == typeof(Engine) && f.GetConstructor(Type.EmptyTypes) is not null)
            .Select(f => f.GetProperty("Engine")!.GetValue(Activator.CreateInstance(f))!.ToString()!)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Whether code of the class (its bases in this assembly, lambdas and async methods included) calls CrmHost.StartAsync or a CrmHost constructor.</summary>
    private static bool StartsAHost(Type type)
    {
        var targets = typeof(CrmHost).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name == nameof(CrmHost.StartAsync)).Cast<MethodBase>()
            .Concat(typeof(CrmHost).GetConstructors())
            .ToHashSet();
        var types = new List<Type>();
        for (var t = type; t is not null && t.Assembly == type.Assembly; t = t.BaseType)
        {
            AddWithNested(t, types);
        }

        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        return types.SelectMany(t => t.GetMethods(all).Cast<MethodBase>().Concat(t.GetConstructors(all))).Any(m => Calls(m, targets));
    }

    private static void AddWithNested(Type type, List<Type> types)
    {
        types.Add(type);
        foreach (var nested in type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
        {
            AddWithNested(nested, types);
        }
    }

    /// <summary>Reads the method's IL for call, callvirt and newobj of one of <paramref name="targets"/>.</summary>
    private static bool Calls(MethodBase method, HashSet<MethodBase> targets)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return false;
        }

        for (var i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] is not (0x28 or 0x6F or 0x73))
            {
                continue;
            }

            try
            {
                var token = BitConverter.ToInt32(il, i + 1);
                var called = method.Module.ResolveMethod(token,
                    method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null,
                    method.IsGenericMethod ? method.GetGenericArguments() : null);
                if (called is not null && targets.Contains(called))
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is ArgumentException or BadImageFormatException)
            {
                // Not a method token: the byte was part of another instruction's operand.
            }
        }

        return false;
    }
}

// Samples for the check itself, outside it (it must not find them in its own code); they have no tests to run.
internal sealed class EngineTraitSampleWithoutTrait(SqliteHost fixture) : IClassFixture<SqliteHost>
{
    public CrmHost Host => fixture.Host;
}

internal static class EngineTraitSampleStartingAHost
{
    public static async Task RunAsync()
    {
        await using var host = await CrmHost.StartAsync(Engine.Sqlite);
    }
}
