using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Rights;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Permissions;

/// <summary>
/// Users, departments, groups, roles and sign-in, and the rights they add up to
/// (<see cref="IAccessRightsProvider"/>), which the SDK enforces below every module.
/// </summary>
public sealed class PermissionsModule : ICrmModule
{
    public const string Id = "permissions";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: [],
        Description: "Users, departments, groups, roles with per-type permission levels, password sign-in and the effective rights of every caller.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<PermissionsDbContext>(Id);
        services.AddSingleton(DirectoryLimits.From(context.Configuration));
        // Rows naming an uninstalled plugin's record types go with them (uninstallPlugin(purgeData: true)).
        services.AddScoped<PluginSdk.Entities.IRecordTypeDataOwner, Data.PermissionTypeData>();
        services.AddVersionedCachePolling<AccessRightsProvider>("Permissions:PollInterval");
        // logout reads the caller's bearer token.
        services.AddHttpContextAccessor();
        // Signing in is what a caller without credentials must be able to do.
        AnonymousFields.Allow("login");
        AnonymousFields.Allow("refreshToken");
    }
}
