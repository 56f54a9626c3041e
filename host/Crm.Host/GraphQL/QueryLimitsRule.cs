using GraphQL;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;

namespace Crm.Host.GraphQL;

/// <summary>A query refused for a limit, before anything ran.</summary>
public sealed class QueryLimitError : ValidationError
{
    public QueryLimitError(ValidationContext context, string message, ASTNode node)
        : base(context.Document.Source, null, message, node) => Code = ErrorCodes.LimitExceeded;
}

/// <summary>
/// Refuses, before execution, a query that nests deeper than <see cref="QueryLimits.MaxDepth"/>,
/// costs more than <see cref="QueryLimits.MaxCost"/>, or asks a list for more than
/// <see cref="QueryLimits.MaxPageSize"/> records. A field costs 1 for each record of the lists
/// above it: a list's page size (its first/last, or the default) multiplies what is inside it,
/// and a plain list counts as <see cref="PlainListSize"/>. What is inside introspection fields is
/// exempt (its shape is fixed, its size is the schema's, and a request holds at most one
/// <c>__schema</c> and one <c>__type</c>: <see cref="RootFieldLimitsRule"/>); the fields themselves count.
/// It also measures every filter (<c>where</c>) and search text of the fields it walks
/// (<see cref="FilterLimits"/>), so that a filter over a limit runs nothing of the request.
/// </summary>
public sealed class QueryLimitsRule(QueryLimits limits) : ValidationRuleBase
{
    public const int PlainListSize = 10;

    public override ValueTask<INodeVisitor?> GetPostNodeVisitorAsync(ValidationContext context)
    {
        var operation = context.Operation;
        var rootType = operation.Operation switch
        {
            OperationType.Mutation => context.Schema.Mutation,
            OperationType.Subscription => context.Schema.Subscription,
            _ => context.Schema.Query,
        };
        if (rootType is not null)
        {
            new Walker(context, limits).Walk(operation.SelectionSet, rootType, depth: 0, multiplier: 1, pageOwner: false);
        }

        return ValueTask.FromResult<INodeVisitor?>(null);
    }

    private sealed class Walker(ValidationContext context, QueryLimits limits)
    {
        public long Cost { get; private set; }

        public bool Failed { get; private set; }

        public void Walk(GraphQLSelectionSet selectionSet, IGraphType parentType, int depth, long multiplier, bool pageOwner)
        {
            if (Failed)
            {
                return;
            }

            foreach (var selection in selectionSet.Selections)
            {
                switch (selection)
                {
                    case GraphQLField field:
                        VisitField(field, parentType, depth, multiplier, pageOwner);
                        break;
                    case GraphQLInlineFragment inline:
                        var inlineType = inline.TypeCondition is { } condition ? context.Schema.AllTypes[condition.Type.Name.StringValue] ?? parentType : parentType;
                        Walk(inline.SelectionSet, inlineType, depth, multiplier, pageOwner);
                        break;
                    case GraphQLFragmentSpread spread:
                        if (Fragment(spread.FragmentName.Name.Value) is { } fragment)
                        {
                            Walk(fragment.Definition.SelectionSet, fragment.Type ?? parentType, depth, multiplier, pageOwner);
                        }

                        break;
                }

                if (Failed)
                {
                    return;
                }
            }
        }

        private Dictionary<ROM, (GraphQLFragmentDefinition Definition, IGraphType? Type)>? _fragments;

        /// <summary>A fragment and its type, looked up once: a fragment spread many times is walked as often.</summary>
        private (GraphQLFragmentDefinition Definition, IGraphType? Type)? Fragment(ROM name)
        {
            _fragments ??= context.Document.Definitions.OfType<GraphQLFragmentDefinition>()
                .DistinctBy(f => f.FragmentName.Name.Value)
                .ToDictionary(f => f.FragmentName.Name.Value, f => (f, (IGraphType?)context.Schema.AllTypes[f.TypeCondition.Type.Name.StringValue]));
            return _fragments.TryGetValue(name, out var fragment) ? fragment : null;
        }

        private void VisitField(GraphQLField field, IGraphType parentType, int depth, long multiplier, bool insidePage)
        {
            if (field.Name.Value.Span.StartsWith("__"))
            {
                // What is inside is exempt, not the field itself: no selection may be free, or
                // fragments spread many times over would expand without limit.
                AddCost(field, multiplier);
                return;
            }

            var name = field.Name.StringValue;

            if (depth + 1 > limits.MaxDepth)
            {
                Fail(field, $"Query depth exceeds the limit of {limits.MaxDepth} (Limits:MaxDepth) at field '{name}'.");
                return;
            }

            AddCost(field, multiplier);
            if (Failed)
            {
                return;
            }

            var definition = (parentType.GetNamedType() as IComplexGraphType)?.GetField(name);
            if (definition is not null)
            {
                CheckFiltersAndSearch(field, definition);
            }

            if (definition is null || field.SelectionSet is null || Failed)
            {
                return;
            }

            long factor = 1;
            var ownsPage = false;
            if (definition.Arguments?.Find("first") is not null || definition.Arguments?.Find("last") is not null)
            {
                var size = PageSize(field, "first") ?? PageSize(field, "last") ?? limits.DefaultPageSize;
                if (size > limits.MaxPageSize)
                {
                    Fail(field, $"Page size {size} of '{name}' exceeds the limit of {limits.MaxPageSize} (Limits:MaxPageSize).");
                    return;
                }

                factor = Math.Max(size, 1);
                ownsPage = true;
            }
            else if (IsList(definition.ResolvedType) && !insidePage)
            {
                factor = PlainListSize;
            }

            // The lists of a page (nodes, edges) hold the records its size already counted.
            Walk(field.SelectionSet, definition.ResolvedType!.GetNamedType(), depth + 1, checked(multiplier * factor), ownsPage);
        }

        /// <summary>Counts a field, and stops the walk as soon as the limit is passed: the rest could take as long as its expansion.</summary>
        private void AddCost(GraphQLField field, long multiplier)
        {
            Cost += multiplier;
            if (Cost > limits.MaxCost)
            {
                Fail(field, $"Query cost exceeds the limit of {limits.MaxCost} (Limits:MaxCost): it reaches {Cost} at field '{field.Name.StringValue}'. Ask for fewer records or fewer nested lists.");
            }
        }

        /// <summary>A filter or search text over its limits is refused here, so that nothing of the request runs.</summary>
        private void CheckFiltersAndSearch(GraphQLField field, FieldType definition)
        {
            foreach (var argument in definition.Arguments ?? [])
            {
                var isFilter = FilterLimits.IsFilter(argument.ResolvedType?.GetNamedType());
                var value = isFilter || FilterLimits.IsSearch(argument) ? Argument(field, argument.Name) : null;
                if (value is null)
                {
                    continue;
                }

                try
                {
                    if (isFilter && value is IReadOnlyDictionary<string, object?> where)
                    {
                        FilterLimits.Check(where, limits, argument.Name);
                    }
                    else if (!isFilter)
                    {
                        FilterLimits.CheckSearch(value as string, limits, argument.Name);
                    }
                }
                catch (ExecutionError error)
                {
                    Fail(field, $"'{field.Name.StringValue}': {error.Message}");
                    return;
                }
            }
        }

        private object? Argument(GraphQLField field, string argument) =>
            context.ArgumentValues is { } all && all.TryGetValue(field, out var values) && values.TryGetValue(argument, out var value) ? value.Value : null;

        private int? PageSize(GraphQLField field, string argument) =>
            context.ArgumentValues is { } all && all.TryGetValue(field, out var values) && values.TryGetValue(argument, out var value) && value.Value is int size
                ? size
                : null;

        private static bool IsList(IGraphType? type) => type switch
        {
            NonNullGraphType nonNull => IsList(nonNull.ResolvedType),
            ListGraphType => true,
            _ => false,
        };

        private void Fail(ASTNode node, string message)
        {
            Failed = true;
            context.ReportError(new QueryLimitError(context, message, node));
        }
    }
}
