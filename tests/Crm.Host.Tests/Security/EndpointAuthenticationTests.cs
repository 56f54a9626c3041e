using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Security;

/// <summary>Two endpoints as a module maps them: one open to anyone, one that requires a caller.</summary>
public sealed class WhoAmIEndpoints : IEndpointContributor
{
    public const string Open = "/test/whoami";
    public const string Closed = "/test/whoami-signed-in";

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Open, WhoAmI);
        endpoints.MapGet(Closed, WhoAmI).RequireAuthorization();
    }

    private static IResult WhoAmI(HttpContext http, ICurrentActor actor) => Results.Json(new
    {
        userId = actor.UserId,
        administrator = actor.IsAdministrator,
        user = http.User.FindFirst(ClaimTypes.NameIdentifier)?.Value,
        clientAddress = actor.ClientAddress?.ToString(),
    });
}

/// <summary>A host with <see cref="WhoAmIEndpoints"/>, registered as a module's contributor would be.</summary>
public abstract class EndpointHostFixture(Engine engine) : HostFixture(engine)
{
    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IEndpointContributor, WhoAmIEndpoints>();
}

public sealed class EndpointSqliteHost() : EndpointHostFixture(Engine.Sqlite);

public sealed class EndpointPostgresHost() : EndpointHostFixture(Engine.Postgres);

/// <summary>
/// An endpoint a module adds is authenticated like <c>/graphql</c>: the same keys and tokens
/// make the same actor, and a refused or missing one gets the same 401.
/// </summary>
public abstract class EndpointAuthenticationTests(EndpointHostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_module_endpoint_sees_the_caller_of_an_api_key()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("endpoint");

        var admin = await GetAsync(WhoAmIEndpoints.Open, CrmHost.AdminKey);
        var user = await GetAsync(WhoAmIEndpoints.Closed, key, address: "203.0.113.9");

        Assert.Equal((HttpStatusCode.OK, 1L, true, "1"), (admin.Status, admin.Body["userId"]!.GetValue<long>(), admin.Body["administrator"]!.GetValue<bool>(), admin.Body["user"]!.GetValue<string>()));
        Assert.Equal(
            (HttpStatusCode.OK, long.Parse(userId, System.Globalization.CultureInfo.InvariantCulture), false, userId, "203.0.113.9"),
            (user.Status, user.Body["userId"]!.GetValue<long>(), user.Body["administrator"]!.GetValue<bool>(), user.Body["user"]!.GetValue<string>(), user.Body["clientAddress"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_module_endpoint_sees_the_caller_of_an_access_token()
    {
        var email = PermissionHelpers.NewEmail("endpoint-token");
        var userId = await Host.CreateUserAsync(new { email, name = "Token", password = PermissionHelpers.Password });
        var token = (await Host.LoginAsync(email, PermissionHelpers.Password)).Ok()["accessToken"]!.GetValue<string>();

        var response = await GetAsync(WhoAmIEndpoints.Closed, token);

        Assert.Equal((HttpStatusCode.OK, userId), (response.Status, response.Body["user"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Without_a_key_an_open_endpoint_sees_no_one_and_a_closed_one_answers_401_as_graphql_does()
    {
        var open = await GetAsync(WhoAmIEndpoints.Open, null);
        var closed = await GetAsync(WhoAmIEndpoints.Closed, null);
        var graphql = await Host.QueryAsync("{ me { id } }", apiKey: null);

        Assert.Equal((HttpStatusCode.OK, null, false), (open.Status, open.Body["userId"]?.GetValue<long>(), open.Body["administrator"]!.GetValue<bool>()));
        Assert.Equal(HttpStatusCode.Unauthorized, closed.Status);
        Assert.Equal("Bearer", closed.Challenge);
        Assert.Equal(graphql.Body.ToJsonString(), closed.Body.ToJsonString());
    }

    [Theory]
    [InlineData("Bearer not-a-key-of-this-server-0123456789", "UNKNOWN_CREDENTIAL")]
    [InlineData("Basic dXNlcjpwYXNz", "NOT_BEARER")]
    public async Task A_refused_credential_is_refused_by_a_closed_endpoint_in_graphqls_words_and_leaves_an_open_one_anonymous(string authorization, string reason)
    {
        var closed = await GetAsync(WhoAmIEndpoints.Closed, null, authorization);
        var open = await GetAsync(WhoAmIEndpoints.Open, null, authorization);
        using var client = Host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent("""{"query":"{ me { id } }"}""") };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var graphqlResponse = await client.SendAsync(request);
        var graphql = await GraphQLResponse.ReadAsync(graphqlResponse);

        Assert.Equal(reason, graphql.ShouldBeUnauthenticated().Reason);
        Assert.Equal((HttpStatusCode.Unauthorized, graphqlResponse.Headers.WwwAuthenticate.ToString()), (closed.Status, closed.Challenge));
        Assert.Equal(graphql.Body.ToJsonString(), closed.Body.ToJsonString());
        Assert.Equal((HttpStatusCode.OK, null), (open.Status, open.Body["userId"]?.GetValue<long>()));
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private async Task<(HttpStatusCode Status, JsonObject Body, string Challenge)> GetAsync(string path, string? apiKey, string? authorization = null, string? address = null)
    {
        using var client = Host.CreateClient(apiKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (address is not null)
        {
            request.Headers.Add(CrmHost.ClientAddressHeader, address);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, (JsonObject)JsonNode.Parse(text)!, response.Headers.WwwAuthenticate.ToString());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class EndpointAuthenticationOnSqlite(EndpointSqliteHost fixture) : EndpointAuthenticationTests(fixture), IClassFixture<EndpointSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class EndpointAuthenticationOnPostgres(EndpointPostgresHost fixture) : EndpointAuthenticationTests(fixture), IClassFixture<EndpointPostgresHost>;
