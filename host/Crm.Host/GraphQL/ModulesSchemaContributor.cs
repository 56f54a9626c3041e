using Crm.Host.Modules;
using Crm.Host.Modules.Runtime;
using GraphQL;
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
        state.Add("DISABLED", ModuleState.Disabled, "Taken out of service by an administrator (disablePlugin), or because a module it depends on was: out of the schema, its event handlers' deliveries waiting, its automation kinds, scheduled work and background services stopped, until enabled.");

        var module = new ObjectGraphType { Name = "Module", Description = "A module the host found in its modules folder." };
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("id", typeof(NonNullGraphType<StringGraphType>), m => m.Id, "The manifest's id, or the folder's name when the manifest could not be read."));
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("name", typeof(NonNullGraphType<StringGraphType>), m => m.Folder, "Its assembly's name, which is also its folder's in the modules folder, e.g. Crm.Modules.Deals."));
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("version", typeof(StringGraphType), m => m.Manifest?.Version, "Null when the manifest could not be read."));
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("sdkVersionRange", typeof(StringGraphType), m => m.Manifest?.SdkVersionRange, "The SDK versions it was built for; null when the manifest could not be read."));
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("dependsOn", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>), m => m.Manifest?.DependsOn ?? []));
        module.AddField(SharedGraphTypes.Field<ModuleEntry>("builtIn", typeof(NonNullGraphType<BooleanGraphType>), m => ModuleRuntime.IsBuiltIn(m), "One of the platform's own modules (Crm.Modules.*), not a plugin."));
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

        var payload = new ObjectGraphType { Name = "ModuleStatePayload", Description = "The module as it stands after the change, or why it was refused." };
        payload.AddField(new FieldType { Name = "module", ResolvedType = module, Resolver = new FuncFieldResolver<object?>(c => ((ModuleStatePayload)c.Source!).Module) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((ModuleStatePayload)c.Source!).Errors) });
        foreach (var (name, enable, description) in (ReadOnlySpan<(string, bool, string)>)[
            ("enablePlugin", true, "Brings a disabled module (built-in or plugin) back into service on every host: its part of the schema, event handlers (with the deliveries that waited), automation kinds, scheduled work and background services. Refused while a module it depends on is disabled or out of service. Needs the settings right."),
            ("disablePlugin", false, "Takes a module (built-in or plugin) out of service on every host, at once here and within Modules:StatePollInterval elsewhere: out of the schema, its event deliveries wait, its automation kinds, scheduled work and background services stop. Its data stays. Refused while an enabled module depends on it. Needs the settings right.")])
        {
            composer.Mutation.AddField(new FieldType
            {
                Name = name,
                Description = description,
                ResolvedType = new NonNullGraphType(payload),
                Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "id", Description = $"The module's id (at most {ModuleLoader.MaxIdLength} characters)." }),
                Resolver = new FuncFieldResolver<object?>(async c => await ModuleStateMutation.ChangeAsync(c.RequestServices!, c.GetArgument<string>("id"), enable, c.CancellationToken)),
            });
        }
    }
}
