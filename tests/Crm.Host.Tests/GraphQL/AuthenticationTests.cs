using System.Globalization;
using System.Net;
using System.Text;
using Crm.Host.Tests.Infrastructure;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// API keys on <c>/graphql</c>: data needs a valid key; <c>__typename</c> and introspection may go
/// without where <c>GraphQL:AllowAnonymousIntrospection</c> allows it (these hosts; not by default).
/// </summary>
public abstract class AuthenticationTests(ConfiguredHostFixture fixture)
{
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?> { ["GraphQL:AllowAnonymousIntrospection"] = "true" };

    private const string Introspection = """
        query IntrospectionQuery {
          __schema { queryType { name } mutationType { name } types { ...TypeRef } }
          __type(name: "Contact") { fields { name } }
        }
        fragment TypeRef on __Type { kind name }
        """;

    private CrmHost Host => fixture.Host;

    [Theory]
    [InlineData("{ contacts { totalCount } }")]
    [InlineData("{ contact(id: \"1\") { id } }")]
    [InlineData("{ modules { id } }")]
    [InlineData("mutation { createContact(input: { name: \"Anonymous\" }) { contact { id } } }")]
    public async Task Without_a_key_a_data_request_is_401_UNAUTHENTICATED(string query)
    {
        var before = await DatabaseState.CaptureAsync(Host);

        using var raw = await Host.SendRawAsync(PostQuery(query), apiKey: null);
        var response = await GraphQLResponse.ReadAsync(raw);

        var error = response.ShouldBeRequestError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.Contains("Authorization: Bearer", error.Message(), StringComparison.Ordinal);
        Assert.Equal("Bearer", Assert.Single(raw.Headers.WwwAuthenticate).Scheme);
        Assert.Equal(0, response.Statements);
        await before.ShouldBeUnchangedAsync(Host, "an anonymous data request");
    }

    [Fact]
    public async Task Without_a_key_a_GET_is_401_too_whatever_the_Accept_header()
    {
        var graphQLResponse = await Host.SendAsync(Get("{ contacts { totalCount } }", accept: ResponseMediaType), apiKey: null);
        var json = await Host.SendAsync(Get("{ contacts { totalCount } }", accept: JsonMediaType), apiKey: null);

        graphQLResponse.ShouldBeRequestError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        json.ShouldBeRequestError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.Equal(JsonMediaType, json.ContentType);
    }

    [Theory]
    [InlineData("Bearer not-a-key-of-this-host-0123456789")]
    [InlineData("Bearer " + CrmHost.AdminKey + "x")]
    [InlineData("Bearer crm_VGhpcyBsb29rcyBsaWtlIGEga2V5IGJ1dCBpcyBub3Qgb25l")]
    [InlineData("Bearer crma_VGhpcyBsb29rcyBsaWtlIGEgdG9rZW4gYnV0IGlzIG5vdA")]
    [InlineData("Bearer crmr_VGhpcyBsb29rcyBsaWtlIGEgdG9rZW4gYnV0IGlzIG5vdA")]
    public async Task An_unknown_credential_is_401_even_for_what_anyone_may_ask_and_says_only_that_it_is_unknown(string authorization)
    {
        foreach (var query in new[] { "{ contacts { totalCount } }", "{ __typename }" })
        {
            var request = PostQuery(query);
            request.Headers.TryAddWithoutValidation("Authorization", authorization);

            using var raw = await Host.SendRawAsync(request, apiKey: null);
            var response = await GraphQLResponse.ReadAsync(raw);

            // The same words whatever the string looks like: a prober learns nothing from its guesses.
            var error = response.ShouldBeRequestError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
            Assert.Equal("The API key or access token is not valid: no key or token of this server matches it.", error.Message());
            Assert.Equal("UNKNOWN_CREDENTIAL", error["extensions"]!["data"]!["reason"]!.GetValue<string>());
            Assert.Contains("error=\"invalid_token\"", raw.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Basic " + CrmHost.AdminKey)]
    [InlineData(CrmHost.AdminKey)]
    public async Task A_credential_sent_without_the_Bearer_scheme_is_401_naming_the_scheme(string authorization)
    {
        var request = PostQuery("{ __typename }");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var raw = await Host.SendRawAsync(request, apiKey: null);
        var response = await GraphQLResponse.ReadAsync(raw);

        var error = response.ShouldBeRequestError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.Contains("'Bearer <api key or access token>'", error.Message(), StringComparison.Ordinal);
        Assert.Equal("NOT_BEARER", error["extensions"]!["data"]!["reason"]!.GetValue<string>());
        Assert.Contains("error=\"invalid_request\"", raw.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_scheme_name_of_a_valid_key_is_case_insensitive()
    {
        var request = PostQuery("{ contacts { totalCount } }");
        request.Headers.TryAddWithoutValidation("Authorization", "bearer " + CrmHost.AdminKey);

        (await Host.SendAsync(request, apiKey: null)).ShouldSucceed();
    }

    [Fact]
    public async Task Typename_is_answered_without_a_key()
    {
        var response = (await Host.SendAsync(PostQuery("{ __typename }"), apiKey: null)).ShouldSucceed();

        Assert.Equal("Query", response.Data!["__typename"]!.GetValue<string>());
    }

    [Fact]
    public async Task Introspection_is_answered_without_a_key()
    {
        var response = (await Host.SendAsync(PostQuery(Introspection), apiKey: null)).ShouldSucceed();

        Assert.Equal("Query", response.Data!["__schema"]!["queryType"]!["name"]!.GetValue<string>());
        Assert.Contains(response.Data!["__schema"]!["types"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "Contact");
        Assert.Contains(response.Data!["__type"]!["fields"]!.AsArray(), f => f!["name"]!.GetValue<string>() == "lastName");
    }

    [Theory]
    [InlineData("{ __typename contacts { totalCount } }")]
    [InlineData("{ __schema { queryType { name } } contacts { totalCount } }")]
    [InlineData("{ ...Q } fragment Q on Query { __typename contacts { totalCount } }")]
    [InlineData("{ ... on Query { __typename } ... on Query { contacts { totalCount } } }")]
    [InlineData("{ __typename ... @include(if: false) { contacts { totalCount } } }")]
    [InlineData("query A { __typename } query B { contacts { totalCount } }", "B")]
    public async Task Data_mixed_with_introspection_still_needs_a_key(string query, string? operationName = null)
    {
        using var raw = await Host.SendRawAsync(PostQuery(query, operationName: operationName), apiKey: null);
        var response = await GraphQLResponse.ReadAsync(raw);

        response.ShouldBeRequestError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.NotEmpty(raw.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task Picking_the_introspection_operation_of_a_document_needs_no_key()
    {
        var response = (await Host.SendAsync(PostQuery("query A { __typename } query B { contacts { totalCount } }", operationName: "A"), apiKey: null)).ShouldSucceed();

        Assert.Equal("Query", response.Data!["__typename"]!.GetValue<string>());
        Assert.Null(response.Data!["contacts"]);
    }

    [Theory]
    [InlineData("query A { __typename } query B { contacts { totalCount } }", null)]
    [InlineData("query A { __typename } query B { contacts { totalCount } }", "C")]
    [InlineData("query A { contacts { totalCount } }", "C")]
    public async Task Without_a_key_a_request_that_selects_no_operation_runs_nothing(string query, string? operationName)
    {
        var response = await Host.SendAsync(PostQuery(query, operationName: operationName), apiKey: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.False(response.Body.ContainsKey("data"), response.Body.ToJsonString());
        Assert.NotEmpty(response.Errors);
        Assert.Equal(0, response.Statements);
    }

    [Fact]
    public async Task An_anonymous_fragment_fan_out_is_answered_promptly()
    {
        // Twelve fragments, each spreading the next one ten times: 10^12 selections of '__typename' once expanded.
        const int levels = 12;
        var query = new StringBuilder("{ ...F0 }\n");
        for (var i = 0; i < levels; i++)
        {
            var spreads = string.Concat(Enumerable.Repeat($"...F{i + 1} ", 10));
            query.Append(CultureInfo.InvariantCulture, $"fragment F{i} on Query {{ {spreads}}}\n");
        }

        query.Append(CultureInfo.InvariantCulture, $"fragment F{levels} on Query {{ __typename }}\n");

        var send = Host.SendAsync(PostQuery(query.ToString()), apiKey: null);
        var finished = await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(60)));

        Assert.True(finished == send, "The query was still being checked after a minute.");
        // Introspection only, so let in; then refused for its size like any query.
        var error = (await send).ShouldBeRequestError(HttpStatusCode.BadRequest, "LIMIT_EXCEEDED");
        Assert.Contains("(Limits:MaxCost)", error.Message(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task By_default_introspection_needs_a_key()
    {
        await using var host = await CrmHost.StartAsync(fixture.Engine);

        foreach (var query in new[] { Introspection, "{ __typename }" })
        {
            using var raw = await host.SendRawAsync(PostQuery(query), apiKey: null);
            var response = await GraphQLResponse.ReadAsync(raw);

            response.ShouldBeRequestError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
            Assert.NotEmpty(raw.Headers.WwwAuthenticate);

            // A key still opens it.
            (await host.SendAsync(PostQuery(query))).ShouldSucceed();
        }
    }
}

public sealed class AnonymousIntrospectionSqliteHost() : ConfiguredHostFixture(Engine.Sqlite, AuthenticationTests.Settings);

public sealed class AnonymousIntrospectionPostgresHost() : ConfiguredHostFixture(Engine.Postgres, AuthenticationTests.Settings);

[Trait("Engine", "Sqlite")]
public sealed class AuthenticationOnSqlite(AnonymousIntrospectionSqliteHost fixture) : AuthenticationTests(fixture), IClassFixture<AnonymousIntrospectionSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class AuthenticationOnPostgres(AnonymousIntrospectionPostgresHost fixture) : AuthenticationTests(fixture), IClassFixture<AnonymousIntrospectionPostgresHost>;
