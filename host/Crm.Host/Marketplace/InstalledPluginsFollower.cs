using Crm.Host.Data;
using Crm.Host.Modules;
using Crm.Host.Modules.Runtime;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Marketplace;

/// <summary>
/// Every host of a deployment follows the installs another host made while it runs: at each poll
/// (<c>Modules:StatePollInterval</c>) it reads <c>platform.plugin_installs</c> and, for a plugin it
/// has not loaded, fetches it from its feed, verifies it again as at start, and loads it with no
/// restart. Each plugin is tried once per process: one that cannot be fetched or loaded here is
/// logged and left to this host's next start. Installs on this host and this follower take turns
/// (<see cref="PluginInstallTurn"/>), so that a plugin being installed is not fetched again.
/// </summary>
public sealed class InstalledPluginsFollower(
    IServiceScopeFactory scopes,
    ModuleCatalog catalog,
    IModuleRuntime runtime,
    PluginFolders folders,
    PluginInstallTurn turn,
    ILogger<InstalledPluginsFollower> logger) : IVersionedCache
{
    private readonly HashSet<string> _tried = new(StringComparer.Ordinal);

    public string Name => "Installed plugins";

    public async Task PollAsync(CancellationToken cancellationToken)
    {
        await turn.WaitAsync(cancellationToken);
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            // One small statement: the deployment has few plugins.
            var installs = await db.PluginInstalls.AsNoTracking().Where(i => i.PendingAction == PendingPluginAction.None).ToListAsync(cancellationToken);
            foreach (var install in installs.Where(i => catalog.Find(i.ModuleId) is null && catalog.All.All(m => m.Folder != i.Folder) && _tried.Add(i.ModuleId)))
            {
                await FollowAsync(db, install, cancellationToken);
            }
        }
        finally
        {
            turn.Release();
        }
    }

    private async Task FollowAsync(PlatformDbContext db, PluginInstall install, CancellationToken cancellationToken)
    {
        try
        {
            var trusted = await db.TrustedPublishers.AsNoTracking().Where(p => p.Publisher == install.Publisher).ToDictionaryAsync(p => p.Publisher, cancellationToken);
            await PluginStartup.PlaceAsync(folders, install, install.Version, install.PackageHash, trusted, cancellationToken);
            var status = await runtime.LoadAsync(folders.PathOf(install.Folder), install.ModuleId, cancellationToken);
            logger.LogInformation("Plugin {Plugin} {Version}, installed by another host, followed here: {State} {Reason}", install.ModuleId, install.Version, status.State, status.Reason);
        }
        catch (Exception ex) when (ex is PluginRefusedException or PackageException or ModuleRuntimeRefusedException or IOException or UnauthorizedAccessException or HttpRequestException)
        {
            logger.LogError("Plugin {Plugin}, installed by another host, could not be loaded here; it is tried again at this host's next start: {Reason}", install.ModuleId, ex.Message);
        }
    }
}

/// <summary>One install at a time on a host, shared by <see cref="PluginInstaller"/> and <see cref="InstalledPluginsFollower"/>.</summary>
public sealed class PluginInstallTurn
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public Task WaitAsync(CancellationToken cancellationToken) => _turn.WaitAsync(cancellationToken);

    public void Release() => _turn.Release();
}
