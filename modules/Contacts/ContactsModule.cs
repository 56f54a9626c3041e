using Crm.Modules.Contacts.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Contacts;

/// <summary>People the business deals with, and which companies they belong to.</summary>
public sealed class ContactsModule : ICrmModule
{
    public const string Id = "contacts";

    public ModuleManifest Manifest { get; } = new(
        Id,
        Version: "0.1.0",
        SdkVersionRange: "[0.1.0, 1.0.0)",
        DependsOn: ["selection_lists"],
        Description: "Contacts: people, their phones and e-mails, and their companies.");

    public void ConfigureServices(IServiceCollection services, ModuleContext context) =>
        services.AddModuleDbContext<ContactsDbContext>(Id);
}
