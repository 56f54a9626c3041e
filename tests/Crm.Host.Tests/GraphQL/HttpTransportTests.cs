using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Host.Tests.Infrastructure;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>GraphQL over HTTP as its specification has it: methods, media types, request shapes, sizes.</summary>
public abstract partial class HttpTransportTests(HostFixture fixture)
{
    private const string CountContacts = "{ contacts { totalCount } }";

    private CrmHost Host => fixture.Host;

    private async Task<string> CreateContactAsync(string name)
    {
        var response = (await Host.QueryAsync(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } errors { code } } }",
            new { input = new { name } })).ShouldSucceed();
        return response.Data!["createContact"]!["contact"]!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_POST_with_a_JSON_body_runs_the_query()
    {
        var name = "Post " + Guid.NewGuid().ToString("N")[..8];
        var id = await CreateContactAsync(name);

        var response = (await Host.SendAsync(PostQuery("query($id: ID!) { contact(id: $id) { id name } }", new { id }))).ShouldSucceed();

        Assert.Equal(ResponseMediaType, response.ContentType);
        Assert.Equal(name, response.Data!["contact"]!["name"]!.GetValue<string>());
        Assert.False(response.Body.ContainsKey("errors"), response.Body.ToJsonString());
    }

    [Fact]
    public async Task A_GET_with_the_query_in_the_URL_runs_it()
    {
        var name = "Get " + Guid.NewGuid().ToString("N")[..8];
        var id = await CreateContactAsync(name);

        var response = (await Host.SendAsync(Get($"{{ contact(id: \"{id}\") {{ name }} }}"))).ShouldSucceed();

        Assert.Equal(name, response.Data!["contact"]!["name"]!.GetValue<string>());
        Assert.False(response.Body.ContainsKey("errors"), response.Body.ToJsonString());
    }

    [Fact]
    public async Task A_GET_takes_its_variables_and_operation_name_as_URL_encoded_JSON()
    {
        var name = "GetVars " + Guid.NewGuid().ToString("N")[..8];
        var id = await CreateContactAsync(name);
        const string document = """
            query Other { __typename }
            query ByName($id: ID!, $marker: String!) {
              contact(id: $id) { name }
              contacts(where: { name: { eq: $marker } }) { totalCount }
            }
            """;

        var response = (await Host.SendAsync(Get(document, new { id, marker = name }, operationName: "ByName"))).ShouldSucceed();

        Assert.Equal(name, response.Data!["contact"]!["name"]!.GetValue<string>());
        Assert.Equal(1, response.Data!["contacts"]!["totalCount"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"{}\"")]
    [InlineData("{not json")]
    public async Task A_GET_with_variables_that_are_not_a_JSON_object_is_a_bad_request(string variables)
    {
        var response = await Host.SendAsync(Get("query($n: Int) { contacts(first: $n) { totalCount } }", variables));

        var error = response.ShouldBeRequestError(HttpStatusCode.BadRequest, "BAD_REQUEST");
        Assert.Contains("variables", error.Message(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_GET_without_a_query_is_a_bad_request()
    {
        var response = await Host.SendAsync(Get(query: null));

        var error = response.ShouldBeRequestError(HttpStatusCode.BadRequest, "BAD_REQUEST");
        Assert.Contains("query", error.Message(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mutation_sent_with_GET_is_refused_with_405_and_changes_nothing()
    {
        var before = await DatabaseState.CaptureAsync(Host);

        using var raw = await Host.SendRawAsync(Get("mutation { createContact(input: { name: \"ViaGet\" }) { contact { id } } }"));
        var response = await GraphQLResponse.ReadAsync(raw);

        response.ShouldBeRequestError(HttpStatusCode.MethodNotAllowed, "BAD_REQUEST");
        Assert.Equal(["POST"], raw.Content.Headers.Allow);
        await before.ShouldBeUnchangedAsync(Host, "a mutation sent with GET");
    }

    [Fact]
    public async Task The_named_operation_decides_whether_GET_is_allowed()
    {
        const string document = "query Read { contacts { totalCount } } mutation Write { createContact(input: { name: \"ViaGet\" }) { contact { id } } }";
        var before = await Host.CountAsync("contacts");
        var state = await DatabaseState.CaptureAsync(Host);

        var read = (await Host.SendAsync(Get(document, operationName: "Read"))).ShouldSucceed();
        var write = await Host.SendAsync(Get(document, operationName: "Write"));

        Assert.Equal(before, read.Data!["contacts"]!["totalCount"]!.GetValue<int>());
        write.ShouldBeRequestError(HttpStatusCode.MethodNotAllowed, "BAD_REQUEST");
        await state.ShouldBeUnchangedAsync(Host, "the mutation of a GET was refused");
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task Other_methods_are_refused_with_405_and_an_Allow_header(string method)
    {
        var request = Post("""{"query": "{ contacts { totalCount } }"}""");
        request.Method = new HttpMethod(method);

        using var raw = await Host.SendRawAsync(request);
        var response = await GraphQLResponse.ReadAsync(raw);

        response.ShouldBeRequestError(HttpStatusCode.MethodNotAllowed, "BAD_REQUEST");
        Assert.Equal(["GET", "POST"], raw.Content.Headers.Allow);
    }

    [Fact]
    public async Task With_Accept_graphql_response_json_a_validation_error_is_400_in_that_media_type()
    {
        var ok = (await Host.SendAsync(PostQuery(CountContacts, accept: ResponseMediaType))).ShouldSucceed();
        var invalid = await Host.SendAsync(PostQuery("{ contacts { noSuchField } }", accept: ResponseMediaType));

        Assert.Equal(ResponseMediaType, ok.ContentType);
        Assert.Equal(ResponseMediaType, invalid.ContentType);
        var error = invalid.ShouldBeRequestError(HttpStatusCode.BadRequest, "VALIDATION");
        Assert.Contains("noSuchField", error.Message(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_Accept_application_json_even_a_validation_error_is_200()
    {
        var ok = (await Host.SendAsync(PostQuery(CountContacts, accept: JsonMediaType))).ShouldSucceed();
        var invalid = await Host.SendAsync(PostQuery("{ contacts { noSuchField } }", accept: JsonMediaType));

        Assert.Equal(JsonMediaType, ok.ContentType);
        Assert.Equal(JsonMediaType, invalid.ContentType);
        Assert.Equal(HttpStatusCode.OK, invalid.Status);
        Assert.Equal(["VALIDATION"], invalid.ErrorCodes);
        Assert.False(invalid.Body.ContainsKey("data"), invalid.Body.ToJsonString());
    }

    [Fact]
    public async Task Without_an_Accept_header_the_answer_is_application_json()
    {
        var ok = (await Host.SendAsync(PostQuery(CountContacts, accept: null))).ShouldSucceed();
        var invalid = await Host.SendAsync(PostQuery("{ contacts { noSuchField } }", accept: null));

        Assert.Equal(JsonMediaType, ok.ContentType);
        Assert.Equal(JsonMediaType, invalid.ContentType);
        Assert.Equal(HttpStatusCode.OK, invalid.Status);
        Assert.Equal(["VALIDATION"], invalid.ErrorCodes);
    }

    [Theory]
    [InlineData("application/json;q=0.5, application/graphql-response+json", ResponseMediaType)]
    [InlineData("application/graphql-response+json;q=0.5, application/json", JsonMediaType)]
    [InlineData("text/html, */*;q=0.8", JsonMediaType)]
    [InlineData("application/*", JsonMediaType)]
    [InlineData("application/graphql-response+json;q=0, application/json;q=0.1", JsonMediaType)]
    public async Task The_Accept_header_picks_the_media_type_by_preference(string accept, string expected)
    {
        var response = (await Host.SendAsync(PostQuery(CountContacts, accept: accept))).ShouldSucceed();

        Assert.Equal(expected, response.ContentType);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml, text/*")]
    [InlineData("application/json;q=0")]
    public async Task An_Accept_header_allowing_no_JSON_media_type_is_406(string accept)
    {
        using var raw = await Host.SendRawAsync(PostQuery(CountContacts, accept: accept));
        var response = await GraphQLResponse.ReadAsync(raw);

        response.ShouldBeRequestError(HttpStatusCode.NotAcceptable, "BAD_REQUEST");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/graphql")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData(null)]
    public async Task A_body_that_is_not_UTF8_JSON_is_415(string? contentType)
    {
        var response = await Host.SendAsync(Post("""{"query":"{ contacts { totalCount } }"}""", contentType));

        response.ShouldBeRequestError(HttpStatusCode.UnsupportedMediaType, "BAD_REQUEST");
        Assert.Equal(ResponseMediaType, response.ContentType);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/json;charset=\"utf-8\"")]
    [InlineData("Application/JSON")]
    public async Task A_JSON_body_in_UTF8_is_accepted_however_the_type_is_spelled(string contentType)
    {
        var response = await Host.SendAsync(Post("""{"query":"{ contacts { totalCount } }"}""", contentType));

        response.ShouldSucceed();
    }

    [Theory]
    [InlineData("""{"query": "{ contacts { totalCount } }" """, "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("""["{ contacts { totalCount } }"]""", "JSON object")]
    [InlineData("\"{ contacts { totalCount } }\"", "JSON object")]
    [InlineData("null", "JSON object")]
    [InlineData("{}", "query")]
    [InlineData("""{"query": ""}""", "query")]
    [InlineData("""{"query": null}""", "query")]
    [InlineData("""{"query": 42}""", "'query' must be a string")]
    [InlineData("""{"query": {"text": "{ __typename }"}}""", "'query' must be a string")]
    [InlineData("""{"query": "{ contacts { totalCount } }", "variables": [1]}""", "'variables' must be a JSON object")]
    [InlineData("""{"query": "{ contacts { totalCount } }", "variables": "{}"}""", "'variables' must be a JSON object")]
    [InlineData("""{"query": "{ contacts { totalCount } }", "operationName": 7}""", "'operationName' must be a string")]
    [InlineData("""{"query": "{ contacts { totalCount } }", "extensions": true}""", "'extensions' must be a JSON object")]
    public async Task A_malformed_request_body_is_400(string body, string problem)
    {
        var response = await Host.SendAsync(Post(body));

        var error = response.ShouldBeRequestError(HttpStatusCode.BadRequest, "BAD_REQUEST");
        Assert.Contains(problem, error.Message(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_request_body_is_400_even_when_the_client_asks_for_application_json()
    {
        var response = await Host.SendAsync(Post("""{"query": 42}""", accept: JsonMediaType));

        response.ShouldBeRequestError(HttpStatusCode.BadRequest, "BAD_REQUEST");
        Assert.Equal(JsonMediaType, response.ContentType);
    }

    [Fact]
    public async Task A_syntax_error_is_400_and_names_the_problem()
    {
        var response = await Host.SendAsync(PostQuery("{ contacts { totalCount }"));

        response.ShouldBeRequestError(HttpStatusCode.BadRequest, "SYNTAX_ERROR");
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_413_whether_or_not_its_length_is_announced()
    {
        const int limit = 512;
        await using var host = await CrmHost.StartAsync(fixture.Engine, new Dictionary<string, string?> { ["GraphQL:MaxRequestBytes"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var before = await host.CountAsync("contacts");
        var state = await DatabaseState.CaptureAsync(host);

        // A valid request of exactly this many bytes, so that only its size can be the problem.
        static string Body(int bytes)
        {
            const string start = """{"query": "mutation { createContact(input: { name: \"Sized\" }) { contact { id } } }""";
            const string end = "\"}";
            return start + new string(' ', bytes - start.Length - end.Length) + end;
        }

        var announced = await host.SendAsync(Post(Body(limit + 1)));
        var streamed = await host.SendStreamedAsync(new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new UnknownLengthContent(Body(limit + 1), JsonMediaType) });

        var announcedError = announced.ShouldBeRequestError(HttpStatusCode.RequestEntityTooLarge, "BAD_REQUEST");
        Assert.Contains("GraphQL:MaxRequestBytes", announcedError.Message(), StringComparison.Ordinal);
        var streamedError = streamed.ShouldBeRequestError(HttpStatusCode.RequestEntityTooLarge, "BAD_REQUEST");
        Assert.Contains("GraphQL:MaxRequestBytes", streamedError.Message(), StringComparison.Ordinal);
        // Each took its own path: the announced length was refused unread, the other while read.
        Assert.Contains($"is {limit + 1} bytes; the limit is {limit}", announcedError.Message(), StringComparison.Ordinal);
        Assert.Contains($"exceeds the limit of {limit}", streamedError.Message(), StringComparison.Ordinal);
        await state.ShouldBeUnchangedAsync(host, "both bodies were over the size limit");

        // Exactly at the limit is allowed, both ways.
        (await host.SendAsync(Post(Body(limit)))).ShouldSucceed();
        (await host.SendStreamedAsync(new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new UnknownLengthContent(Body(limit), JsonMediaType) })).ShouldSucceed();
        Assert.Equal(before + 2, await host.CountAsync("contacts"));
    }

    [Fact]
    public async Task Successful_responses_have_no_errors_key_at_all()
    {
        var mutation = await Host.SendAsync(PostQuery(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            new { input = new { name = "NoErrors" } }));
        var query = await Host.SendAsync(Get(CountContacts, accept: JsonMediaType));
        var introspection = await Host.SendAsync(PostQuery("{ __schema { queryType { name } } }"));

        foreach (var response in new[] { mutation, query, introspection })
        {
            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.NotNull(response.Data);
            Assert.False(response.Body.ContainsKey("errors"), response.Body.ToJsonString());
        }
    }

    [Fact]
    public async Task A_browser_asking_for_HTML_gets_GraphiQL_and_its_script()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/graphql");
        request.Headers.TryAddWithoutValidation("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        using var page = await Host.SendRawAsync(request, apiKey: null);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("graphiql", html, StringComparison.OrdinalIgnoreCase);
        var script = ScriptSource().Match(html);
        Assert.True(script.Success, html);
        Assert.StartsWith("/graphiql/graphiql.js", script.Groups[1].Value, StringComparison.Ordinal);

        foreach (var path in new[] { script.Groups[1].Value, "/graphiql/graphiql.js" })
        {
            using var js = await Host.SendRawAsync(new HttpRequestMessage(HttpMethod.Get, path), apiKey: null);
            Assert.Equal(HttpStatusCode.OK, js.StatusCode);
            Assert.Contains("javascript", js.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            Assert.True((await js.Content.ReadAsByteArrayAsync()).Length > 1000);
        }
    }

    [Fact]
    public async Task A_browser_sending_a_query_in_the_URL_gets_the_result_not_GraphiQL()
    {
        var request = Get(CountContacts, accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        var response = (await Host.SendAsync(request)).ShouldSucceed();

        Assert.Equal(JsonMediaType, response.ContentType);
        Assert.NotNull(response.Data!["contacts"]!["totalCount"]);
    }

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}

[Trait("Engine", "Sqlite")]
public sealed class HttpTransportOnSqlite(SqliteHost fixture) : HttpTransportTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class HttpTransportOnPostgres(PostgresHost fixture) : HttpTransportTests(fixture), IClassFixture<PostgresHost>;
