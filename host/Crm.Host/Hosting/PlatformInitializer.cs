using Crm.Host.GraphQL;
using Crm.Host.Modules;
using Crm.Host.Security;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

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
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken);
        await apiKeys.BootstrapAsync(configuration[ApiKeyService.AdminKeyVariable], cancellationToken);
        schemas.Rebuild();
        logger.LogInformation("Modules loaded: {Modules}.", string.Join(", ", catalog.Loaded.Select(m => $"{m.Manifest.Id} {m.Manifest.Version}")));
    }

    /// <summary>Applies every pending migration, platform first, then modules in load order.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        using var scope = services.CreateScope();
        foreach (var database in databases)
        {
            var db = (ModuleDbContext)scope.ServiceProvider.GetRequiredService(database.ContextType);
            if (db.Schema != database.Schema)
            {
                throw new InvalidOperationException($"{database.ContextType.Name} says its schema is '{db.Schema}' but was registered for '{database.Schema}'.");
            }

            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                logger.LogInformation("Migrating {Schema}: {Migrations}.", database.Schema, string.Join(", ", pending));
                await db.Database.MigrateAsync(cancellationToken);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
