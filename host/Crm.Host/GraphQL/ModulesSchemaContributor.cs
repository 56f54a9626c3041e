using Crm.Host.Modules;
using Crm.PluginSdk.GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.Host.GraphQL;

/// <summary><c>modules { id version dependsOn description }</c>: which modules this host loaded, in load order.</summary>
public sealed class ModulesSchemaContributor(ModuleCatalog catalog) : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var module = new ObjectGraphType { Name = "Module", Description = "A module the host loaded." };
        module.AddField(SharedGraphTypes.Field<LoadedModule>("id", typeof(NonNullGraphType<StringGraphType>), m => m.Manifest.Id));
        module.AddField(SharedGraphTypes.Field<LoadedModule>("version", typeof(NonNullGraphType<StringGraphType>), m => m.Manifest.Version));
        module.AddField(SharedGraphTypes.Field<LoadedModule>("sdkVersionRange", typeof(NonNullGraphType<StringGraphType>), m => m.Manifest.SdkVersionRange));
        module.AddField(SharedGraphTypes.Field<LoadedModule>("dependsOn", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>), m => m.Manifest.DependsOn));
        module.AddField(SharedGraphTypes.Field<LoadedModule>("description", typeof(NonNullGraphType<StringGraphType>), m => m.Manifest.Description));
        composer.Query.AddField(new FieldType
        {
            Name = "modules",
            Description = "The modules this host loaded, dependencies first.",
            ResolvedType = SchemaComposer.NonNullList(module),
            Resolver = new FuncFieldResolver<object?>(_ => catalog.Loaded),
        });
    }
}
