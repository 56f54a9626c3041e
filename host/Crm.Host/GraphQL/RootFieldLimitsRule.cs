using System.Globalization;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;

namespace Crm.Host.GraphQL;

/// <summary>
/// Refuses, before execution, a request whose operation selects a root field marked
/// <see cref="RootFieldRules.AtMostOncePerRequest"/> (<c>login</c>, <c>refreshToken</c>) or an
/// introspection root (<c>__schema</c>, <c>__type</c>: each answer is the size of the schema or
/// of a type) more than once, or a mutation with more than <see cref="QueryLimits.MaxMutations"/>
/// root fields. Root fields are counted as they run: by response name (alias or name), through
/// fragments; a fragment spread twice adds nothing, as GraphQL merges its fields.
/// </summary>
public sealed class RootFieldLimitsRule(QueryLimits limits) : ValidationRuleBase
{
    private static readonly string[] IntrospectionRoots = ["__schema", "__type"];

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        var operation = context.Operation;
        IObjectGraphType? rootType = operation.Operation switch
        {
            OperationType.Mutation => context.Schema.Mutation,
            OperationType.Subscription => context.Schema.Subscription,
            _ => context.Schema.Query,
        };
        if (rootType is null)
        {
            return default;
        }

        // Response name -> the first field selected under it.
        var roots = new Dictionary<string, GraphQLField>(StringComparer.Ordinal);
        Collect(context.Document, operation.SelectionSet, roots, []);

        var limited = roots.Values
            .Select(field => field.Name.StringValue)
            .Where(name => IntrospectionRoots.Contains(name) || rootType.GetField(name)?.IsAtMostOncePerRequest() == true)
            .GroupBy(name => name, StringComparer.Ordinal)
            .FirstOrDefault(group => group.Count() > 1);
        if (limited is not null)
        {
            var second = roots.Values.Where(field => field.Name.StringValue == limited.Key).Skip(1).First();
            context.ReportError(new QueryLimitError(context, string.Create(CultureInfo.InvariantCulture,
                $"'{limited.Key}' may appear at most once per request; this one has it {limited.Count()} times."), second));
            return default;
        }

        if (operation.Operation == OperationType.Mutation && roots.Count > limits.MaxMutations)
        {
            context.ReportError(new QueryLimitError(context, string.Create(CultureInfo.InvariantCulture,
                $"A request may hold at most {limits.MaxMutations} mutations (Limits:MaxMutations); this one has {roots.Count}. Send the rest in further requests."), operation));
        }

        return default;
    }

    /// <summary>Each fragment is expanded once: one seen before adds only response names already counted.</summary>
    private static void Collect(GraphQLDocument document, GraphQLSelectionSet selectionSet, Dictionary<string, GraphQLField> roots, HashSet<GraphQLFragmentDefinition> seen)
    {
        foreach (var selection in selectionSet.Selections)
        {
            switch (selection)
            {
                case GraphQLField field:
                    roots.TryAdd((field.Alias?.Name ?? field.Name).StringValue, field);
                    break;
                case GraphQLInlineFragment inline:
                    Collect(document, inline.SelectionSet, roots, seen);
                    break;
                case GraphQLFragmentSpread spread when document.FindFragment(spread.FragmentName.Name.Value) is { } fragment && seen.Add(fragment):
                    Collect(document, fragment.SelectionSet, roots, seen);
                    break;
            }
        }
    }
}
