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
/// load order, as the system. Hosts starting together take turns: on PostgreSQL through an
/// advisory lock held by each step's transaction, on SQLite through its one writer at a time.
/// </summary>
public sealed class ModuleDataRunner(IServiceScopeFactory scopes, ModuleCatalog catalog, ILogger<ModuleDataRunner> logger)
{
    // Any fixed number, the same on every host: the lock of "a data migration is running".
    private const long AdvisoryLockKey = 0x43524D_44415441; // "CRM DATA"

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var module in catalog.Loaded)
        {
            await RunMigrationsAsync(module, cancellationToken);
        }

        foreach (var module in catalog.Loaded)
        {
            using var scope = scopes.CreateSystemScope();
            foreach (var task in scope.ServiceProvider.GetServices<IModuleStartupTask>().Where(t => t.GetType().Assembly == module.Assembly))
            {
                await InTurnAsync(scope.ServiceProvider, async () =>
                {
                    await task.RunAsync(scope.ServiceProvider, cancellationToken);
                    return true;
                }, cancellationToken);
            }
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

    private async Task RunMigrationsAsync(LoadedModule module, CancellationToken cancellationToken)
    {
        List<string> ids;
        using (var scope = scopes.CreateSystemScope())
        {
            ids = scope.ServiceProvider.GetServices<IModuleDataMigration>().Where(m => m.GetType().Assembly == module.Assembly)
                .Select(m => m.Id).Order(StringComparer.Ordinal).ToList();
        }

        var duplicate = ids.GroupBy(id => id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null || ids.Any(id => id.Length is 0 or > 100))
        {
            throw new InvalidOperationException($"Module {module.Manifest.Id}: data migration ids must be unique and 1 to 100 characters long ({duplicate?.Key ?? "an empty or long one"}).");
        }

        foreach (var id in ids)
        {
            // A scope per step: its contexts start clean, and a failure leaves nothing tracked.
            using var scope = scopes.CreateSystemScope();
            var services = scope.ServiceProvider;
            var migration = services.GetServices<IModuleDataMigration>().Single(m => m.GetType().Assembly == module.Assembly && m.Id == id);
            var db = services.GetRequiredService<PlatformDbContext>();
            var ran = await InTurnAsync(services, async () =>
            {
                if (await db.DataMigrations.AnyAsync(r => r.ModuleId == module.Manifest.Id && r.MigrationId == id, cancellationToken))
                {
                    return false;
                }

                await migration.RunAsync(services, cancellationToken);
                db.DataMigrations.Add(new DataMigrationRun
                {
                    ModuleId = module.Manifest.Id,
                    MigrationId = id,
                    AppliedAt = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime,
                });
                await db.SaveChangesAsync(cancellationToken);
                return true;
            }, cancellationToken);
            if (ran)
            {
                logger.LogInformation("Data migration {Module}/{Migration} applied.", module.Manifest.Id, id);
            }
        }
    }
}
