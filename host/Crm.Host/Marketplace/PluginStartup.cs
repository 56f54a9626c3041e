using Crm.Host.Data;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Marketplace;

/// <summary>
/// At a host's start, before its modules load: makes the modules folder agree with the
/// deployment's installs (<c>platform.plugin_installs</c>). A pending uninstall removes the folder
/// (and, with purge, the plugin's tables and its rows in the platform's; the other modules' rows
/// naming its record types go once the modules are loaded, see <see cref="RecordTypePurgeRunner"/>), a pending upgrade fetches
/// the new version and swaps it in, an installed plugin whose folder this host lacks (or holds at
/// another version) is fetched from its feed and verified again, and a marketplace folder whose
/// install is gone (uninstalled through another host) is removed. A plugin that cannot be fetched
/// is logged and left as it is: the host starts anyway.
/// </summary>
public static class PluginStartup
{
    /// <summary>
    /// Runs while the host's services are being registered (modules load then), so synchronously.
    /// A database that cannot be reached or read is left to the start-up's own checks, which say why.
    /// </summary>
    public static void Apply(IConfiguration configuration, string modulesPath, ILogger logger)
    {
        try
        {
            ApplyAsync(Hosting.CrmApplication.ReadDatabaseOptions(configuration), modulesPath, logger, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException or Hosting.InvalidConfigurationException)
        {
            // Quietly: the start-up's own check of the database follows and says, in one line, what is wrong.
            logger.LogDebug(ex, "The marketplace's installs were not applied at start: {Reason}", ex.Message);
        }
    }

    public static async Task ApplyAsync(DatabaseOptions database, string modulesPath, ILogger logger, CancellationToken cancellationToken)
    {
        var folders = new PluginFolders(modulesPath);
        var options = new DbContextOptionsBuilder<PlatformDbContext>();
        ModuleDatabase.Configure(options, database, PlatformDbContext.SchemaName, typeof(PlatformDbContext).Assembly);
        await using var db = new PlatformDbContext(options.Options);
        db.Lease(ModuleDbContextDependencies.System);

        // A database the marketplace's migration has not reached has no installs (a first start).
        if (!(await db.Database.GetAppliedMigrationsAsync(cancellationToken)).Any(m => m.EndsWith("_AddMarketplace", StringComparison.Ordinal)))
        {
            return;
        }

        folders.ClearStaging();
        var installs = await db.PluginInstalls.ToListAsync(cancellationToken);
        var trusted = await db.TrustedPublishers.AsNoTracking().ToDictionaryAsync(p => p.Publisher, cancellationToken);
        foreach (var install in installs)
        {
            try
            {
                switch (install.PendingAction)
                {
                    case PendingPluginAction.Uninstall:
                        await UninstallAsync(db, database, folders, install, installs, logger, cancellationToken);
                        break;
                    case PendingPluginAction.Upgrade:
                        await PlaceAsync(folders, install, install.PendingVersion!, install.PendingHash!, trusted, cancellationToken);
                        install.Version = install.PendingVersion!;
                        install.PackageHash = install.PendingHash!;
                        install.PendingAction = PendingPluginAction.None;
                        install.PendingVersion = null;
                        install.PendingHash = null;
                        install.UpdatedAt = DateTime.UtcNow;
                        await SaveUnlessChangedAsync(db, cancellationToken);
                        logger.LogInformation("Plugin {Plugin} upgraded to {Version}", install.ModuleId, install.Version);
                        break;
                    default:
                        if (folders.InstalledHash(install.Folder) != install.PackageHash)
                        {
                            await PlaceAsync(folders, install, install.Version, install.PackageHash, trusted, cancellationToken);
                            logger.LogInformation("Plugin {Plugin} {Version} fetched from {Feed}", install.ModuleId, install.Version, install.Feed);
                        }

                        break;
                }
            }
            catch (Exception ex) when (ex is PluginRefusedException or PackageException or IOException or UnauthorizedAccessException or DbUpdateException)
            {
                logger.LogError("Plugin {Plugin}: its {Action} could not be applied at start: {Reason}", install.ModuleId,
                    install.PendingAction == PendingPluginAction.None ? "fetch" : install.PendingAction.ToString().ToLowerInvariant(), ex.Message);
            }
        }

        var wanted = installs.Select(i => i.Folder).ToHashSet(StringComparer.Ordinal);
        foreach (var stray in folders.MarkedFolders().Where(f => !wanted.Contains(f)).ToList())
        {
            folders.Remove(stray);
            logger.LogInformation("Plugin folder {Folder} removed: it is no longer installed", stray);
        }
    }

    /// <summary>Fetches the installed version from its feed, verifies it again and puts it in its folder, unless the folder holds it already.</summary>
    internal static async Task PlaceAsync(PluginFolders folders, PluginInstall install, string version, string hash, IReadOnlyDictionary<string, TrustedPublisher> trusted, CancellationToken cancellationToken)
    {
        if (folders.InstalledHash(install.Folder) == hash)
        {
            return; // another start got this far already
        }

        var index = await FeedReader.ReadIndexAsync(install.Feed, cancellationToken);
        var entry = index.Packages.FirstOrDefault(p => p.Id == install.ModuleId && p.Version == version && p.Hash == hash)
            ?? throw new PackageException($"the feed {install.Feed} no longer offers {install.ModuleId} {version} with the installed hash");
        var package = await PluginInstaller.FetchVerifiedAsync(new AvailablePlugin(entry, install.Feed), trusted.GetValueOrDefault(entry.Publisher), cancellationToken);
        PluginInstaller.CheckSdk(package.Manifest);
        folders.MoveIntoPlace(folders.Stage(package), install.Folder, replace: true);
    }

    private static async Task UninstallAsync(PlatformDbContext db, DatabaseOptions database, PluginFolders folders, PluginInstall install, IReadOnlyList<PluginInstall> installs, ILogger logger, CancellationToken cancellationToken)
    {
        folders.Remove(install.Folder);
        if (install.PurgeData)
        {
            await PluginDataPurge.PurgeAsync(db, database, install.ModuleId, installs.Select(i => i.ModuleId), cancellationToken);
        }

        db.PluginInstalls.Remove(install);
        await SaveUnlessChangedAsync(db, cancellationToken);
        // Disabled by the uninstall: a later install of the same id starts enabled, as any install does.
        await db.ModuleStates.Where(s => s.ModuleId == install.ModuleId).ExecuteDeleteAsync(cancellationToken);
        logger.LogInformation("Plugin {Plugin} uninstalled{Purge}", install.ModuleId, install.PurgeData ? ", its data purged" : ", its data kept");
    }

    // Hosts starting together apply the same pending action: the first one's write stands, the others' is moot.
    private static async Task SaveUnlessChangedAsync(PlatformDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
        }
    }
}
