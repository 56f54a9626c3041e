using Crm.Host.Modules;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.Host.GraphQL;

/// <summary>
/// <c>modules { id version state reason ... }</c>: every module the host found, in service or not,
/// and why not. The reasons (which quote what a module threw) need the settings right.
/// </summary>
public sealed class ModulesSchemaContributor(ModuleCatalog catalog) : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var state = new EnumerationGraphType { Name = "ModuleState", Description = "Whether a module is in service, and if not, why in short." };
        state.Add("LOADED", ModuleState.Loaded, "In service.");
        state.Add("REFUSED", ModuleState.Refused, "Turned away before it ran: a broken assembly, an unusable manifest or one for another SDK, a dependency missing, refused or failed, or a name (module id, record type) another module holds.");
        state.Add("FAILED", ModuleState.Failed, "Its own code threw at an entry point (its constructor, manifest, services, record types, part of the schema, event handlers or background services); out of service until the host restarts.");

        var module = new ObjectGraphType { Name = "Module", Description = "A module the host found in its modules folder." };
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("id", typeof(NonNullGraphType<StringGraphType>), m => m.Id, "The manifest's id, or the folder's name when the manifest could not be read."));
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("name", typeof(NonNullGraphType<StringGraphType>), m => m.Folder, "Its assembly's name, which is also its folder's in the modules folder, e.g. Crm.Modules.Deals."));
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("version", typeof(StringGraphType), m => m.Manifest?.Version, "Null when the manifest could not be read."));
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("sdkVersionRange", typeof(StringGraphType), m => m.Manifest?.SdkVersionRange, "The SDK versions it was built for; null when the manifest could not be read."));
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("dependsOn", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>), m => m.Manifest?.DependsOn ?? []));
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("description", typeof(NonNullGraphType<StringGraphType>), m => m.Manifest?.Description ?? ""));
        module.AddField(new FieldType { Name = "state", ResolvedType = new NonNullGraphType(state), Resolver = new FuncFieldResolver<object?>(c => ((ModuleEntry)c.Source!).State) });
        module.AddField(new FieldType
        {
            Name = "reason",
            Type = typeof(StringGraphType),
            Description = $"Why it is not in service, in one line of at most {ModuleCatalog.MaxReasonLength} characters (the log has the whole fault); null while it is. Needs the settings right.",
            Resolver = new FuncFieldResolver<object?>(c => c.RequestServices!.GetRequiredService<ICurrentActor>().CanConfigure
                ? ((ModuleEntry)c.Source!).Reason
                : throw ErrorCodes.Error(ErrorCodes.Forbidden, SettingsRight.Refusal("Reading why a module is not in service"))),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "modules",
            Description = "Every module the host found: those in service in load order (dependencies first), then the others by folder.",
            ResolvedType = SchemaComposer.NonNullList(module),
            Resolver = new FuncFieldResolver<object?>(_ => catalog.Loaded.Concat(catalog.All.Where(m => m.State != ModuleState.Loaded).OrderBy(m => m.Folder, StringComparer.Ordinal)).ToList()),
        });
    }
}
