using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.GraphQL;

/// <summary>Raw requests to <c>/graphql</c>, for tests that look at the transport itself.</summary>
internal static class GraphQLHttp
{
    public const string ResponseMediaType = "application/graphql-response+json";
    public const string JsonMediaType = "application/json";

    /// <summary>A POST with exactly this body and Content-Type (none when null).</summary>
    public static HttpRequestMessage Post(string body, string? contentType = JsonMediaType, string? accept = ResponseMediaType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return WithAccept(new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = content }, accept);
    }

    /// <summary>A POST of a well-formed request: query, variables and operation name as JSON.</summary>
    public static HttpRequestMessage PostQuery(string query, object? variables = null, string? operationName = null, string? accept = ResponseMediaType) =>
        Post(JsonSerializer.Serialize(new { query, variables, operationName }), JsonMediaType, accept);

    /// <summary>A GET with the query (and variables as URL-encoded JSON) in the URL.</summary>
    public static HttpRequestMessage Get(string? query, object? variables = null, string? operationName = null, string? accept = ResponseMediaType)
    {
        var parameters = new List<string>();
        if (query is not null)
        {
            parameters.Add("query=" + Uri.EscapeDataString(query));
        }

        if (variables is not null)
        {
            parameters.Add("variables=" + Uri.EscapeDataString(variables as string ?? JsonSerializer.Serialize(variables)));
        }

        if (operationName is not null)
        {
            parameters.Add("operationName=" + Uri.EscapeDataString(operationName));
        }

        var url = parameters.Count == 0 ? "/graphql" : "/graphql?" + string.Join('&', parameters);
        return WithAccept(new HttpRequestMessage(HttpMethod.Get, url), accept);
    }

    private static HttpRequestMessage WithAccept(HttpRequestMessage request, string? accept)
    {
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return request;
    }

    /// <summary>Sends the request (with the key, when given) and keeps the raw response for header checks.</summary>
    public static async Task<HttpResponseMessage> SendRawAsync(this CrmHost host, HttpRequestMessage request, string? apiKey = CrmHost.AdminKey)
    {
        using var client = host.CreateClient(apiKey);
        using (request)
        {
            return await client.SendAsync(request);
        }
    }

    /// <summary>
    /// Sends the request straight to the test server, with the key: without the redirect handling
    /// of <c>CreateClient</c>, which buffers a body and so announces its length.
    /// </summary>
    public static async Task<GraphQLResponse> SendStreamedAsync(this CrmHost host, HttpRequestMessage request, string apiKey = CrmHost.AdminKey)
    {
        using var client = new HttpClient(host.Server.CreateHandler()) { BaseAddress = host.Server.BaseAddress };
        using (request)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
            request.Headers.TransferEncodingChunked = true;
            using var response = await client.SendAsync(request);
            return await GraphQLResponse.ReadAsync(response);
        }
    }

    /// <summary>Sends the request (with the key, when given) and reads the GraphQL response.</summary>
    public static async Task<GraphQLResponse> SendAsync(this CrmHost host, HttpRequestMessage request, string? apiKey = CrmHost.AdminKey)
    {
        using var response = await host.SendRawAsync(request, apiKey);
        return await GraphQLResponse.ReadAsync(response);
    }

    /// <summary>How many records of a type exist, e.g. <c>contacts</c> or <c>companies</c>.</summary>
    public static async Task<int> CountAsync(this CrmHost host, string plural)
    {
        var response = (await host.QueryAsync($"{{ {plural} {{ totalCount }} }}")).ShouldSucceed();
        return response.Data![plural]!["totalCount"]!.GetValue<int>();
    }

    /// <summary>Asserts a request error: refused as a whole, nothing executed, one error with this code.</summary>
    public static JsonNode ShouldBeRequestError(this GraphQLResponse response, HttpStatusCode status, string code)
    {
        Assert.True(response.Status == status, $"Expected {(int)status}, got {(int)response.Status}: {response.Body.ToJsonString()}");
        Assert.False(response.Body.ContainsKey("data"), $"A request error has no 'data': {response.Body.ToJsonString()}");
        var error = Assert.Single(response.Errors);
        Assert.Equal(code, error!["extensions"]?["code"]?.GetValue<string>());
        return error;
    }

    public static string Message(this JsonNode error) => error["message"]!.GetValue<string>();

    /// <summary>The user errors of a mutation payload as (code, path) pairs, in order.</summary>
    public static IReadOnlyList<(string Code, string Path)> UserErrors(this GraphQLResponse response, string field) =>
        response.Data![field]!["errors"]!.AsArray()
            .Select(e => (e!["code"]!.GetValue<string>(), string.Join('/', e["path"]!.AsArray().Select(p => p!.GetValue<string>()))))
            .ToList();
}

/// <summary>A body whose length is not announced, so that the server has to count while it reads.</summary>
internal sealed class UnknownLengthContent : HttpContent
{
    private readonly byte[] _body;

    public UnknownLengthContent(string body, string contentType)
    {
        _body = Encoding.UTF8.GetBytes(body);
        Headers.TryAddWithoutValidation("Content-Type", contentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_body).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>One host per test class, with settings of its own (limits, switches), on the engine of the concrete fixture.</summary>
public abstract class ConfiguredHostFixture(Engine engine, IReadOnlyDictionary<string, string?> settings) : IAsyncLifetime
{
    private CrmHost? _host;

    public Engine Engine { get; } = engine;

    public CrmHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() => _host = await CrmHost.StartAsync(Engine, settings);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
