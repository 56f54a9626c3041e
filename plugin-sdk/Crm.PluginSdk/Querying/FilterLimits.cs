using System.Collections;
using System.Globalization;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Types;

namespace Crm.PluginSdk.Querying;

/// <summary>
/// Measures a filter (<c>where</c>) and a search text before anything is built from them, and
/// refuses one over <see cref="QueryLimits.MaxFilterTerms"/>, <see cref="QueryLimits.MaxFilterValues"/>
/// or <see cref="QueryLimits.MaxSearchLength"/> with <c>LIMIT_EXCEEDED</c>: every condition
/// becomes a node of a LINQ tree, a SQL expression and possibly a parameter, and SQLite's LIKE
/// refuses patterns over 50,000 bytes. The host runs the same check on every list field while
/// validating a request, so that a refused filter runs nothing at all.
/// </summary>
internal static class FilterLimits
{
    private const string FilterTypeKey = "crm:filterInput";
    private const string SearchArgumentKey = "crm:searchText";

    private static readonly string[] TextOperators = ["contains", "ncontains", "startsWith", "endsWith"];

    /// <summary>Marks an input type as a filter, whose arguments the host measures before execution.</summary>
    public static void MarkAsFilter(IInputObjectGraphType type) => type.Metadata[FilterTypeKey] = true;

    public static bool IsFilter(IGraphType? type) => type is IInputObjectGraphType input && input.GetMetadata(FilterTypeKey, false);

    /// <summary>Marks an argument as search text, whose length the host checks before execution.</summary>
    public static QueryArgument MarkAsSearch(QueryArgument argument)
    {
        argument.Metadata[SearchArgumentKey] = true;
        return argument;
    }

    public static bool IsSearch(QueryArgument argument) => argument.GetMetadata(SearchArgumentKey, false);

    /// <summary>Throws <c>LIMIT_EXCEEDED</c> at the first limit the filter passes; stops counting there.</summary>
    public static void Check(IReadOnlyDictionary<string, object?> where, QueryLimits limits, string path = "where") =>
        new Counter(limits).Filter(where, path);

    /// <summary>Throws <c>LIMIT_EXCEEDED</c> when the search text is longer than <see cref="QueryLimits.MaxSearchLength"/>.</summary>
    public static void CheckSearch(string? search, QueryLimits limits, string path = "search") => CheckText(search, limits, path);

    private static void CheckText(string? text, QueryLimits limits, string path)
    {
        if (text is not null && text.Length > limits.MaxSearchLength)
        {
            throw ErrorCodes.Error(ErrorCodes.LimitExceeded, string.Create(CultureInfo.InvariantCulture,
                $"'{path}' is {text.Length} characters long; the limit is {limits.MaxSearchLength} (Limits:MaxSearchLength)."));
        }
    }

    private sealed class Counter(QueryLimits limits)
    {
        private int _terms;
        private int _values;

        public void Filter(IEnumerable<KeyValuePair<string, object?>> where, string path)
        {
            var empty = true;
            foreach (var (name, value) in where)
            {
                if (value is null)
                {
                    continue;
                }

                empty = false;
                if (name is FilterCompiler.And or FilterCompiler.Or)
                {
                    List(value, $"{path}.{name}");
                }
                else if (value is IEnumerable<KeyValuePair<string, object?>> operators)
                {
                    foreach (var (op, operand) in operators)
                    {
                        Operator(op, operand, $"{path}.{name}.{op}");
                    }
                }
                else
                {
                    // Not a filter at all: the compiler refuses it; it still counts.
                    Term(path);
                }
            }

            if (empty)
            {
                // An empty filter still becomes a node (TRUE).
                Term(path);
            }
        }

        private void List(object value, string path)
        {
            if (value is not IEnumerable items || value is string)
            {
                Term(path);
                return;
            }

            var i = 0;
            foreach (var item in items)
            {
                if (item is IEnumerable<KeyValuePair<string, object?>> filter)
                {
                    Filter(filter, $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]");
                }

                i++;
            }
        }

        private void Operator(string op, object? operand, string path)
        {
            Term(path);
            switch (op)
            {
                case "in" or "nin" when operand is IEnumerable values and not string:
                    foreach (var _ in values)
                    {
                        if (++_values > limits.MaxFilterValues)
                        {
                            throw ErrorCodes.Error(ErrorCodes.LimitExceeded, string.Create(CultureInfo.InvariantCulture,
                                $"The filter's in/nin lists hold more than {limits.MaxFilterValues} values at '{path}' (Limits:MaxFilterValues)."));
                        }
                    }

                    break;
                case "some" or "none" when operand is IReadOnlyDictionary<string, object?> point:
                    // Each text condition on a phone, e-mail ... value is a condition of its own.
                    if (point.GetValueOrDefault("value") is IEnumerable<KeyValuePair<string, object?>> texts)
                    {
                        var first = true;
                        foreach (var (textOp, text) in texts)
                        {
                            if (!first)
                            {
                                Term(path);
                            }

                            first = false;
                            CheckText(text as string, limits, $"{path}.value.{textOp}");
                        }
                    }

                    break;
                default:
                    if (TextOperators.Contains(op))
                    {
                        CheckText(operand as string, limits, path);
                    }

                    break;
            }
        }

        private void Term(string path)
        {
            if (++_terms > limits.MaxFilterTerms)
            {
                throw ErrorCodes.Error(ErrorCodes.LimitExceeded, string.Create(CultureInfo.InvariantCulture,
                    $"The filter holds more than {limits.MaxFilterTerms} conditions at '{path}' (Limits:MaxFilterTerms)."));
            }
        }
    }
}
