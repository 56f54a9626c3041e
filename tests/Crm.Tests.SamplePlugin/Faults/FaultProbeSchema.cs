using Crm.PluginSdk.GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Tests.SamplePlugin.Faults;

/// <summary>
/// A part of the schema of the plugin's own: <c>sampleContactEventsSeen</c>, how many contact
/// events its handler got (so a test sees the plugin's handler work, or not).
/// </summary>
public sealed class FaultProbeSchema : ISchemaContributor
{
    public FaultProbeSchema() => FaultSettings.ThrowIfAsked(EntryPoint.SchemaContributorConstructor);

    public void Contribute(SchemaComposer composer)
    {
        FaultSettings.ThrowIfAsked(EntryPoint.SchemaContribution);
        composer.Query.AddField(new FieldType
        {
            Name = "sampleContactEventsSeen",
            Description = "How many contact events the sample plugin's handler got since the host started (for the tests).",
            Type = typeof(NonNullGraphType<IntGraphType>),
            Resolver = new FuncFieldResolver<object?>(c => c.RequestServices!.GetRequiredService<ContactEventsSeen>().Count),
        });

        if (FaultSettings.Current.ThrowIn == EntryPoint.SchemaNameClash)
        {
            // Nothing throws here: the schema made with it is invalid, and only the host can tell whose part broke it.
            composer.Query.AddField(new FieldType { Name = "contacts", Type = typeof(StringGraphType), Resolver = new FuncFieldResolver<object?>(_ => "mine") });
        }
    }
}
