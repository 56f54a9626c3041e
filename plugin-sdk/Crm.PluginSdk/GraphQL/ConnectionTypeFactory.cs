using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>A record type's page of a list (<c>DealsConnection</c>) and its edge (<c>DealsEdge</c>).</summary>
internal static class ConnectionTypeFactory
{
    public static ObjectGraphType Create(ICrmEntityDefinition definition, ObjectGraphType type, SharedGraphTypes types)
    {
        var pascalPlural = char.ToUpperInvariant(definition.PluralName[0]) + definition.PluralName[1..];
        var edge = new ObjectGraphType { Name = $"{pascalPlural}Edge", Description = $"A {definition.Name} in a list, with its cursor." };
        edge.AddField(SharedGraphTypes.Field<Edge>("cursor", typeof(NonNullGraphType<StringGraphType>), e => e.Cursor));
        edge.AddField(new FieldType { Name = "node", ResolvedType = new NonNullGraphType(type), Resolver = new FuncFieldResolver<object?>(c => ((Edge)c.Source!).Node) });

        var connection = new ObjectGraphType { Name = $"{pascalPlural}Connection", Description = $"A page of {definition.PluralName}." };
        connection.AddField(new FieldType { Name = "nodes", ResolvedType = SchemaComposer.NonNullList(type), Resolver = new FuncFieldResolver<object?>(c => ((Connection)c.Source!).Edges.Select(e => e.Node)) });
        connection.AddField(new FieldType { Name = "edges", ResolvedType = SchemaComposer.NonNullList(edge), Resolver = new FuncFieldResolver<object?>(c => ((Connection)c.Source!).Edges) });
        connection.AddField(new FieldType { Name = "pageInfo", ResolvedType = new NonNullGraphType(types.PageInfo), Resolver = new FuncFieldResolver<object?>(c => ((Connection)c.Source!).PageInfo) });
        connection.AddField(SharedGraphTypes.Field<Connection>("totalCount", typeof(NonNullGraphType<IntGraphType>), c => c.TotalCount, "How many records match the filter, in all pages. Counted only when asked for."));
        return connection;
    }
}
