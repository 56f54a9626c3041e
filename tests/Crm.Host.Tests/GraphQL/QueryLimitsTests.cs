using System.Net;
using System.Text;
using Crm.Host.Tests.Infrastructure;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// Limits:MaxDepth, Limits:MaxCost and Limits:MaxPageSize, on a host with small limits so that
/// the queries stay short: a query over a limit is refused before anything runs, one at the
/// limit runs.
/// </summary>
public abstract class QueryLimitsTests(ConfiguredHostFixture fixture)
{
    public const int MaxDepth = 4;
    public const int MaxCost = 41;
    public const int MaxPageSize = 5;
    public const int DefaultPageSize = 3;

    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["Limits:MaxDepth"] = "4",
        ["Limits:MaxCost"] = "41",
        ["Limits:MaxPageSize"] = "5",
        ["Limits:DefaultPageSize"] = DefaultPageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private CrmHost Host => fixture.Host;

    private async Task<GraphQLResponse> SendAsync(string query, object? variables = null) =>
        await Host.SendAsync(PostQuery(query, variables));

    /// <summary>Refused before execution: 400, no data, LIMIT_EXCEEDED naming the limit, no SQL run.</summary>
    private static void ShouldBeRefusedFor(GraphQLResponse response, string limit, string? detail = null)
    {
        Assert.Equal(ResponseMediaType, response.ContentType);
        var error = response.ShouldBeRequestError(HttpStatusCode.BadRequest, "LIMIT_EXCEEDED");
        Assert.Contains($"(Limits:{limit})", error.Message(), StringComparison.Ordinal);
        if (detail is not null)
        {
            Assert.Contains(detail, error.Message(), StringComparison.Ordinal);
        }

        Assert.Equal(0, response.Statements);
    }

    private async Task SeedContactInCompanyAsync()
    {
        var company = (await Host.QueryAsync("mutation { createCompany(input: { title: \"Limits Inc\" }) { company { id } } }")).ShouldSucceed();
        var companyId = company.Data!["createCompany"]!["company"]!["id"]!.GetValue<string>();
        (await Host.QueryAsync(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            new { input = new { name = "Deep", companyIds = new[] { companyId } } })).ShouldSucceed();
    }

    [Fact]
    public async Task A_query_at_the_depth_limit_runs()
    {
        await SeedContactInCompanyAsync();

        // contacts(1) nodes(2) companies(3) title(4); every contact here has a company.
        var response = (await SendAsync("{ contacts(first: 1) { nodes { companies { title } } } }")).ShouldSucceed();

        Assert.Contains(response.Data!["contacts"]!["nodes"]!.AsArray(), c => c!["companies"]!.AsArray().Count > 0);
        Assert.True(response.Statements > 0);
    }

    [Fact]
    public async Task A_query_one_level_too_deep_is_refused_before_execution()
    {
        var response = await SendAsync("{ contacts(first: 1) { nodes { companies { contacts { id } } } } }");

        ShouldBeRefusedFor(response, "MaxDepth", $"limit of {MaxDepth}");
    }

    [Fact]
    public async Task Depth_counts_through_fragments()
    {
        var named = await SendAsync("{ contacts(first: 1) { nodes { ...C } } } fragment C on Contact { companies { contacts { id } } }");
        var inline = await SendAsync("{ contacts(first: 1) { nodes { ... on Contact { companies { ... { contacts { id } } } } } } }");

        ShouldBeRefusedFor(named, "MaxDepth");
        ShouldBeRefusedFor(inline, "MaxDepth");
    }

    [Fact]
    public async Task A_document_nested_far_too_deep_is_refused_not_crashed_on()
    {
        var query = new StringBuilder("{ contacts(first: 1) { nodes { ");
        for (var i = 0; i < 300; i++)
        {
            query.Append(i % 2 == 0 ? "companies { " : "contacts { ");
        }

        query.Append("id ").Append('}', 300 + 3);

        var response = await SendAsync(query.ToString());

        ShouldBeRefusedFor(response, "MaxDepth");
    }

    [Fact]
    public async Task A_query_costing_exactly_the_limit_runs()
    {
        // contacts 1 + 5 records x (nodes + 7 fields) = 41
        var response = (await SendAsync("{ contacts(first: 5) { nodes { id name secondName lastName honorific post comments } } }")).ShouldSucceed();

        Assert.NotNull(response.Data!["contacts"]!["nodes"]);
    }

    [Fact]
    public async Task A_query_costing_more_than_the_limit_is_refused_before_execution()
    {
        // contacts 1 + 5 records x (nodes + 8 fields) = 46
        var response = await SendAsync("{ contacts(first: 5) { nodes { id name secondName lastName honorific post comments birthdate } } }");

        ShouldBeRefusedFor(response, "MaxCost", $"exceeds the limit of {MaxCost} (Limits:MaxCost): it reaches 46 at field 'birthdate'");
    }

    [Fact]
    public async Task Nested_lists_multiply_the_cost()
    {
        // contacts 1 + 2 x nodes 1 + 2 x companies 1 + 2 x 10 (a plain list) x 2 fields = 45
        var response = await SendAsync("{ contacts(first: 2) { nodes { companies { id title } } } }");

        ShouldBeRefusedFor(response, "MaxCost", "it reaches 45 at field 'title'");
    }

    [Fact]
    public async Task Cost_adds_up_over_aliases_and_fragments()
    {
        // Each alias costs 1 + 5 x (nodes + 3 fields) = 21; two of them are 42.
        var response = await SendAsync("""
            {
              a: contacts(first: 5) { nodes { ...F } }
              b: contacts(first: 5) { nodes { ...F } }
            }
            fragment F on Contact { id name lastName }
            """);

        ShouldBeRefusedFor(response, "MaxCost", "it reaches 42 at field 'lastName'");
    }

    [Fact]
    public async Task Typename_counts_like_any_other_field()
    {
        // The query that costs exactly the limit, and __typename for each of its 5 records.
        var response = await SendAsync("{ contacts(first: 5) { nodes { id name secondName lastName honorific post comments __typename } } }");

        ShouldBeRefusedFor(response, "MaxCost", "it reaches 46 at field '__typename'");
    }

    [Fact]
    public async Task An_exponential_fragment_fan_out_is_refused_promptly()
    {
        // Forty fragments, each spreading the next one twice: 2^40 selections of 'id' once expanded.
        var query = new StringBuilder("{ contacts(first: 1) { nodes { ...F0 } } }\n");
        const int levels = 40;
        for (var i = 0; i < levels; i++)
        {
            query.Append(System.Globalization.CultureInfo.InvariantCulture, $"fragment F{i} on Contact {{ ...F{i + 1} ...F{i + 1} }}\n");
        }

        query.Append(System.Globalization.CultureInfo.InvariantCulture, $"fragment F{levels} on Contact {{ id }}\n");

        var send = SendAsync(query.ToString());
        var finished = await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(60)));

        Assert.True(finished == send, "The query was still being checked after a minute.");
        ShouldBeRefusedFor(await send, "MaxCost");
    }

    [Fact]
    public async Task A_list_without_first_or_last_holds_the_default_page_size()
    {
        // Companies: the depth test counts on every contact here having one.
        var marker = Records.NewMarker("page");
        for (var i = 0; i < DefaultPageSize + 2; i++)
        {
            await Host.CreateCompanyAsync(new { title = marker });
        }

        var response = (await SendAsync("query($m: String) { companies(where: { title: { eq: $m } }) { totalCount nodes { id } pageInfo { hasNextPage } } }", new { m = marker })).ShouldSucceed();

        Assert.Equal(DefaultPageSize + 2, response.Data!["companies"]!["totalCount"]!.GetValue<int>());
        Assert.Equal(DefaultPageSize, response.Data!["companies"]!["nodes"]!.AsArray().Count);
        Assert.True(response.Data!["companies"]!["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_default_page_size_is_what_the_cost_of_a_list_without_first_multiplies()
    {
        // contacts 1 + 3 (the default page) x (nodes + 12 fields) = 40; a 13th field makes 43.
        const string twelve = "id name secondName lastName honorific post comments birthdate opened createdAt updatedAt typeId";

        var fits = await SendAsync($"{{ contacts {{ nodes {{ {twelve} }} }} }}");
        var over = await SendAsync($"{{ contacts {{ nodes {{ {twelve} sourceId }} }} }}");

        fits.ShouldSucceed();
        ShouldBeRefusedFor(over, "MaxCost", "it reaches 43 at field 'sourceId'");
    }

    [Fact]
    public async Task A_page_at_the_size_limit_runs()
    {
        var literal = (await SendAsync("{ contacts(first: 5) { totalCount } }")).ShouldSucceed();
        var variable = (await SendAsync("query($n: Int) { contacts(last: $n) { totalCount } }", new { n = MaxPageSize })).ShouldSucceed();

        Assert.NotNull(literal.Data!["contacts"]!["totalCount"]);
        Assert.NotNull(variable.Data!["contacts"]!["totalCount"]);
    }

    [Theory]
    [InlineData("{ contacts(first: 6) { totalCount } }")]
    [InlineData("{ contacts(last: 6) { totalCount } }")]
    [InlineData("{ companies(first: 1000) { totalCount } }")]
    [InlineData("{ contacts(first: 1) { totalCount } companies(first: 6) { totalCount } }")]
    public async Task A_literal_page_size_over_the_limit_is_refused_before_execution(string query)
    {
        var response = await SendAsync(query);

        ShouldBeRefusedFor(response, "MaxPageSize", $"exceeds the limit of {MaxPageSize}");
    }

    [Theory]
    [InlineData("query($n: Int) { contacts(first: $n) { totalCount } }")]
    [InlineData("query($n: Int) { contacts(last: $n) { totalCount } }")]
    [InlineData("query($n: Int!) { companies(first: $n) { nodes { id } } }")]
    public async Task A_page_size_over_the_limit_given_as_a_variable_is_refused_before_execution(string query)
    {
        var response = await SendAsync(query, new { n = MaxPageSize + 1 });

        ShouldBeRefusedFor(response, "MaxPageSize", $"Page size {MaxPageSize + 1}");
    }

    [Fact]
    public async Task A_page_size_over_the_limit_given_as_a_variable_inside_a_fragment_is_refused_before_execution()
    {
        var response = await SendAsync("query($n: Int) { ...Page } fragment Page on Query { contacts(first: $n) { totalCount } }", new { n = MaxPageSize + 1 });

        ShouldBeRefusedFor(response, "MaxPageSize", $"Page size {MaxPageSize + 1}");
    }

    [Fact]
    public async Task A_page_size_over_the_limit_given_as_a_variable_default_is_refused_before_execution()
    {
        var response = await SendAsync("query($n: Int = 6) { contacts(first: $n) { totalCount } }");

        ShouldBeRefusedFor(response, "MaxPageSize", "Page size 6");
    }

    [Fact]
    public async Task A_mutation_over_a_limit_is_refused_and_changes_nothing()
    {
        var before = await DatabaseState.CaptureAsync(Host);
        const string create = "createContact(input: { name: \"Refused\" })";

        // createContact(1) contact(2) companies(3) contacts(4) id(5)
        var tooDeep = await SendAsync($"mutation {{ {create} {{ contact {{ companies {{ contacts {{ id }} }} }} }} }}");
        // createContact 1 + contact 1 + companies 1 + 10 (a plain list) x 4 fields = 43
        var tooCostly = await SendAsync($"mutation {{ {create} {{ contact {{ companies {{ id title industry comments }} }} }} }}");

        ShouldBeRefusedFor(tooDeep, "MaxDepth");
        ShouldBeRefusedFor(tooCostly, "MaxCost", "it reaches 43 at field 'comments'");
        await before.ShouldBeUnchangedAsync(Host, "both mutations were over a limit");
    }

    [Fact]
    public async Task A_refused_query_is_200_without_data_for_a_client_taking_application_json()
    {
        var response = await Host.SendAsync(PostQuery("{ contacts(first: 6) { totalCount } }", accept: JsonMediaType));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(JsonMediaType, response.ContentType);
        Assert.Equal(["LIMIT_EXCEEDED"], response.ErrorCodes);
        Assert.False(response.Body.ContainsKey("data"), response.Body.ToJsonString());
        Assert.Equal(0, response.Statements);
    }

    [Fact]
    public async Task Introspection_is_not_held_to_the_depth_and_cost_limits()
    {
        var response = (await SendAsync("{ __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }")).ShouldSucceed();

        Assert.NotEmpty(response.Data!["__schema"]!["types"]!.AsArray());
    }
}

public sealed class SmallLimitsSqliteHost() : ConfiguredHostFixture(Engine.Sqlite, QueryLimitsTests.Settings);

public sealed class SmallLimitsPostgresHost() : ConfiguredHostFixture(Engine.Postgres, QueryLimitsTests.Settings);

[Trait("Engine", "Sqlite")]
public sealed class QueryLimitsOnSqlite(SmallLimitsSqliteHost fixture) : QueryLimitsTests(fixture), IClassFixture<SmallLimitsSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class QueryLimitsOnPostgres(SmallLimitsPostgresHost fixture) : QueryLimitsTests(fixture), IClassFixture<SmallLimitsPostgresHost>;
