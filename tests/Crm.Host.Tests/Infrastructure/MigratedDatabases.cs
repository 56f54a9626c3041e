using Crm.Host.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// New databases with every schema migration of the platform and the built-in modules applied, copied
/// from one migrated once per test run: migrating took about 1.5 s of CPU of each host's 3 s start, and
/// the suite starts hundreds. A copy is what a new database is after its schema migrations and before
/// anything else of the platform ran in it (data migrations, start-up tasks, the administrator's key,
/// the scheduler: a host's start does those, as on a new database). Tests of migrating itself use
/// <see cref="TestPostgres.CreateDatabaseAsync"/> or a new SQLite file.
/// </summary>
public static class MigratedDatabases
{
    private static readonly Lazy<Task<string>> PostgresTemplate = new(MigratePostgresTemplateAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<Task<string>> SqliteTemplate = new(MigrateSqliteTemplateAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A new PostgreSQL database copied from the migrated one: its connection string.</summary>
    public static async Task<string> CreatePostgresAsync()
    {
        var template = await PostgresTemplate.Value;
        return await TestPostgres.CreateDatabaseAsync(template);
    }

    /// <summary>A new SQLite file in <paramref name="directory"/> copied from the migrated one: its connection string.</summary>
    public static async Task<string> CreateSqliteAsync(string directory)
    {
        var template = await SqliteTemplate.Value;
        var path = Path.Combine(directory, "crm.db");
        File.Copy(template, path);
        return $"Data Source={path}";
    }

    /// <summary>
    /// A new migrated database on <paramref name="engine"/> that outlives its hosts, for a test that
    /// restarts hosts on one database (a SQLite file's folder is deleted by the host given it, if any).
    /// </summary>
    public static async Task<string> CreateKeptAsync(Engine engine) => engine == Engine.Postgres
        ? await CreatePostgresAsync()
        : await CreateSqliteAsync(Directory.CreateTempSubdirectory("crm-test-sqlite-").FullName);

    private static async Task<string> MigratePostgresTemplateAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        // No pooled connection may stay open on a template: CREATE DATABASE ... TEMPLATE refuses one in use.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        await MigrateAsync("Postgres", unpooled);
        return new NpgsqlConnectionStringBuilder(connectionString).Database!;
    }

    private static async Task<string> MigrateSqliteTemplateAsync()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("crm-test-sqlite-template-").FullName, "crm.db");
        // Pooling off: the file is closed (and its write-ahead log folded in) once the migration is done.
        await MigrateAsync("Sqlite", $"Data Source={path};Pooling=False");
        SqliteConnection.ClearAllPools();
        return path;
    }

    private static async Task MigrateAsync(string provider, string connectionString)
    {
        await using var app = CrmApplication.Build([
            $"--Database:Provider={provider}",
            $"--ConnectionStrings:Crm={connectionString}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.Services.GetRequiredService<PlatformInitializer>().MigrateSchemasAsync(CancellationToken.None);
    }
}
