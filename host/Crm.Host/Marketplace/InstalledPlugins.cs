using Crm.Host.Data;
using Crm.Host.Modules;
using Crm.Host.Modules.Runtime;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Marketplace;

/// <summary>A module as <c>marketplace { installed }</c> shows it: built in or installed from a feed, its state and what it was granted.</summary>
public sealed record InstalledPlugin(string Id, string? Version, string? Publisher, string? Name, bool BuiltIn, ModuleRunState State, string? Reason,
    IReadOnlyList<PluginCapability> Capabilities, PluginInstall? Install)
{
    /// <summary>Where its icon is served (<c>GET /modules/{id}/icon</c>); null when this host has not loaded a manifest naming one.</summary>
    public string? IconUrl { get; init; }
}

/// <summary>The modules of this host (as its <see cref="IModuleRuntime"/> sees them) joined with the deployment's install rows.</summary>
public sealed class InstalledPlugins(PlatformDbContext db, ModuleCatalog catalog, IModuleRuntime runtime)
{
    public async Task<IReadOnlyList<InstalledPlugin>> ListAsync(CancellationToken cancellationToken)
    {
        var installs = await db.PluginInstalls.AsNoTracking().OrderBy(i => i.ModuleId).ToListAsync(cancellationToken);
        var byId = installs.ToDictionary(i => i.ModuleId);
        var statuses = runtime.Modules;
        var modules = statuses.Select(m => Of(m, byId.GetValueOrDefault(m.Id))).ToList();
        var pending = installs.Where(i => statuses.All(m => m.Id != i.ModuleId)).Select(i => Of(null, i));
        return [.. modules.Concat(pending).OrderBy(p => p.BuiltIn).ThenBy(p => p.Id, StringComparer.Ordinal)];
    }

    public InstalledPlugin Of(PluginInstall install) => Of(runtime.Modules.FirstOrDefault(m => m.Id == install.ModuleId), install);

    /// <summary>The runtime's state, unless the install row says a restart will change it.</summary>
    private InstalledPlugin Of(ModuleStatus? status, PluginInstall? install)
    {
        var restartChangesIt = install is { PendingAction: not PendingPluginAction.None } || status is null;
        var state = restartChangesIt ? ModuleRunState.PendingRestart : status!.State;
        var reason = restartChangesIt
            ? install!.PendingAction switch
            {
                PendingPluginAction.Upgrade => $"upgraded to {install.PendingVersion} at the next start",
                PendingPluginAction.Uninstall => install.PurgeData ? "out of service; uninstalled, with its data, at the next start" : "out of service; uninstalled at the next start, its data stays",
                _ => "loads at the next start",
            }
            : status!.Reason;
        var manifest = status is null ? null : catalog.Find(status.Id)?.Manifest;
        var capabilities = install is not null
            ? install.Capabilities.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => Enum.TryParse<PluginCapability>(c, out var known) ? known : (PluginCapability?)null).OfType<PluginCapability>().ToArray()
            : manifest?.Capabilities.Distinct().Order().ToArray() ?? [];
        return new InstalledPlugin(status?.Id ?? install!.ModuleId, install?.Version ?? status?.Version, install?.Publisher ?? status?.Publisher,
            manifest?.Name, install is null, state, reason, capabilities, install)
        {
            IconUrl = manifest?.Icon is null ? null : ModuleIcons.UrlOf(manifest.Id),
        };
    }
}
