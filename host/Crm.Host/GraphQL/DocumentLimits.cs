using System.Globalization;
using Crm.PluginSdk.Querying;
using GraphQLParser;
using GraphQLParser.AST;

namespace Crm.Host.GraphQL;

/// <summary>
/// Bounds a document before GraphQL.NET validates it, because some of its rules cost the square
/// of what they look at: OverlappingFieldsCanBeMerged compares every pair of fields with one
/// response name (<c>{ __typename × 10000 }</c> is 50 million comparisons), UniqueDirectivesPerLocation
/// every pair of directives on one node, and every pair of fragments spread together, finding
/// each by a scan of the document; and each error's line and column are found by reading the
/// text from its start. Tokens are counted before parsing (<see cref="QueryLimits.MaxTokens"/>),
/// selections, aliases, directives and fragment definitions as written right after it; each
/// check stops at its limit.
/// </summary>
internal static class DocumentLimits
{
    /// <summary>Why the text is refused, or null. Comments are free: the parser skips them.</summary>
    public static string? CheckTokens(string query, QueryLimits limits)
    {
        var source = new ROM(query.AsMemory());
        var count = 0;
        for (var token = Lexer.Lex(source, 0); token.Kind != TokenKind.EOF; token = Lexer.Lex(source, token.End))
        {
            if (token.Kind != TokenKind.COMMENT && ++count > limits.MaxTokens)
            {
                return Exceeded("tokens", limits.MaxTokens, "MaxTokens");
            }
        }

        return null;
    }

    /// <summary>Why the parsed document is refused, or null.</summary>
    public static string? CheckShape(GraphQLDocument document, QueryLimits limits)
    {
        var counter = new ShapeCounter(limits);
        foreach (var definition in document.Definitions)
        {
            switch (definition)
            {
                case GraphQLOperationDefinition operation:
                    counter.Directives(operation.Directives);
                    foreach (var variable in operation.Variables?.Items ?? [])
                    {
                        counter.Directives(variable.Directives);
                    }

                    counter.SelectionSet(operation.SelectionSet);
                    break;
                case GraphQLFragmentDefinition fragment:
                    counter.Fragment();
                    counter.Directives(fragment.Directives);
                    counter.SelectionSet(fragment.SelectionSet);
                    break;
            }

            if (counter.Problem is not null)
            {
                break;
            }
        }

        return counter.Problem;
    }

    private static string Exceeded(string what, int limit, string setting) =>
        string.Create(CultureInfo.InvariantCulture, $"The document has more than {limit} {what}, the limit (Limits:{setting}).");

    private sealed class ShapeCounter(QueryLimits limits)
    {
        private int _selections;
        private int _aliases;
        private int _directives;
        private int _fragments;

        public string? Problem { get; private set; }

        public void SelectionSet(GraphQLSelectionSet? set)
        {
            foreach (var selection in set?.Selections ?? [])
            {
                if (Problem is not null)
                {
                    return;
                }

                if (++_selections > limits.MaxSelections)
                {
                    Problem = Exceeded("selections (fields and fragments, as written)", limits.MaxSelections, "MaxSelections");
                    return;
                }

                switch (selection)
                {
                    case GraphQLField field:
                        if (field.Alias is not null && ++_aliases > limits.MaxAliases)
                        {
                            Problem = Exceeded("aliases", limits.MaxAliases, "MaxAliases");
                            return;
                        }

                        Directives(field.Directives);
                        SelectionSet(field.SelectionSet);
                        break;
                    case GraphQLFragmentSpread spread:
                        Directives(spread.Directives);
                        break;
                    case GraphQLInlineFragment inline:
                        Directives(inline.Directives);
                        SelectionSet(inline.SelectionSet);
                        break;
                }
            }
        }

        public void Fragment()
        {
            if (Problem is null && ++_fragments > limits.MaxFragments)
            {
                Problem = Exceeded("fragment definitions", limits.MaxFragments, "MaxFragments");
            }
        }

        public void Directives(GraphQLDirectives? directives)
        {
            if (Problem is null && directives is not null && (_directives += directives.Count) > limits.MaxDirectives)
            {
                Problem = Exceeded("directives", limits.MaxDirectives, "MaxDirectives");
            }
        }
    }
}
