using Crm.Host.Data;
using Crm.Host.GraphQL;
using Crm.Host.Modules;
using Crm.Host.Security;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Crm.Host.Hosting;

/// <summary>
/// Brings the platform up before the server takes requests: migrates every module's schema
/// (and the platform's), registers the administrator's key, composes the GraphQL schema.
/// </summary>
public sealed class PlatformInitializer(
    IServiceProvider services,
    IEnumerable<ModuleDatabaseRegistration> databases,
    ApiKeyService apiKeys,
    SchemaProvider schemas,
    ModuleCatalog catalog,
    IConfiguration configuration,
    ILogger<PlatformInitializer> logger) : IHostedLifecycleService
{
    /// <summary>The administrator's key when this start generated it (a new database), to be shown once; else null.</summary>
    public string? GeneratedAdminKey { get; private set; }

    /// <summary>The phases of this start-up with their times (see <see cref="StartupPhases"/>).</summary>
    public StartupPhases Phases { get; } = new();

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        Phases.Done("services made");
        var warmUp = ModelWarmUp.StartAsync(services, databases, logger);
        await MigrateAsync(cancellationToken);
        await warmUp;
        GeneratedAdminKey = await apiKeys.BootstrapAsync(configuration[ApiKeyService.AdminKeyVariable], cancellationToken);
        Phases.Done("administrator's key");
        // The modules an administrator disabled stay out, before their handlers are made and the schema composed.
        await services.GetRequiredService<Modules.Runtime.ModuleRuntime>().SyncAsync(cancellationToken);
        Phases.Done("module states");
        // Other modules' rows naming the record types of plugins uninstalled with their data, now that every module is here to delete its own.
        await services.GetRequiredService<Marketplace.RecordTypePurgeRunner>().RunAsync(cancellationToken);
        Phases.Done("uninstalled plugins' record types purged");
        MakeEventHandlers();
        Phases.Done("event handlers");
        schemas.Rebuild();
        Phases.Done("GraphQL schema");
        logger.LogInformation("Modules loaded: {Modules}.", string.Join(", ", catalog.Loaded.Select(m => $"{m.Id} {m.Manifest!.Version}")));
    }

    /// <summary>
    /// Makes every event handler once, as event delivery will: a module whose handler cannot be
    /// made fails now (see <see cref="ModuleGuards"/>), before the schema is composed and requests
    /// come, rather than at its first event.
    /// </summary>
    private void MakeEventHandlers()
    {
        var events = services.GetRequiredService<Events.EventCatalog>();
        using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateSystemScope();
        foreach (var subscription in events.Subscriptions)
        {
            try
            {
                _ = scope.ServiceProvider.GetRequiredService(subscription.HandlerType);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && events.OwnerOf(subscription) is { } module)
            {
                catalog.Fail(module, $"its event handler {subscription.HandlerType.Name} could not be made: {ModuleCatalog.Describe(ex)}", ex, logger);
            }
        }
    }

    /// <summary>
    /// Removes the key this start generated, when the start failed before it could be shown (a busy
    /// port, say): the next start makes one and shows it. Returns false when it could not.
    /// </summary>
    public async Task<bool> ForgetGeneratedAdminKeyAsync(CancellationToken cancellationToken)
    {
        if (GeneratedAdminKey is null)
        {
            return true;
        }

        try
        {
            using var scope = services.CreateScope();
            var hash = ApiKeyService.Hash(GeneratedAdminKey);
            await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().ApiKeys.Where(k => k.KeyHash == hash).ExecuteDeleteAsync(cancellationToken);
            GeneratedAdminKey = null;
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not remove the administrator's key this failed start generated.");
            return false;
        }
    }

    /// <summary>
    /// Applies every pending schema migration, platform first, then modules in load order; then
    /// the modules' data migrations and start-up tasks (see <see cref="ModuleDataRunner"/>).
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await MigrateSchemasAsync(cancellationToken);
        using var scope = services.CreateScope();
        await Events.EventStreamSetup.EnsureAsync(scope.ServiceProvider.GetRequiredService<PlatformDbContext>(), databases, cancellationToken);
        Phases.Done("event streams");

        await services.GetRequiredService<ModuleDataRunner>().RunAsync(cancellationToken);
        Phases.Done("data migrations and start-up tasks");
    }

    /// <summary>
    /// Only the schema migrations, platform first, then modules in load order: what a new database
    /// holds before anything of the platform's own runs in it (tests copy such a database instead
    /// of migrating each of theirs).
    /// </summary>
    public async Task MigrateSchemasAsync(CancellationToken cancellationToken)
    {
        await EnsureDatabaseAsync(cancellationToken);
        Phases.Done("database reachable");
        using var scope = services.CreateScope();
        var registrations = databases.ToList();
        var upToDate = await AppliedMigrations.AllAppliedAsync(services.GetRequiredService<DatabaseOptions>(), registrations, cancellationToken);
        foreach (var database in upToDate ? [] : registrations)
        {
            await MigrateAsync(scope.ServiceProvider, database, logger, cancellationToken);
        }

        Phases.Done("schema migrations checked");
    }

    /// <summary>Applies the pending schema migrations of one module's context (at start, and for a plugin loaded at run time).</summary>
    internal static async Task MigrateAsync(IServiceProvider scope, ModuleDatabaseRegistration database, ILogger logger, CancellationToken cancellationToken)
    {
        var db = (ModuleDbContext)scope.GetRequiredService(database.ContextType);
        if (db.Schema != database.Schema)
        {
            throw new InvalidOperationException($"{database.ContextType.Name} says its schema is '{db.Schema}' but was registered for '{database.Schema}'.");
        }

        // Hosts of one deployment migrate a schema one at a time: two hosts starting on a new
        // database, or loading a plugin just installed, would otherwise both create its tables and
        // one fail ("relation already exists"). The pending migrations are read under the lock.
        await using (await DeploymentLock.AcquireAsync(scope.GetRequiredService<DatabaseOptions>(), "platform.migrations:" + database.Schema, cancellationToken))
        {
            await MigrateOneAsync(db, database, logger, cancellationToken);
        }
    }

    private static async Task MigrateOneAsync(ModuleDbContext db, ModuleDatabaseRegistration database, ILogger logger, CancellationToken cancellationToken)
    {
        // EF finds a missing history table by failing to read it, and logs that as an error:
        // on a new database every module would log one. Create it first, as EF would.
        await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            logger.LogInformation("Migrating {Schema}: {Migrations}.", database.Schema, string.Join(", ", pending));
            await db.Database.MigrateAsync(cancellationToken);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        Phases.Done("server started");
        logger.LogInformation("Start-up: {Phases}.", Phases.Describe());
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Creates the PostgreSQL database when it is missing, through the server's maintenance
    /// database, so that no step has to fail against it first. SQLite creates its file itself;
    /// it is opened once here all the same, so that a file that cannot be opened is reported in
    /// the start-up's one line rather than first logged by EF as an error of its own, and put in
    /// write-ahead-log mode (kept in the file): readers no longer block the writer, and a commit
    /// syncs the log once instead of the journal and the file (a rule's run, a few commits, went
    /// from about 4.9 to 1.4 ms of CPU and from 149 to 552 a second; README, Settings).
    /// </summary>
    private async Task EnsureDatabaseAsync(CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<DatabaseOptions>();
        if (database.Provider != DatabaseProvider.Postgres)
        {
            await using var file = new SqliteConnection(database.ConnectionString);
            await file.OpenAsync(cancellationToken);
            await using var wal = file.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode=WAL";
            // An in-memory database answers "memory": it has no log to write ahead.
            if (await wal.ExecuteScalarAsync(cancellationToken) is string mode && mode is not ("wal" or "memory"))
            {
                logger.LogWarning("The SQLite database stays in journal mode {Mode}: write-ahead logging could not be turned on (another process holds the file, or its file system has no shared memory).", mode);
            }

            return;
        }

        var target = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        if (string.IsNullOrEmpty(target.Database) || target.Database == "postgres")
        {
            return;
        }

        var maintenance = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", target.Database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            logger.LogInformation("Creating the database {Database}.", target.Database);
            var name = new NpgsqlCommandBuilder().QuoteIdentifier(target.Database);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
