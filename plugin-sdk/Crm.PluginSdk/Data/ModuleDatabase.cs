using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Data;

/// <summary>A module's DbContext as the host sees it: to migrate, to check, to drain its outbox.</summary>
public sealed record ModuleDatabaseRegistration(Type ContextType, string Schema);

public static class ModuleDatabase
{
    /// <summary>A module's migrations history: this table in its schema on PostgreSQL.</summary>
    internal const string HistoryTable = "__migrations";

    /// <summary>A module's migrations history on SQLite, which has no schemas: a prefixed table.</summary>
    internal static string SqliteHistoryTable(string schema) => $"{schema}___migrations";

    /// <summary>
    /// Registers a module's DbContext on the platform's engine, with the module's own schema,
    /// migrations history and migrations (those under <c>Migrations/Sqlite</c> or
    /// <c>Migrations/Postgres</c> in the module's assembly, by the engine in use).
    /// </summary>
    public static IServiceCollection AddModuleDbContext<TContext>(this IServiceCollection services, string schema)
        where TContext : ModuleDbContext
    {
        if (typeof(TContext).GetConstructors() is not [{ } constructor] || constructor.GetParameters() is not [{ } parameter]
            || !parameter.ParameterType.IsAssignableFrom(typeof(DbContextOptions<TContext>)))
        {
            // EF Core's pool makes contexts from their options alone; the scope is handed over per lease.
            throw new InvalidOperationException(
                $"{typeof(TContext).Name} must have exactly one public constructor, taking only DbContextOptions<{typeof(TContext).Name}>: module contexts are pooled, and each lease is given its request's dependencies.");
        }

        // The engine is read when the pool first makes a context, not now: configuration may still
        // change until the host is built. The options are made once (a singleton), without a
        // connection and with interceptors that find the scope's session through the context.
        // Contexts are pooled: making one builds EF Core's own services for it, which cost more than
        // the rest of a small read. Each scope leases one per context type and hands it the
        // scope's dependencies and shared connection; disposing the scope returns it, reset.
        services.AddPooledDbContextFactory<TContext>(
            (provider, options) => Configure(options, provider.GetRequiredService<DatabaseOptions>(), schema, typeof(TContext).Assembly, session: null, sharedConnection: true),
            ContextPoolSize);
        services.AddScoped(provider =>
        {
            var context = provider.GetRequiredService<IDbContextFactory<TContext>>().CreateDbContext();
            context.Lease(provider.GetRequiredService<ModuleDbContextDependencies>());
            return context;
        });
        services.AddSingleton(new ModuleDatabaseRegistration(typeof(TContext), schema));
        return services;
    }

    /// <summary>
    /// Contexts of one type kept for reuse: as many as requests ran at once, up to this; beyond it,
    /// a context is made and thrown away as without a pool. Bounds the memory a burst leaves behind.
    /// </summary>
    internal const int ContextPoolSize = 128;

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, DatabaseOptions database, string schema, Assembly migrationsAssembly, CrmDatabaseSession? session = null) =>
        Configure(options, database, schema, migrationsAssembly, session, sharedConnection: false);

    private static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, DatabaseOptions database, string schema, Assembly migrationsAssembly, CrmDatabaseSession? session, bool sharedConnection)
    {
        switch (database.Provider)
        {
            case DatabaseProvider.Postgres:
                void Npgsql(Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder npgsql)
                {
                    npgsql.MigrationsAssembly(migrationsAssembly);
                    npgsql.MigrationsHistoryTable(HistoryTable, schema);
                }

                if (sharedConnection)
                {
                    options.UseNpgsql(Npgsql);
                }
                else if (session is null)
                {
                    options.UseNpgsql(database.ConnectionString, Npgsql);
                }
                else
                {
                    options.UseNpgsql(session.Connection, Npgsql);
                }

                break;
            default:
                void Sqlite(Microsoft.EntityFrameworkCore.Infrastructure.SqliteDbContextOptionsBuilder sqlite)
                {
                    sqlite.MigrationsAssembly(migrationsAssembly);
                    sqlite.MigrationsHistoryTable(SqliteHistoryTable(schema));
                }

                if (sharedConnection)
                {
                    options.UseSqlite(Sqlite);
                }
                else if (session is null)
                {
                    options.UseSqlite(database.ConnectionString, Sqlite);
                }
                else
                {
                    options.UseSqlite(session.Connection, Sqlite);
                }

                break;
        }

        options.ReplaceService<IMigrationsAssembly, EngineMigrationsAssembly>();
        options.AddInterceptors(
            sharedConnection ? [SqlStatementCounter.Instance, SessionInterceptor.Instance]
            : session is null ? [SqlStatementCounter.Instance]
            : [SqlStatementCounter.Instance, session]);
        return options;
    }
}

/// <summary>
/// Lets <c>dotnet ef</c> build a module's context without the host. The engine comes from the
/// environment variable <c>CRM_EF_PROVIDER</c> (sqlite or postgres), so that
/// <c>CRM_EF_PROVIDER=postgres dotnet ef migrations add Name -o Migrations/Postgres</c> writes
/// the PostgreSQL migration beside the SQLite one.
/// </summary>
public abstract class ModuleDesignTimeFactory<TContext>(string schema) : IDesignTimeDbContextFactory<TContext>
    where TContext : ModuleDbContext
{
    public TContext CreateDbContext(string[] args)
    {
        var postgres = string.Equals(Environment.GetEnvironmentVariable("CRM_EF_PROVIDER"), "postgres", StringComparison.OrdinalIgnoreCase);
        var database = new DatabaseOptions
        {
            Provider = postgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite,
            ConnectionString = postgres ? "Host=localhost;Database=crm_design" : "Data Source=design.db",
        };
        var options = new DbContextOptionsBuilder<TContext>();
        ModuleDatabase.Configure(options, database, schema, typeof(TContext).Assembly);
        // Module contexts are made from their options alone (they are pooled); design-time tools act as the system.
        var context = (TContext)Activator.CreateInstance(typeof(TContext), options.Options)!;
        context.Lease(ModuleDbContextDependencies.System);
        return context;
    }
}
