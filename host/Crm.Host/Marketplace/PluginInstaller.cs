using Crm.PluginSdk.Data;
using Crm.Host.Data;
using Crm.Host.Modules;
using Crm.Host.Modules.Runtime;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.GraphQL;
using Microsoft.EntityFrameworkCore;
using NuGet.Versioning;

namespace Crm.Host.Marketplace;

/// <summary>A refusal of the marketplace: a <c>UserError</c> code and its sentence.</summary>
public sealed class PluginRefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// Installs, upgrades and uninstalls marketplace plugins. An install is verified whole before
/// anything changes (the file's hash against its feed's index, the content hash and signature
/// against the publisher's trusted key, the SDK range, the dependencies and their ranges, the id
/// and folder), recorded in <c>platform.plugin_installs</c> (one row per id: of concurrent
/// installs one wins), unpacked into place atomically and then handed to the runtime, which checks
/// the folder as its loader does; a folder it refuses or fails is taken out again. An upgrade
/// or an uninstall is recorded as pending and applied by each host at its next start, before its
/// modules load (<see cref="PluginStartup"/>): a loaded assembly cannot be unloaded reliably.
/// </summary>
public sealed class PluginInstaller(
    PlatformDbContext db,
    MarketplaceFeeds feeds,
    ModuleCatalog catalog,
    PluginFolders folders,
    IModuleRuntime runtime,
    PluginInstallTurn turn,
    Crm.PluginSdk.Entities.IEntityRegistry registry,
    TimeProvider clock,
    ILogger<PluginInstaller> logger)
{
    public async Task<PluginInstall> InstallAsync(string id, string? version, long by, CancellationToken cancellationToken)
    {
        // Taken before the checks, so that this host's follower of other hosts' installs cannot fetch this one meanwhile.
        await turn.WaitAsync(cancellationToken);
        try
        {
            return await InstallInTurnAsync(id, version, by, cancellationToken);
        }
        finally
        {
            turn.Release();
        }
    }

    private async Task<PluginInstall> InstallInTurnAsync(string id, string? version, long by, CancellationToken cancellationToken)
    {
        var wanted = ParseRequest(id, version);
        if (catalog.All.FirstOrDefault(m => m.Id == id) is { } present)
        {
            throw new PluginRefusedException(MarketplaceErrors.AlreadyInstalled, $"The module '{id}' is already in this host ({present.Folder}).");
        }

        if (await db.PluginInstalls.AsNoTracking().AnyAsync(i => i.ModuleId == id, cancellationToken))
        {
            throw new PluginRefusedException(MarketplaceErrors.AlreadyInstalled, $"The plugin '{id}' is already installed; upgrade or uninstall it.");
        }

        var source = await FindAsync(id, wanted, cancellationToken);
        var package = await FetchVerifiedAsync(source, await feeds.TrustedAsync(source.Entry.Publisher, cancellationToken), cancellationToken);
        CheckSdk(package.Manifest);
        await CheckDependenciesAsync(package.Manifest, cancellationToken);
        if (Directory.Exists(folders.PathOf(package.Manifest.Assembly)) || catalog.All.Any(m => m.Folder == package.Manifest.Assembly))
        {
            throw new PluginRefusedException(MarketplaceErrors.AlreadyInstalled, $"The folder {package.Manifest.Assembly} is already in the modules folder.");
        }

        var staged = folders.Stage(package);
        var now = clock.GetUtcNow().UtcDateTime;
        var install = new PluginInstall
        {
            ModuleId = id,
            Version = package.Manifest.Version,
            PackageHash = package.FileHash,
            Publisher = package.Manifest.Publisher,
            Folder = package.Manifest.Assembly,
            Capabilities = string.Join(',', package.Manifest.Capabilities.Distinct().Order()),
            Feed = source.Feed,
            InstalledAt = now,
            InstalledBy = by,
            UpdatedAt = now,
        };
        // The row first: of concurrent installs of one id (or folder) only one gets past here (the others find a key taken, no error).
        if (!await db.InsertUnlessTakenAsync(install, [], cancellationToken))
        {
            Directory.Delete(staged, recursive: true);
            throw new PluginRefusedException(MarketplaceErrors.AlreadyInstalled, $"The plugin '{id}' (or its folder {package.Manifest.Assembly}) was installed meanwhile.");
        }

        try
        {
            folders.MoveIntoPlace(staged, install.Folder, replace: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PackageException)
        {
            await db.PluginInstalls.Where(i => i.ModuleId == id).ExecuteDeleteAsync(CancellationToken.None);
            throw new PluginRefusedException(MarketplaceErrors.PackageRefused, $"The plugin could not be put in the modules folder: {ex.Message}");
        }

        await LoadOrUndoAsync(install, cancellationToken);
        logger.LogInformation("Plugin {Plugin} {Version} of {Publisher} installed from {Feed}", id, install.Version, install.Publisher, install.Feed);
        return install;
    }

    /// <summary>
    /// Hands the folder to the runtime; when it refuses or fails it (a record type or GraphQL name
    /// another module holds, a module class it cannot make, another id than the package's), the
    /// install is undone, folder and row, and refused with the runtime's reason.
    /// </summary>
    private async Task LoadOrUndoAsync(PluginInstall install, CancellationToken cancellationToken)
    {
        string? refusal;
        ModuleStatus? status = null;
        try
        {
            status = await runtime.LoadAsync(folders.PathOf(install.Folder), install.ModuleId, cancellationToken);
            // A plugin that failed while it was put into service stays installed, FAILED with the reason (the next start tries it again);
            // one the folder check failed (its module class threw) is undone like a refused one.
            var failedInService = status.State == ModuleRunState.Failed && runtime.Modules.Any(m => m.Id == status.Id && m.State == ModuleRunState.Failed);
            refusal = status.State is ModuleRunState.Refused || (status.State is ModuleRunState.Failed && !failedInService) ? status.Reason ?? status.State.ToString()
                : status.Id != install.ModuleId ? $"its assembly states the module id '{status.Id}', not '{install.ModuleId}'"
                : null;
        }
        catch (ModuleRuntimeRefusedException ex)
        {
            refusal = ex.Message;
        }

        if (refusal is null)
        {
            return;
        }

        // A folder that passed the check under another id than the package's waits for no restart now.
        runtime.Forget(status?.Id ?? install.ModuleId);
        folders.Remove(install.Folder);
        await db.PluginInstalls.Where(i => i.ModuleId == install.ModuleId).ExecuteDeleteAsync(CancellationToken.None);
        db.ChangeTracker.Clear();
        logger.LogWarning("Plugin {Plugin} {Version} refused by the host's loader, install undone: {Reason}", install.ModuleId, install.Version, refusal);
        throw new PluginRefusedException(MarketplaceErrors.LoadRefused, $"The plugin '{install.ModuleId}' {install.Version} cannot be loaded here: {refusal.TrimEnd('.')}.");
    }

    /// <summary>Verifies the new version as an install would and records it as pending: each host applies it at its next start.</summary>
    public async Task<PluginInstall> UpgradeAsync(string id, string? version, CancellationToken cancellationToken)
    {
        var wanted = ParseRequest(id, version);
        var install = await InstalledAsync(id, cancellationToken);
        if (install.PendingAction == PendingPluginAction.Uninstall)
        {
            throw new PluginRefusedException(ErrorCodes.Conflict, $"The plugin '{id}' is uninstalled at the next start; install it again after that.");
        }

        var source = await FindAsync(id, wanted, cancellationToken);
        if (NuGetVersion.Parse(source.Entry.Version) <= NuGetVersion.Parse(install.Version))
        {
            throw new PluginRefusedException(ErrorCodes.InvalidValue, $"The plugin '{id}' is at {install.Version}; {source.Entry.Version} is not newer.");
        }

        var package = await FetchVerifiedAsync(source, await feeds.TrustedAsync(source.Entry.Publisher, cancellationToken), cancellationToken);
        CheckSdk(package.Manifest);
        await CheckDependenciesAsync(package.Manifest, cancellationToken);
        if (package.Manifest.Publisher != install.Publisher || package.Manifest.Assembly != install.Folder)
        {
            throw new PluginRefusedException(MarketplaceErrors.PackageRefused, $"{source.Entry.Version} changes the plugin's publisher or assembly; uninstall and install it instead.");
        }

        return await SetPendingAsync(install, PendingPluginAction.Upgrade, i =>
        {
            i.PendingVersion = package.Manifest.Version;
            i.PendingHash = package.FileHash;
            i.Feed = source.Feed;
            i.PurgeData = false;
        }, cancellationToken);
    }

    /// <summary>Records the uninstall as pending: at its next start a host removes the folder and, with <paramref name="purgeData"/>, the plugin's data.</summary>
    public async Task<PluginInstall> UninstallAsync(string id, bool purgeData, CancellationToken cancellationToken)
    {
        var install = await InstalledAsync(id, cancellationToken);
        var dependent = catalog.Loaded.FirstOrDefault(m => m.Manifest!.DependsOn.Contains(id));
        if (dependent is not null)
        {
            throw new PluginRefusedException(ErrorCodes.Conflict, $"The module '{dependent.Id}' depends on '{id}'; uninstall it first.");
        }

        // The plugin's record types are known only while it is loaded: recorded now, for the purge of other
        // modules' rows naming them, which runs at a start once the modules are loaded (RecordTypePurgeRunner).
        // Saved with the install's change, so that the two agree; asked again without purge, they go.
        var recorded = await db.RecordTypePurges.Where(p => p.ModuleId == id).ToListAsync(cancellationToken);
        db.RecordTypePurges.RemoveRange(recorded);
        if (purgeData)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var type in RecordTypesOf(id))
            {
                if (recorded.FirstOrDefault(r => r.RecordType == type) is { } again)
                {
                    db.Entry(again).State = EntityState.Unchanged;
                }
                else
                {
                    db.RecordTypePurges.Add(new RecordTypePurge { ModuleId = id, RecordType = type, RequestedAt = now });
                }
            }
        }

        var pending = await SetPendingAsync(install, PendingPluginAction.Uninstall, i =>
        {
            i.PendingVersion = null;
            i.PendingHash = null;
            i.PurgeData = purgeData;
        }, cancellationToken);

        // Out of service at once on every host (each polls the module states), so that none writes records
        // the next start drops; after the pending action, which refuses an enable racing with this.
        if (catalog.Find(id) is { Manifest: not null })
        {
            await runtime.DisableAsync(id, cancellationToken);
        }

        return pending;
    }

    /// <summary>
    /// The names of the record types the plugin's assembly brings (the registry keeps a disabled
    /// plugin's types); none when it is not loaded here (failed, or refused at this start).
    /// </summary>
    private List<string> RecordTypesOf(string id)
    {
        var assembly = catalog.All.FirstOrDefault(m => m.Id == id && m.Assembly is not null)?.Assembly;
        return assembly is null ? [] : [.. registry.Types.Where(t => t.RecordType.Assembly == assembly).Select(t => t.Name).Distinct().Order(StringComparer.Ordinal)];
    }

    private async Task<PluginInstall> SetPendingAsync(PluginInstall install, PendingPluginAction action, Action<PluginInstall> change, CancellationToken cancellationToken)
    {
        install.PendingAction = action;
        change(install);
        install.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            throw new PluginRefusedException(ErrorCodes.Conflict, $"The plugin '{install.ModuleId}' was changed meanwhile; look at it again.");
        }

        logger.LogInformation("Plugin {Plugin}: {Action} pending until the next start", install.ModuleId, action);
        return install;
    }

    private async Task<PluginInstall> InstalledAsync(string id, CancellationToken cancellationToken) =>
        await db.PluginInstalls.FirstOrDefaultAsync(i => i.ModuleId == id, cancellationToken)
        ?? throw new PluginRefusedException(ErrorCodes.NotFound, $"The plugin '{id}' is not installed from a feed.");

    private static NuGetVersion? ParseRequest(string id, string? version)
    {
        if (id.Length is 0 or > ModuleLoader.MaxIdLength || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new PluginRefusedException(ErrorCodes.InvalidValue, $"A plugin's id is 1 to {ModuleLoader.MaxIdLength} lower-case letters, digits and '_'.");
        }

        if (version is null)
        {
            return null;
        }

        return version.Length <= 100 && NuGetVersion.TryParse(version, out var parsed)
            ? parsed
            : throw new PluginRefusedException(ErrorCodes.InvalidValue, "'version' is not a semantic version.");
    }

    private async Task<AvailablePlugin> FindAsync(string id, NuGetVersion? version, CancellationToken cancellationToken)
    {
        var snapshot = await feeds.ReadAsync(cancellationToken);
        return snapshot.Find(id, version) ?? throw new PluginRefusedException(MarketplaceErrors.NotInFeed,
            $"No feed offers '{id}'{(version is null ? "" : $" {version}")}"
            + (snapshot.Problems.Count == 0 ? "." : $" (unreadable: {string.Join("; ", snapshot.Problems.Select(p => $"{p.Key}: {p.Value}"))})."));
    }

    /// <summary>The package of a feed entry, checked against the index, its publisher's trusted key and the entry itself.</summary>
    internal static async Task<PluginPackage> FetchVerifiedAsync(AvailablePlugin source, TrustedPublisher? trusted, CancellationToken cancellationToken)
    {
        // Before the download: an untrusted publisher's package is not even fetched.
        if (trusted is null)
        {
            throw new PluginRefusedException(MarketplaceErrors.UnknownPublisher,
                $"The publisher '{source.Entry.Publisher}' of '{source.Entry.Id}' is not trusted; an admin trusts a publisher's key with trustPublisher.");
        }

        try
        {
            var package = await FeedReader.ReadPackageAsync(source.Feed, source.Entry, cancellationToken);
            if (package.Manifest.Id != source.Entry.Id || package.Manifest.Version != source.Entry.Version || package.Manifest.Publisher != source.Entry.Publisher)
            {
                throw new PackageException($"it holds {package.Manifest.Id} {package.Manifest.Version} of '{package.Manifest.Publisher}', not what the feed's index says");
            }

            package.VerifySignature(trusted.PublicKey);
            return package;
        }
        catch (PackageException ex)
        {
            throw new PluginRefusedException(MarketplaceErrors.PackageRefused, $"The package of '{source.Entry.Id}' {source.Entry.Version} is refused: {ex.Message}.");
        }
    }

    internal static void CheckSdk(PluginPackageManifest manifest)
    {
        var host = NuGetVersion.Parse(CrmSdk.Version);
        if (!VersionRange.Parse(manifest.SdkVersionRange).Satisfies(host))
        {
            throw new PluginRefusedException(MarketplaceErrors.SdkMismatch,
                $"'{manifest.Id}' {manifest.Version} was built for SDK {manifest.SdkVersionRange}; this host's SDK is {host} (range [{host}]).");
        }
    }

    private async Task CheckDependenciesAsync(PluginPackageManifest manifest, CancellationToken cancellationToken)
    {
        var ids = manifest.Dependencies.Select(d => d.Id).ToList();
        var installed = await db.PluginInstalls.AsNoTracking().Where(i => ids.Contains(i.ModuleId) && i.PendingAction != PendingPluginAction.Uninstall)
            .ToDictionaryAsync(i => i.ModuleId, i => i.Version, cancellationToken);
        foreach (var dependency in manifest.Dependencies)
        {
            var version = catalog.Find(dependency.Id) is { State: ModuleState.Loaded, Manifest: { } loaded } ? loaded.Version : installed.GetValueOrDefault(dependency.Id);
            var range = VersionRange.Parse(dependency.Range);
            if (version is null)
            {
                throw new PluginRefusedException(MarketplaceErrors.MissingDependency, $"'{manifest.Id}' needs the module '{dependency.Id}' ({range.PrettyPrint()}), which is not in service here.");
            }

            if (!range.Satisfies(NuGetVersion.Parse(version)))
            {
                throw new PluginRefusedException(MarketplaceErrors.MissingDependency, $"'{manifest.Id}' needs '{dependency.Id}' {range.PrettyPrint()}; this host has {version}.");
            }
        }
    }
}
