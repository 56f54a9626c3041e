using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Crm.Host.Tests.Infrastructure;

public enum Engine
{
    Sqlite,
    Postgres,
}

/// <summary>The real host, in-process, on a database of its own (a temporary SQLite file or a new PostgreSQL database).</summary>
public class CrmHost : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789";
    private readonly Dictionary<string, string?> _settings;
    private readonly string? _sqliteDirectory;

    public CrmHost(Engine engine, string connectionString, IReadOnlyDictionary<string, string?>? settings = null, string? sqliteDirectory = null)
    {
        Engine = engine;
        ConnectionString = connectionString;
        _sqliteDirectory = sqliteDirectory;
        _settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = engine.ToString(),
            ["ConnectionStrings:Crm"] = connectionString,
            ["CRM_ADMIN_API_KEY"] = AdminKey,
            ["GraphQL:SqlStatementCountHeader"] = "true",
            // Tests deliver events themselves, when they choose.
            ["Events:PollInterval"] = "01:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public Engine Engine { get; }

    public string ConnectionString { get; }

    public static async Task<CrmHost> StartAsync(Engine engine, IReadOnlyDictionary<string, string?>? settings = null)
    {
        CrmHost host;
        if (engine == Engine.Postgres)
        {
            host = new CrmHost(engine, await TestPostgres.CreateDatabaseAsync(), settings);
        }
        else
        {
            var directory = Directory.CreateTempSubdirectory("crm-test-sqlite-").FullName;
            host = new CrmHost(engine, $"Data Source={Path.Combine(directory, "crm.db")}", settings, directory);
        }

        _ = host.Server; // starts it: migrations, key bootstrap, schema
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public HttpClient CreateClient(string? apiKey)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>Posts a query as the administrator and returns the response.</summary>
    public async Task<GraphQLResponse> QueryAsync(string query, object? variables = null, string? apiKey = AdminKey, string? operationName = null)
    {
        using var client = CreateClient(apiKey);
        var body = JsonSerializer.Serialize(new { query, variables, operationName });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        return await GraphQLResponse.ReadAsync(await client.SendAsync(request));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _sqliteDirectory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_sqliteDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still open elsewhere; the temp folder is cleaned by the OS.
            }
        }
    }
}

/// <summary>A GraphQL response as tests look at it.</summary>
public sealed record GraphQLResponse(HttpStatusCode Status, string ContentType, JsonObject Body, int? SqlStatements)
{
    public JsonNode? Data => Body["data"];

    public JsonArray Errors => Body["errors"] as JsonArray ?? [];

    public IReadOnlyList<string?> ErrorCodes => Errors.Select(e => e?["extensions"]?["code"]?.GetValue<string>()).ToList();

    /// <summary>
    /// The SQL statements the request sent (<c>X-Sql-Statement-Count</c>). Fails when the header is
    /// missing: a count is read, never assumed.
    /// </summary>
    public int Statements => SqlStatements
        ?? throw new Xunit.Sdk.XunitException($"The response ({(int)Status}) has no X-Sql-Statement-Count header, so its SQL statements were not counted: {Body.ToJsonString()}");

    public static async Task<GraphQLResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException($"Not a JSON object: {text}");
        int? statements = response.Headers.TryGetValues("X-Sql-Statement-Count", out var values) ? int.Parse(values.First(), System.Globalization.CultureInfo.InvariantCulture) : null;
        return new GraphQLResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", body, statements);
    }

    /// <summary>Fails with the whole body when the response has errors.</summary>
    public GraphQLResponse ShouldSucceed()
    {
        Assert.True(Errors.Count == 0 && Status == HttpStatusCode.OK, $"Expected success, got {(int)Status}: {Body.ToJsonString()}");
        return this;
    }
}
