using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation;

/// <summary>
/// Automation: the catalog of every module's trigger and action kinds (<c>automationCatalog</c>),
/// from which a front end builds its rule editor. Rules, runs and their engine come next, on the
/// SDK's contracts (<c>Crm.PluginSdk.Automation</c>); this module never references a capability.
/// </summary>
public sealed class AutomationModule : ICrmModule
{
    public const string Id = "automation";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: [],
        Description: "Automation rules: the catalog of trigger and action kinds the modules contribute, and the webhook action.");

    // The webhook action's settings are read once; a setting that cannot work fails the module with its reason.
    public void ConfigureServices(IServiceCollection services, ModuleContext context) =>
        services.AddSingleton(Webhooks.WebhookOptions.From(context.Configuration));
}
