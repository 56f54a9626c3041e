using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation;

/// <summary>
/// Automation: the catalog of every module's trigger and action kinds (<c>automationCatalog</c>),
/// from which a front end builds its rule editor; rules with versions, the engine that runs them on
/// events, and their run log. Built on the SDK's contracts (<c>Crm.PluginSdk.Automation</c>): this
/// module never references a capability.
/// </summary>
public sealed class AutomationModule : ICrmModule
{
    public const string Id = "automation";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: [],
        Description: "Automation: rules with versions, their engine and run log, the catalog of trigger and action kinds the modules contribute, the webhook and script actions.");

    // The webhook action's settings are read once; a setting that cannot work fails the module with its reason.
    public void ConfigureServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<Data.AutomationDbContext>(Id);
        // Rows naming an uninstalled plugin's record types go with them (uninstallPlugin(purgeData: true)).
        services.AddScoped<PluginSdk.Entities.IRecordTypeDataOwner, Data.AutomationTypeData>();
        services.AddScoped<Definitions.DefinitionDirectoryUses>();
        services.AddScoped<PluginSdk.Security.IDepartmentReferenceHolder>(sp => sp.GetRequiredService<Definitions.DefinitionDirectoryUses>());
        services.AddScoped<PluginSdk.Security.IRoleReferenceHolder>(sp => sp.GetRequiredService<Definitions.DefinitionDirectoryUses>());
        services.AddScoped<PluginSdk.Lists.ISelectionListItemReferenceHolder>(sp => sp.GetRequiredService<Definitions.DefinitionDirectoryUses>());
        services.AddScoped<Engine.RuleRunner>();
        services.AddScoped<Testing.RuleTester>();
        services.AddScoped<Testing.Backtester>();
        services.AddSingleton(Testing.BacktestOptions.From(context.Configuration));
        services.AddScoped<Starts.RuleStarter>();
        services.AddScoped<Processes.ProcessEngine>();
        services.AddScoped<Processes.StepReader>();
        services.AddSingleton(Webhooks.WebhookOptions.From(context.Configuration));
        services.AddSingleton(Webhooks.IncomingWebhookOptions.From(context.Configuration));
        services.AddSingleton(Waits.WaitOptions.From(context.Configuration));
        services.AddScoped<Waits.RunWaits>();
        services.AddSingleton(Schedules.ScheduleOptions.From(context.Configuration));
        services.AddScoped<Schedules.RuleSchedules>();
        services.AddSingleton(Engine.RunOptions.From(context.Configuration));
        services.AddHostedService<AutomationRecovery>();
        services.AddSingleton(Assignment.RoundRobinOptions.From(context.Configuration));
    }
}
