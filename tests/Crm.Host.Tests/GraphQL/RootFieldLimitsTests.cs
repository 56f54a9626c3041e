using System.Net;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// Root fields a request may hold only once (<c>login</c>, <c>refreshToken</c>, <c>__schema</c>,
/// <c>__type</c>), however they are aliased or spread, at the default limits: refused before
/// anything runs, so no password is hashed and no attempt counted.
/// </summary>
public abstract class RootFieldLimitsTests(HostFixture fixture)
{
    /// <summary>What GraphiQL sends on opening (graphql-js's getIntrospectionQuery).</summary>
    public const string GraphiQLIntrospection = """
        query IntrospectionQuery {
          __schema {
            queryType { name } mutationType { name } subscriptionType { name }
            types { ...FullType }
            directives { name description locations args { ...InputValue } }
          }
        }
        fragment FullType on __Type {
          kind name description
          fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
          inputFields { ...InputValue }
          interfaces { ...TypeRef }
          enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
          possibleTypes { ...TypeRef }
        }
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
        fragment TypeRef on __Type {
          kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
        }
        """;

    private const string Login = "login(email: $email, password: $password) { accessToken errors { code } }";

    private CrmHost Host => fixture.Host;

    private static void ShouldBeRefusedOnce(GraphQLResponse response, string field)
    {
        var error = response.ShouldBeRequestError(HttpStatusCode.BadRequest, "LIMIT_EXCEEDED");
        Assert.Contains($"'{field}' may appear at most once per request", error.Message(), StringComparison.Ordinal);
        Assert.Equal(0, response.SqlStatements);
    }

    [Fact]
    public async Task Forty_aliased_logins_are_refused_and_none_is_tried()
    {
        var (_, email, _) = await Host.NewUserWithKeyAsync("aliased");
        var fields = string.Join(' ', Enumerable.Range(0, 40).Select(i => $"l{i}: {Login}"));

        var response = await Host.QueryAsync($"mutation($email: String!, $password: String!) {{ {fields} }}", new { email, password = "wrong password!" }, apiKey: null);

        ShouldBeRefusedOnce(response, "login");
        // Five failures would lock the e-mail: none was counted, so the right password still works.
        Assert.NotNull((await Host.LoginAsync(email, PermissionHelpers.Password)).Ok()["accessToken"]);
    }

    [Theory]
    [InlineData("{{ a: {0} b: {0} }}")]
    [InlineData("{{ {0} ...F }} fragment F on Mutation {{ again: {0} }}")]
    [InlineData("{{ ... on Mutation {{ {0} }} second: {0} }}")]
    public async Task Two_logins_however_written_are_refused(string shape)
    {
        var response = await Host.QueryAsync("mutation($email: String!, $password: String!) " + string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, Login),
            new { email = "nobody@example.com", password = "wrong password!" }, apiKey: null);

        ShouldBeRefusedOnce(response, "login");
    }

    [Fact]
    public async Task One_login_spread_twice_runs_once_as_GraphQL_merges_it()
    {
        var (_, email, _) = await Host.NewUserWithKeyAsync("merged");

        var response = (await Host.QueryAsync($"mutation($email: String!, $password: String!) {{ ...F ...F }} fragment F on Mutation {{ {Login} }}",
            new { email, password = PermissionHelpers.Password }, apiKey: null)).ShouldSucceed();

        Assert.NotNull(response.Data!["login"]!["accessToken"]);
    }

    [Fact]
    public async Task Two_refresh_tokens_in_one_request_are_refused()
    {
        var (_, email, _) = await Host.NewUserWithKeyAsync("refresh");
        var refresh = (await Host.LoginAsync(email, PermissionHelpers.Password)).Ok()["refreshToken"]!.GetValue<string>();

        var response = await Host.QueryAsync("mutation($t: String!) { a: refreshToken(refreshToken: $t) { accessToken } b: refreshToken(refreshToken: $t) { accessToken } }", new { t = refresh }, apiKey: null);

        ShouldBeRefusedOnce(response, "refreshToken");
        // Nothing ran: the token is still good for its one exchange.
        var exchanged = await Host.MutateAsync("refreshToken", "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken errors { code message path } } }", new { t = refresh }, apiKey: null);
        Assert.NotNull(exchanged.Ok()["accessToken"]);
    }

    [Fact]
    public async Task Two_hundred_introspection_aliases_are_refused()
    {
        var fields = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"s{i}: __schema {{ types {{ name fields {{ name type {{ name }} }} }} }}"));

        var response = await Host.QueryAsync($"{{ {fields} }}");

        // Over Limits:MaxAliases (100) before anyone counts the __schema fields.
        response.ShouldBeRequestError(HttpStatusCode.BadRequest, "LIMIT_EXCEEDED");
    }

    [Fact]
    public async Task Two_schema_lookups_are_refused_however_written()
    {
        var aliased = await Host.QueryAsync("{ a: __schema { queryType { name } } b: __schema { types { name } } }");
        var spread = await Host.QueryAsync("{ __schema { queryType { name } } ...F } fragment F on Query { again: __schema { types { name } } }");

        ShouldBeRefusedOnce(aliased, "__schema");
        ShouldBeRefusedOnce(spread, "__schema");
    }

    [Fact]
    public async Task Two_type_lookups_are_refused()
    {
        var response = await Host.QueryAsync("{ a: __type(name: \"Contact\") { name } b: __type(name: \"Deal\") { name } }");

        ShouldBeRefusedOnce(response, "__type");
    }

    [Fact]
    public async Task GraphiQL_introspection_runs_with_a_key_at_the_default_limits()
    {
        var response = (await Host.QueryAsync(GraphiQLIntrospection)).ShouldSucceed();

        Assert.Contains(response.Data!["__schema"]!["types"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "Deal");
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RootFieldLimitsOnSqlite(SqliteHost fixture) : RootFieldLimitsTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RootFieldLimitsOnPostgres(PostgresHost fixture) : RootFieldLimitsTests(fixture), IClassFixture<PostgresHost>;
