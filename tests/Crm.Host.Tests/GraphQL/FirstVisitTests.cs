using System.Net;
using Crm.Host.Tests.Infrastructure;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// What a newcomer meets in a browser: the console at the root and at its client routes; GraphiQL at /graphql, which opens on an example
/// CRM query that runs, under headers that keep the page to itself; every answer is nosniff.
/// </summary>
public abstract class FirstVisitTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    [Theory]
    [InlineData("/")]
    [InlineData("/records/deal/5")]
    public async Task A_browser_at_the_root_or_a_client_route_gets_the_console(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");

        using var response = await Host.SendRawAsync(request, apiKey: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", Assert.Single(response.Headers.GetValues("Cache-Control")));
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("/console/assets/", page, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.DoesNotMatch("<script(?![^>]*\\ssrc=)", page); // no inline script: the policy would refuse it
    }

    [Fact]
    public async Task The_consoles_assets_are_cached_for_a_year_and_a_missing_one_is_not_the_page()
    {
        using var page = await Host.SendRawAsync(Html("/"), apiKey: null);
        var asset = System.Text.RegularExpressions.Regex.Match(await page.Content.ReadAsStringAsync(), "/console/assets/[^\"]+\\.js").Value;

        using var response = await Host.SendRawAsync(new HttpRequestMessage(HttpMethod.Get, asset), apiKey: null);
        using var missing = await Host.SendRawAsync(Html("/console/assets/no-such-file.js"), apiKey: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", Assert.Single(response.Headers.GetValues("Cache-Control")));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static HttpRequestMessage Html(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", "text/html");
        return request;
    }

    [Fact]
    public async Task Another_client_at_the_root_is_told_where_the_API_is()
    {
        using var response = await Host.SendRawAsync(new HttpRequestMessage(HttpMethod.Get, "/"), apiKey: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("/graphql", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_GraphiQL_page_may_not_be_framed_run_foreign_code_or_send_a_referrer()
    {
        using var response = await Host.SendRawAsync(Get(query: null, accept: "text/html"), apiKey: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        foreach (var directive in new[] { "default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'" })
        {
            Assert.Contains(directive, policy, StringComparison.Ordinal);
        }

        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Theory]
    [InlineData("GET", "/healthz")]
    [InlineData("GET", "/readyz")]
    [InlineData("GET", "/graphiql/graphiql.js")]
    [InlineData("GET", "/no-such-page")]
    [InlineData("POST", "/graphql")]
    [InlineData("GET", "/graphql?query={__typename}")]
    public async Task Every_answer_says_nosniff(string method, string path)
    {
        using var request = method == "POST" ? PostQuery("{ __typename }") : new HttpRequestMessage(HttpMethod.Get, path);

        using var response = await Host.SendRawAsync(request, apiKey: null);

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.False(response.Headers.Contains("Content-Security-Policy"), "only HTML pages carry the page policy");
    }

    [Fact]
    public async Task GraphiQL_opens_on_an_example_CRM_query_that_runs()
    {
        var source = await File.ReadAllTextAsync(Path.Combine(TestPostgres.RepositoryRoot(), "tools", "graphiql", "src", "index.jsx"));
        const string start = "const DEFAULT_QUERY = `";
        var from = source.IndexOf(start, StringComparison.Ordinal) + start.Length;
        var query = source[from..source.IndexOf('`', from)];

        Assert.Contains("deals(", query, StringComparison.Ordinal);
        Assert.True(query.Split('\n').Count(line => line.TrimStart().StartsWith('#')) >= 5, "the example explains itself in comments");
        (await Host.QueryAsync(query)).ShouldSucceed();

        // The page serves what the source says: the bundle was rebuilt (esbuild may escape non-ASCII).
        var bundle = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "wwwroot", "graphiql", "graphiql.js"));
        foreach (var line in query.Split('\n').Where(line => line.Length > 0 && line.All(char.IsAscii)))
        {
            Assert.True(bundle.Contains(line, StringComparison.Ordinal), $"the GraphiQL bundle lacks '{line}': rebuild it (tools/graphiql)");
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class FirstVisitOnSqlite(SqliteHost fixture) : FirstVisitTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class FirstVisitOnPostgres(PostgresHost fixture) : FirstVisitTests(fixture), IClassFixture<PostgresHost>;
