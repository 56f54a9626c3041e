using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Crm.PluginSdk.Data;

/// <summary>
/// Migrations are engine-specific, yet a module has one DbContext and one assembly. This keeps
/// both engines' migrations in that assembly, told apart by namespace (<c>...Migrations.Sqlite</c>,
/// <c>...Migrations.Postgres</c>), and shows EF only those of the engine in use.
/// </summary>
internal sealed class EngineMigrationsAssembly : IMigrationsAssembly
{
    private readonly Type _contextType;
    private readonly string _engineNamespaceSuffix;
    private readonly Lazy<IReadOnlyDictionary<string, TypeInfo>> _migrations;
    private readonly Lazy<ModelSnapshot?> _snapshot;

    public EngineMigrationsAssembly(ICurrentDbContext currentContext, IDbContextOptions options)
    {
        _contextType = currentContext.Context.GetType();
        var relational = RelationalOptionsExtension.Extract(options);
        Assembly = relational.MigrationsAssemblyObject
            ?? (relational.MigrationsAssembly is { } name ? Assembly.Load(new AssemblyName(name)) : _contextType.Assembly);
        _engineNamespaceSuffix = currentContext.Context.Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL"
            ? ".Postgres"
            : ".Sqlite";
        _migrations = new Lazy<IReadOnlyDictionary<string, TypeInfo>>(FindMigrations);
        _snapshot = new Lazy<ModelSnapshot?>(FindSnapshot);
    }

    public IReadOnlyDictionary<string, TypeInfo> Migrations => _migrations.Value;

    public ModelSnapshot? ModelSnapshot => _snapshot.Value;

    public Assembly Assembly { get; }

    public string? FindMigrationId(string nameOrId) =>
        Migrations.Keys.FirstOrDefault(id => string.Equals(id, nameOrId, StringComparison.OrdinalIgnoreCase)
            || string.Equals(id[(id.IndexOf('_', StringComparison.Ordinal) + 1)..], nameOrId, StringComparison.OrdinalIgnoreCase));

    public Migration CreateMigration(TypeInfo migrationClass, string activeProvider)
    {
        var migration = (Migration)Activator.CreateInstance(migrationClass.AsType())!;
        migration.ActiveProvider = activeProvider;
        return migration;
    }

    private bool IsOurs(TypeInfo type) => IsOf(type, _contextType, _engineNamespaceSuffix);

    private static bool IsOf(TypeInfo type, Type contextType, string engineNamespaceSuffix) =>
        type.GetCustomAttribute<DbContextAttribute>()?.ContextType == contextType
        && (type.Namespace ?? "").EndsWith(engineNamespaceSuffix, StringComparison.Ordinal);

    private SortedList<string, TypeInfo> FindMigrations() => Find(Assembly, _contextType, _engineNamespaceSuffix);

    /// <summary>
    /// The ids of a module context's migrations for an engine, found without making the context:
    /// what the host compares with the applied ones at start-up before it pays for EF's own check.
    /// Modules keep their migrations in the context's assembly (<see cref="ModuleDatabase.AddModuleDbContext{TContext}"/>).
    /// </summary>
    public static IReadOnlyCollection<string> IdsOf(Type contextType, bool postgres) =>
        Find(contextType.Assembly, contextType, postgres ? ".Postgres" : ".Sqlite").Keys.ToList();

    private static SortedList<string, TypeInfo> Find(Assembly assembly, Type contextType, string engineNamespaceSuffix)
    {
        var result = new SortedList<string, TypeInfo>(StringComparer.Ordinal);
        foreach (var type in assembly.DefinedTypes)
        {
            if (type.IsSubclassOf(typeof(Migration)) && !type.IsAbstract && IsOf(type, contextType, engineNamespaceSuffix)
                && type.GetCustomAttribute<MigrationAttribute>() is { } attribute)
            {
                result.Add(attribute.Id, type);
            }
        }

        return result;
    }

    private ModelSnapshot? FindSnapshot()
    {
        var type = Assembly.DefinedTypes.FirstOrDefault(t => t.IsSubclassOf(typeof(ModelSnapshot)) && !t.IsAbstract && IsOurs(t));
        return type is null ? null : (ModelSnapshot)Activator.CreateInstance(type.AsType())!;
    }
}
