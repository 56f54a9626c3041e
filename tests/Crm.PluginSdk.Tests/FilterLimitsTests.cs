using System.Linq.Expressions;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using GraphQL;

namespace Crm.PluginSdk.Tests;

/// <summary>The filter compiler's trees stay shallow however wide a filter is, and its size is measured before anything is built.</summary>
public sealed class FilterLimitsTests
{
    private static readonly QueryLimits Limits = new() { MaxFilterTerms = 100, MaxFilterValues = 1_000, MaxSearchLength = 1_000 };

    private static IReadOnlyDictionary<string, EntityField> Fields => SampleEntity.Instance.Fields;

    private static Dictionary<string, object?> Eq(string field, object value) =>
        new() { [field] = new Dictionary<string, object?> { ["eq"] = value } };

    private static Dictionary<string, object?> Junction(string junction, int count) =>
        new() { [junction] = Enumerable.Range(0, count).Select(i => (object?)Eq("title", $"t{i}")).ToList() };

    /// <summary>How deep the ANDs, ORs and NOTs nest, counted without recursion (a chain 10,000 deep would overflow it).</summary>
    private static int Depth(Expression root)
    {
        var deepest = 0;
        var stack = new Stack<(Expression Node, int Depth)>([(root, 1)]);
        while (stack.TryPop(out var item))
        {
            deepest = Math.Max(deepest, item.Depth);
            switch (item.Node)
            {
                case BinaryExpression { NodeType: ExpressionType.AndAlso or ExpressionType.OrElse } binary:
                    stack.Push((binary.Left, item.Depth + 1));
                    stack.Push((binary.Right, item.Depth + 1));
                    break;
                case UnaryExpression { NodeType: ExpressionType.Not } not:
                    stack.Push((not.Operand, item.Depth + 1));
                    break;
            }
        }

        return deepest;
    }

    [Theory]
    [InlineData("or")]
    [InlineData("and")]
    public void A_wide_junction_compiles_to_a_tree_about_log2_deep(string junction)
    {
        var filter = FilterCompiler.Compile<SampleRecord>(Junction(junction, 10_000), Fields, SqlDialect.Sqlite);

        // log2(10,000) is 13.3.
        Assert.InRange(Depth(filter.Body), 1, 16);
    }

    [Fact]
    public void Many_fields_of_one_filter_join_shallowly_too()
    {
        var where = new Dictionary<string, object?>
        {
            ["and"] = Enumerable.Range(0, 5_000).Select(i => (object?)Eq("rank", i)).ToList(),
            ["or"] = Enumerable.Range(0, 5_000).Select(i => (object?)Eq("title", $"t{i}")).ToList(),
            ["name"] = new Dictionary<string, object?> { ["contains"] = "a", ["startsWith"] = "b", ["endsWith"] = "c", ["neq"] = "d" },
        };

        // The top level's 5,005 conditions (log2 13) hold the or's 5,000 (13 more): a sum of logarithms, not a chain.
        Assert.InRange(Depth(FilterCompiler.Compile<SampleRecord>(where, Fields, SqlDialect.Postgres).Body), 1, 30);
    }

    [Theory]
    [InlineData("or")]
    [InlineData("and")]
    public void Exactly_the_term_limit_passes_and_one_more_is_refused_naming_the_setting(string junction)
    {
        FilterLimits.Check(Junction(junction, Limits.MaxFilterTerms), Limits);

        var error = Assert.Throws<ExecutionError>(() => FilterLimits.Check(Junction(junction, Limits.MaxFilterTerms + 1), Limits));
        Assert.Equal(ErrorCodes.LimitExceeded, error.Code);
        Assert.Contains("(Limits:MaxFilterTerms)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Operators_of_one_field_and_empty_filters_count_as_terms()
    {
        var operators = new Dictionary<string, object?>
        {
            ["title"] = Enumerable.Range(0, Limits.MaxFilterTerms + 1).ToDictionary(i => $"op{i}", object? (_) => "x"),
        };
        var empties = new Dictionary<string, object?> { ["or"] = Enumerable.Range(0, Limits.MaxFilterTerms + 1).Select(_ => (object?)new Dictionary<string, object?>()).ToList() };

        Assert.Throws<ExecutionError>(() => FilterLimits.Check(operators, Limits));
        Assert.Throws<ExecutionError>(() => FilterLimits.Check(empties, Limits));
    }

    [Fact]
    public void The_values_of_all_in_lists_count_together()
    {
        Dictionary<string, object?> InLists(int each) => new()
        {
            ["rank"] = new Dictionary<string, object?> { ["in"] = Enumerable.Range(0, each).Cast<object?>().ToList() },
            ["title"] = new Dictionary<string, object?> { ["nin"] = Enumerable.Range(0, each).Select(i => (object?)$"t{i}").ToList() },
        };

        FilterLimits.Check(InLists(Limits.MaxFilterValues / 2), Limits);
        var error = Assert.Throws<ExecutionError>(() => FilterLimits.Check(InLists((Limits.MaxFilterValues / 2) + 1), Limits));
        Assert.Contains("(Limits:MaxFilterValues)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("contains")]
    [InlineData("ncontains")]
    [InlineData("startsWith")]
    [InlineData("endsWith")]
    public void A_text_operand_over_the_search_length_is_refused_by_the_compiler_too(string op)
    {
        var at = new Dictionary<string, object?> { ["title"] = new Dictionary<string, object?> { [op] = new string('a', Limits.MaxSearchLength) } };
        var over = new Dictionary<string, object?> { ["title"] = new Dictionary<string, object?> { [op] = new string('a', Limits.MaxSearchLength + 1) } };

        FilterCompiler.Compile<SampleRecord>(at, Fields, SqlDialect.Sqlite, Limits);
        var error = Assert.Throws<ExecutionError>(() => FilterCompiler.Compile<SampleRecord>(over, Fields, SqlDialect.Sqlite, Limits));
        Assert.Contains("'where.title." + op + "'", error.Message, StringComparison.Ordinal);
        Assert.Contains("(Limits:MaxSearchLength)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Counting_stops_at_the_limit_however_long_the_list()
    {
        static IEnumerable<object?> Endless()
        {
            while (true)
            {
                yield return Eq("title", "x");
            }
        }

        Assert.Throws<ExecutionError>(() => FilterLimits.Check(new Dictionary<string, object?> { ["or"] = Endless() }, Limits));
    }

    [Fact]
    public void Limits_an_engine_cannot_hold_are_refused_naming_the_setting()
    {
        var wide = new QueryLimits { MaxFilterTerms = 5_000 };

        Assert.Empty(new QueryLimits().Problems(DatabaseProvider.Sqlite));
        Assert.Empty(new QueryLimits().Problems(DatabaseProvider.Postgres));
        Assert.Contains(wide.Problems(DatabaseProvider.Sqlite), p => p.Contains("Limits:MaxFilterTerms", StringComparison.Ordinal));
        Assert.Empty(wide.Problems(DatabaseProvider.Postgres));
        Assert.Contains(new QueryLimits { MaxFilterValues = 20_000 }.Problems(DatabaseProvider.Sqlite), p => p.Contains("Limits:MaxFilterValues", StringComparison.Ordinal));
        Assert.Contains(new QueryLimits { MaxFilterTerms = 40_000 }.Problems(DatabaseProvider.Postgres), p => p.Contains("65,535", StringComparison.Ordinal));
        Assert.Contains(new QueryLimits { MaxAliases = 0 }.Problems(DatabaseProvider.Postgres), p => p.Contains("Limits:MaxAliases", StringComparison.Ordinal));
    }
}
