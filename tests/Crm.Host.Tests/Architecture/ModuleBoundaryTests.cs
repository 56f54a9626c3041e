using System.Reflection;
using System.Xml.Linq;
using Crm.Host.Tests.Infrastructure;
using NetArchTest.Rules;

namespace Crm.Host.Tests.Architecture;

/// <summary>
/// Modules are plugins: the host, the SDK and the tests never compile against one, and no module
/// compiles against another. What they share goes through the SDK.
/// </summary>
public sealed class ModuleBoundaryTests
{
    private static readonly string ModulesFolder = Path.Combine(AppContext.BaseDirectory, "modules");

    private static string[] ModuleNames() =>
        [.. Directory.GetDirectories(ModulesFolder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    public static TheoryData<string> ModuleAssemblies() => new(ModuleNames());

    [Fact]
    public void The_built_modules_are_placed_beside_the_host()
    {
        Assert.Contains("Crm.Modules.Contacts", ModuleNames());
        Assert.Contains("Crm.Modules.Companies", ModuleNames());
    }

    [Theory]
    [InlineData("Crm.Host")]
    [InlineData("Crm.PluginSdk")]
    [InlineData("Crm.Host.Tests")]
    public void Platform_assemblies_do_not_depend_on_any_module(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        Assert.DoesNotContain(assembly.GetReferencedAssemblies(), reference => reference.Name!.StartsWith("Crm.Modules.", StringComparison.Ordinal));
        var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOn("Crm.Modules").GetResult();
        Assert.True(result.IsSuccessful, "Depends on a module: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Theory]
    [MemberData(nameof(ModuleAssemblies))]
    public void A_module_depends_on_the_sdk_and_on_no_other_module(string moduleName)
    {
        var path = Path.Combine(ModulesFolder, moduleName, moduleName + ".dll");
        var assembly = ModuleInspection.Load(path);
        var references = assembly.GetReferencedAssemblies().Select(r => r.Name!).ToList();
        Assert.Contains("Crm.PluginSdk", references);
        Assert.DoesNotContain("Crm.Host", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Crm.Modules.", StringComparison.Ordinal) && r != moduleName);

        var others = ModuleNames().Where(m => m != moduleName).ToArray();
        var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny([.. others, "Crm.Host"]).GetResult();
        Assert.True(result.IsSuccessful, "Depends on another module or the host: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void Inspecting_a_module_leaves_it_and_its_dependencies_out_of_the_default_load_context()
    {
        var activities = ModuleInspection.Load(Path.Combine(ModulesFolder, "Crm.Modules.Activities", "Crm.Modules.Activities.dll"));
        // What the static-state test does: a field's type loads the assembly it is from (HtmlText's HtmlSanitizer).
        _ = activities.GetTypes().SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)).Select(f => f.FieldType).ToList();
        Assert.Contains(System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(activities)!.Assemblies, a => a.GetName().Name == "HtmlSanitizer");
        Assert.DoesNotContain(System.Runtime.Loader.AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name is "HtmlSanitizer" or "AngleSharp" or "Crm.Modules.Activities");
    }

    [Fact]
    public void No_project_outside_a_module_references_a_module_project()
    {
        var root = TestPostgres.RepositoryRoot();
        var offenders = new List<string>();
        foreach (var project in Directory.GetFiles(root, "*.csproj", SearchOption.AllDirectories).Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var projectDirectory = Path.GetDirectoryName(project)!;
            foreach (var reference in XDocument.Load(project).Descendants("ProjectReference"))
            {
                var target = Path.GetFullPath(Path.Combine(projectDirectory, reference.Attribute("Include")!.Value));
                var targetIsModule = target.StartsWith(Path.Combine(root, "modules") + Path.DirectorySeparatorChar, StringComparison.Ordinal);
                if (targetIsModule)
                {
                    offenders.Add($"{Path.GetRelativePath(root, project)} -> {Path.GetRelativePath(root, target)}");
                }
            }
        }

        Assert.Empty(offenders);
    }
}
