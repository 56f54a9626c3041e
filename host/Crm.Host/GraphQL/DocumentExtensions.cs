using GraphQLParser;
using GraphQLParser.AST;

namespace Crm.Host.GraphQL;

internal static class DocumentExtensions
{
    public static GraphQLFragmentDefinition? FindFragment(this GraphQLDocument document, ROM name) =>
        document.Definitions.OfType<GraphQLFragmentDefinition>().FirstOrDefault(f => f.FragmentName.Name.Value == name);
}
