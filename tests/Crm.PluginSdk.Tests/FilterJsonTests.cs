using System.Text.Json.Nodes;
using Crm.PluginSdk.Querying;

namespace Crm.PluginSdk.Tests;

public sealed class FilterJsonTests
{
    [Fact]
    public void A_json_filter_arrives_as_the_lists_graphql_input_would()
    {
        var where = FilterJson.ToWhere(JsonNode.Parse("""{ "or": [ { "title": { "contains": "x" } }, { "opportunity": { "gte": 1.5e4 } } ], "closed": { "eq": false }, "stageId": { "in": ["NEW", null] } }""")!.AsObject())!;

        var or = Assert.IsType<List<object?>>(where["or"]);
        Assert.Equal("x", ((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)or[0]!)["title"]!)["contains"]);
        Assert.Equal(15000m, ((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)or[1]!)["opportunity"]!)["gte"]);
        Assert.Equal(false, ((IReadOnlyDictionary<string, object?>)where["closed"]!)["eq"]);
        Assert.Equal(["NEW", null], (List<object?>)((IReadOnlyDictionary<string, object?>)where["stageId"]!)["in"]!);
        Assert.Null(FilterJson.ToWhere(null));
    }
}
