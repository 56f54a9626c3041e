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
        // The engine is read when the context is first made, not now: configuration may still change
        // until the host is built. Every context of a scope shares the scope's connection.
        // The options are made once (a singleton): without a connection, which each context takes
        // from its scope's session when it is made (see ModuleDbContext), and with interceptors
        // that find that session through the context.
        services.AddDbContext<TContext>(
            (provider, options) => Configure(options, provider.GetRequiredService<DatabaseOptions>(), schema, typeof(TContext).Assembly, session: null, sharedConnection: true),
            ServiceLifetime.Scoped,
            ServiceLifetime.Singleton);
        services.AddSingleton(new ModuleDatabaseRegistration(typeof(TContext), schema));
        return services;
    }

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
        return (TContext)Activator.CreateInstance(typeof(TContext), options.Options, ModuleDbContextDependencies.System)!;
    }
}
