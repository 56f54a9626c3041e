using Crm.Host.Data;
using Crm.Host.Modules;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Marketplace;

/// <summary>Where a module stands for an admin: the runtime's states, and a restart pending.</summary>
public enum PluginRunState
{
    Enabled,
    Disabled,
    PendingRestart,
    Failed,
    Refused,
}

/// <summary>A module as <c>marketplace { installed }</c> shows it: built in or installed from a feed, its state and what it was granted.</summary>
public sealed record InstalledPlugin(string Id, string? Version, string? Publisher, string? Name, bool BuiltIn, PluginRunState State, string? Reason,
    IReadOnlyList<PluginCapability> Capabilities, PluginInstall? Install);

/// <summary>The modules of this host joined with the deployment's install rows.</summary>
public sealed class InstalledPlugins(PlatformDbContext db, ModuleCatalog catalog)
{
    public async Task<IReadOnlyList<InstalledPlugin>> ListAsync(CancellationToken cancellationToken)
    {
        var installs = await db.PluginInstalls.AsNoTracking().OrderBy(i => i.ModuleId).ToListAsync(cancellationToken);
        var byId = installs.ToDictionary(i => i.ModuleId);
        var modules = catalog.All.Select(m => Of(m, byId.GetValueOrDefault(m.Id))).ToList();
        var pending = installs.Where(i => catalog.All.All(m => m.Id != i.ModuleId)).Select(i => Of(null, i));
        return [.. modules.Concat(pending).OrderBy(p => p.BuiltIn).ThenBy(p => p.Id, StringComparer.Ordinal)];
    }

    public InstalledPlugin Of(PluginInstall install) => Of(catalog.All.FirstOrDefault(m => m.Id == install.ModuleId), install);

    private static InstalledPlugin Of(ModuleEntry? module, PluginInstall? install)
    {
        var state = install is { PendingAction: not PendingPluginAction.None } || module is null ? PluginRunState.PendingRestart
            : module.State switch
            {
                ModuleState.Loaded => PluginRunState.Enabled,
                ModuleState.Disabled => PluginRunState.Disabled,
                ModuleState.Failed => PluginRunState.Failed,
                _ => PluginRunState.Refused,
            };
        var reason = state == PluginRunState.PendingRestart
            ? install!.PendingAction switch
            {
                PendingPluginAction.Upgrade => $"upgraded to {install.PendingVersion} at the next start",
                PendingPluginAction.Uninstall => install.PurgeData ? "uninstalled, with its data, at the next start" : "uninstalled at the next start; its data stays",
                _ => "loads at the next start",
            }
            : module!.Reason;
        var capabilities = install is not null
            ? install.Capabilities.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => Enum.TryParse<PluginCapability>(c, out var known) ? known : (PluginCapability?)null).OfType<PluginCapability>().ToArray()
            : module?.Manifest?.Capabilities.Distinct().Order().ToArray() ?? [];
        return new InstalledPlugin(module?.Id ?? install!.ModuleId, install?.Version ?? module?.Manifest?.Version, install?.Publisher ?? module?.Manifest?.Publisher,
            module?.Manifest?.Name, install is null, state, reason, capabilities, install);
    }
}
