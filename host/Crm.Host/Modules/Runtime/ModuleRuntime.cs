using Crm.Host.Data;
using Crm.Host.Events;
using Crm.Host.GraphQL;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Modules.Runtime;

/// <summary>
/// Disables and enables modules at run time. The wanted state is written to
/// <c>platform.module_states</c> in a transaction that holds the table (so the dependency checks
/// see every host's changes), then this host applies what the table says; the other hosts apply it
/// at their next poll (<c>Modules:StatePollInterval</c>, 1 s). Applying takes the modules out of
/// the catalog's service or brings them back, which swaps the schema, filters the automation
/// catalog, holds or releases event deliveries and stops or starts background services.
/// Changes on one host are made one at a time, so the catalog always ends as the table's last
/// committed state.
/// </summary>
public sealed class ModuleRuntime(
    IServiceProvider rootServices,
    ModuleCatalog catalog,
    PluginFolderCheck folderCheck,
    PluginHotLoader hotLoader,
    TimeProvider clock,
    ILogger<ModuleRuntime> logger) : IModuleRuntime, IModuleAvailability, IVersionedCache
{
    /// <summary>Who a change is recorded as when no user is named.</summary>
    public const string SystemActor = "system";

    private readonly SemaphoreSlim _turn = new(1, 1);

    string IVersionedCache.Name => "Module states";

    Task IVersionedCache.PollAsync(CancellationToken cancellationToken) => SyncAsync(cancellationToken);

    long IModuleAvailability.Version => catalog.Version;

    bool IModuleAvailability.InService(Type partType) => catalog.InService(partType);

    public IReadOnlyList<ModuleStatus> Modules =>
        [.. catalog.All.Select(Status), .. folderCheck.Pending.Where(p => catalog.Find(p.Id) is null)];

    /// <summary>
    /// Checks the folder and, when it passes, loads the plugin with no restart (<see cref="PluginHotLoader"/>),
    /// then applies the wanted states to it (a plugin disabled before it was uninstalled and installed again stays disabled).
    /// One load at a time, so that two calls for one folder load it once.
    /// </summary>
    public async Task<ModuleStatus> LoadAsync(string folder, string? expectedModuleId, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            var (status, passed) = await folderCheck.CheckAsync(folder, catalog, cancellationToken);
            if (passed is null)
            {
                return status;
            }

            folderCheck.Forget(passed.Id);
            if (expectedModuleId is not null && passed.Id != expectedModuleId)
            {
                return status with { State = ModuleRunState.Refused, Reason = $"its assembly states the module id '{passed.Id}', not '{expectedModuleId}'" };
            }

            var (_, refusal) = await hotLoader.LoadAsync(passed, cancellationToken);
            if (refusal is not null)
            {
                return status with { State = ModuleRunState.Refused, Reason = refusal };
            }

            using var scope = rootServices.CreateScope();
            var platform = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            await ApplyAsync(await platform.ModuleStates.AsNoTracking().ToDictionaryAsync(r => r.ModuleId, r => r.Enabled, cancellationToken), platform);
            return Status(passed);
        }
        finally
        {
            _turn.Release();
        }
    }

    public void Forget(string moduleId) => folderCheck.Forget(moduleId);

    public Task<ModuleStatus> EnableAsync(string moduleId, CancellationToken cancellationToken) => ChangeAsync(moduleId, true, SystemActor, cancellationToken);

    public Task<ModuleStatus> DisableAsync(string moduleId, CancellationToken cancellationToken) => ChangeAsync(moduleId, false, SystemActor, cancellationToken);

    /// <summary><see cref="EnableAsync(string, CancellationToken)"/>, recorded as done by <paramref name="changedBy"/> (<c>user:42</c>).</summary>
    public Task<ModuleStatus> EnableAsync(string moduleId, string changedBy, CancellationToken cancellationToken) => ChangeAsync(moduleId, true, changedBy, cancellationToken);

    /// <summary><see cref="DisableAsync(string, CancellationToken)"/>, recorded as done by <paramref name="changedBy"/> (<c>user:42</c>).</summary>
    public Task<ModuleStatus> DisableAsync(string moduleId, string changedBy, CancellationToken cancellationToken) => ChangeAsync(moduleId, false, changedBy, cancellationToken);

    /// <summary>Reads the wanted states and applies them: at start-up (before the schema is composed) and at every poll.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            using var scope = rootServices.CreateScope();
            var platform = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            var wanted = await platform.ModuleStates.AsNoTracking().ToDictionaryAsync(r => r.ModuleId, r => r.Enabled, cancellationToken);
            await ApplyAsync(wanted, platform);
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task<ModuleStatus> ChangeAsync(string moduleId, bool enable, string changedBy, CancellationToken cancellationToken)
    {
        var module = catalog.Find(moduleId)
            ?? throw new ModuleRuntimeRefusedException(ErrorCodes.NotFound, $"No module has the id '{Shorten(moduleId)}'.");
        if (module.Manifest is null)
        {
            throw new ModuleRuntimeRefusedException(ErrorCodes.Conflict, $"Module '{module.Id}' has no manifest the host could read: {module.Reason}");
        }

        await _turn.WaitAsync(cancellationToken);
        try
        {
            using var scope = rootServices.CreateScope();
            var platform = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            var session = scope.ServiceProvider.GetRequiredService<CrmDatabaseSession>();
            var wanted = await session.InTransactionAsync(async () =>
            {
                if (platform.IsPostgres)
                {
                    // Self-exclusive, readers pass: two hosts' checks cannot both pass on the same picture.
                    // (On SQLite the transaction began IMMEDIATE: writers take turns already.)
                    await platform.Database.ExecuteSqlRawAsync("LOCK TABLE platform.module_states IN SHARE ROW EXCLUSIVE MODE", cancellationToken);
                }

                if (enable && await platform.PluginInstalls.AnyAsync(i => i.ModuleId == module.Id && i.PendingAction == Marketplace.PendingPluginAction.Uninstall, cancellationToken))
                {
                    throw new ModuleRuntimeRefusedException(ErrorCodes.Conflict, $"Module '{module.Id}' is uninstalled at the next start and cannot be enabled before that; install it again after.");
                }

                var rows = await platform.ModuleStates.ToDictionaryAsync(r => r.ModuleId, cancellationToken);
                var states = rows.ToDictionary(r => r.Key, r => r.Value.Enabled);
                if ((enable ? RefusalToEnable(module, states) : RefusalToDisable(module, states)) is { } refusal)
                {
                    throw new ModuleRuntimeRefusedException(ErrorCodes.Conflict, refusal);
                }

                if (!rows.TryGetValue(module.Id, out var row))
                {
                    row = new ModuleStateRow { ModuleId = module.Id };
                    platform.ModuleStates.Add(row);
                }

                row.Enabled = enable;
                row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
                row.UpdatedBy = changedBy.Length <= ModuleStateRow.MaxUpdatedByLength ? changedBy : changedBy[..ModuleStateRow.MaxUpdatedByLength];
                await platform.SaveChangesAsync(cancellationToken);
                states[module.Id] = enable;
                return states;
            }, cancellationToken: cancellationToken);
            logger.LogInformation("Module {Module} {Change} by {Actor}.", module.Id, enable ? "enabled" : "disabled", changedBy);
            await ApplyAsync(wanted, platform);
            return Status(module);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Why the module cannot be disabled (an enabled module depends on it), naming the dependent; null when it can.</summary>
    private string? RefusalToDisable(ModuleEntry module, Dictionary<string, bool> wanted) =>
        catalog.All.FirstOrDefault(m => m.State is ModuleState.Loaded or ModuleState.Disabled
                && wanted.GetValueOrDefault(m.Id, true) && m.Manifest!.DependsOn.Contains(module.Id)) is { } dependent
            ? $"Module '{module.Id}' cannot be disabled: module '{dependent.Id}' depends on it and is enabled (disable '{dependent.Id}' first)."
            : null;

    /// <summary>Why the module cannot be enabled (a module it depends on is disabled or out of service), naming it; null when it can.</summary>
    private string? RefusalToEnable(ModuleEntry module, Dictionary<string, bool> wanted)
    {
        foreach (var id in module.Manifest!.DependsOn)
        {
            var dependency = catalog.Find(id);
            if (dependency is null || dependency.State is ModuleState.Refused or ModuleState.Failed)
            {
                return $"Module '{module.Id}' cannot be enabled: it depends on module '{id}', which is {(dependency is null ? "not there" : ModuleCatalog.Describe(dependency) == "failed" ? "failed" : "refused")}.";
            }

            if (!wanted.GetValueOrDefault(id, true))
            {
                return $"Module '{module.Id}' cannot be enabled: it depends on module '{id}', which is disabled (enable '{id}' first).";
            }
        }

        return null;
    }

    /// <summary>
    /// Brings the catalog to <paramref name="wanted"/>; for each module back in service releases its
    /// held event deliveries, and swaps the schema before returning (an enable answers once the
    /// schema shows it).
    /// </summary>
    private async Task ApplyAsync(IReadOnlyDictionary<string, bool> wanted, PlatformDbContext platform)
    {
        var changed = catalog.SetEnabled(wanted, logger);
        if (changed.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var back in changed.Where(catalog.InService))
        {
            var prefix = EventCatalog.HandlerPrefix(back.Id);
            await platform.EventDeliveries
                .Where(d => d.Handler.StartsWith(prefix) && d.State != EventDeliveryState.Parked && d.NextAttemptAt > now)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, now), CancellationToken.None);
        }

        if (changed.Any(catalog.InService))
        {
            rootServices.GetService<OutboxWakeUp>()?.WakeAll();
        }

        if (rootServices.GetService<SchemaProvider>() is { } schemas && schemas.Version > 0)
        {
            _ = schemas.Current; // composed now, not by the next request
        }
    }

    /// <summary>A module as <see cref="IModuleRuntime.Modules"/> shows it.</summary>
    public static ModuleStatus Status(ModuleEntry module) => new(
        module.Id,
        module.Manifest?.Version ?? "",
        module.Manifest?.Publisher,
        IsBuiltIn(module),
        module.State switch
        {
            ModuleState.Loaded => ModuleRunState.Enabled,
            ModuleState.Disabled => ModuleRunState.Disabled,
            ModuleState.Failed => ModuleRunState.Failed,
            _ => ModuleRunState.Refused,
        },
        module.Reason,
        module.Manifest?.DependsOn ?? []);

    /// <summary>The platform's own modules are built from this repository's <c>modules/</c> and named <c>Crm.Modules.*</c>.</summary>
    public static bool IsBuiltIn(ModuleEntry module) => module.Folder.StartsWith("Crm.Modules.", StringComparison.Ordinal);

    private static string Shorten(string text) => text.Length <= ModuleLoader.MaxIdLength ? text : text[..ModuleLoader.MaxIdLength] + "…";
}
