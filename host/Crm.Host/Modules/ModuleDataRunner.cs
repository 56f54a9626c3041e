using System.Reflection;
using Crm.Host.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Modules;

/// <summary>
/// Runs what modules do to their own data at start-up, after the schema migrations: each
/// <see cref="IModuleDataMigration"/> once per database (recorded in <c>platform.data_migrations</c>
/// in the same transaction), then every <see cref="IModuleStartupTask"/>. Module by module in
/// load order, as the system. Both are found in the module's assembly and made here, so that one
/// that cannot be made, or throws, fails its own module alone (one log line, <c>modules { state }</c>).
/// Hosts starting together take turns: on PostgreSQL through an advisory lock held by each step's
/// transaction, on SQLite through its one writer at a time.
/// </summary>
public sealed class ModuleDataRunner(IServiceScopeFactory scopes, ModuleCatalog catalog, ILogger<ModuleDataRunner> logger)
{
    /// <summary>The longest id of a data migration (it is stored).</summary>
    public const int MaxIdLength = 100;

    // Any fixed number, the same on every host: the lock of "a data migration is running".
    private const long AdvisoryLockKey = 0x43524D_44415441; // "CRM DATA"

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var module in catalog.Loaded)
        {
            await GuardedAsync(module, "a data migration", () => RunMigrationsAsync(module, scopes, cancellationToken));
        }

        foreach (var module in catalog.Loaded)
        {
            await GuardedAsync(module, "a start-up task", () => RunStartupTasksAsync(module, scopes, cancellationToken));
        }
    }

    /// <summary>
    /// One plugin loaded at run time, through <paramref name="pluginScopes"/> (scopes that reach its
    /// services): its data migrations, then its start-up tasks. Throws <see cref="Runtime.PluginLoadException"/>
    /// when one throws, saying which; the module is not in the catalog yet, so nothing of it is failed here.
    /// </summary>
    public async Task RunAsync(ModuleEntry module, IServiceScopeFactory pluginScopes, CancellationToken cancellationToken)
    {
        await ThrowingAsync("a data migration", () => RunMigrationsAsync(module, pluginScopes, cancellationToken));
        await ThrowingAsync("a start-up task", () => RunStartupTasksAsync(module, pluginScopes, cancellationToken));
    }

    private static async Task ThrowingAsync(string what, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new Runtime.PluginLoadException(false, $"{what} of it failed: {ModuleCatalog.Describe(ex)}", ex);
        }
    }

    private async Task GuardedAsync(ModuleEntry module, string what, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            catalog.Fail(module, $"{what} of it failed: {ModuleCatalog.Describe(ex)}", ex, logger);
        }
    }

    private static IEnumerable<Type> Implementations<TContract>(ModuleEntry module) =>
        module.Assembly!.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(TContract).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    private static async Task RunStartupTasksAsync(ModuleEntry module, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        foreach (var type in Implementations<IModuleStartupTask>(module))
        {
            using var scope = scopes.CreateSystemScope();
            var task = (IModuleStartupTask)ActivatorUtilities.CreateInstance(scope.ServiceProvider, type);
            await InTurnAsync(scope.ServiceProvider, async () =>
            {
                await task.RunAsync(scope.ServiceProvider, cancellationToken);
                return true;
            }, cancellationToken);
        }
    }

    /// <summary>Runs <paramref name="work"/> in one transaction, one host at a time.</summary>
    private static async Task<bool> InTurnAsync(IServiceProvider services, Func<Task<bool>> work, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PlatformDbContext>();
        return await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            if (db.IsPostgres)
            {
                await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock({0})", [AdvisoryLockKey], cancellationToken);
            }

            return await work();
        }, cancellationToken: cancellationToken);
    }

    private async Task RunMigrationsAsync(ModuleEntry module, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        List<(string Id, Type Type)> steps;
        using (var scope = scopes.CreateSystemScope())
        {
            steps = Implementations<IModuleDataMigration>(module)
                .Select(t => (((IModuleDataMigration)ActivatorUtilities.CreateInstance(scope.ServiceProvider, t)).Id, t))
                .OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        }

        var duplicate = steps.GroupBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null || steps.Any(s => s.Id is null or { Length: 0 or > MaxIdLength }))
        {
            throw new InvalidOperationException($"data migration ids must be unique and 1 to {MaxIdLength} characters long ({duplicate?.Key ?? "an empty or long one"})");
        }

        foreach (var (id, type) in steps)
        {
            // A scope per step: its contexts start clean, and a failure leaves nothing tracked.
            using var scope = scopes.CreateSystemScope();
            var services = scope.ServiceProvider;
            var migration = (IModuleDataMigration)ActivatorUtilities.CreateInstance(services, type);
            var db = services.GetRequiredService<PlatformDbContext>();
            var ran = await InTurnAsync(services, async () =>
            {
                if (await db.DataMigrations.AnyAsync(r => r.ModuleId == module.Id && r.MigrationId == id, cancellationToken))
                {
                    return false;
                }

                await migration.RunAsync(services, cancellationToken);
                db.DataMigrations.Add(new DataMigrationRun
                {
                    ModuleId = module.Id,
                    MigrationId = id,
                    AppliedAt = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime,
                });
                await db.SaveChangesAsync(cancellationToken);
                return true;
            }, cancellationToken);
            if (ran)
            {
                logger.LogInformation("Data migration {Module}/{Migration} applied.", module.Id, id);
            }
        }
    }
}
