using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Infrastructure;

public enum Engine
{
    Sqlite,
    Postgres,
}

/// <summary>The real host, in-process, on a database of its own (a temporary SQLite file or a new PostgreSQL database, copied with its schema migrated: see <see cref="MigratedDatabases"/>).</summary>
public class CrmHost : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789";

    /// <summary>A request header that makes the request come from this address (the TCP peer the host sees), which in-process requests lack.</summary>
    public const string ClientAddressHeader = "X-Test-Client-Address";

    private readonly Dictionary<string, string?> _settings;
    private readonly string? _sqliteDirectory;
    private readonly Action<IServiceCollection>? _services;

    /// <summary>A host on a new database of its own (a SQLite folder it deletes when disposed), for settings the shared hosts must not have.</summary>
    public static async Task<CrmHost> OnNewDatabaseAsync(Engine engine, IReadOnlyDictionary<string, string?> settings)
    {
        var connection = await Platform.ScheduledWorkTests.NewDatabaseAsync(engine);
        var folder = engine == Engine.Sqlite ? Path.GetDirectoryName(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connection).DataSource) : null;
        return new CrmHost(engine, connection, settings, folder);
    }

    /// <param name="services">Replaces the host's services after its own registrations (a <c>FakeTimeProvider</c> for <c>TimeProvider</c>, say).</param>
    public CrmHost(Engine engine, string connectionString, IReadOnlyDictionary<string, string?>? settings = null, string? sqliteDirectory = null,
        Action<IServiceCollection>? services = null)
    {
        Engine = engine;
        ConnectionString = connectionString;
        _sqliteDirectory = sqliteDirectory;
        _services = services;
        _settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = engine.ToString(),
            ["ConnectionStrings:Crm"] = connectionString,
            ["CRM_ADMIN_API_KEY"] = AdminKey,
            ["GraphQL:SqlStatementCountHeader"] = "true",
            // Tests deliver events themselves, when they choose.
            ["Events:PollInterval"] = "01:00:00",
            ["Events:WakeUp"] = "false",
            // Each host would hold a listening connection: the subscription tests that need it turn it on.
            ["Live:WakeUp"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public Engine Engine { get; }

    public string ConnectionString { get; }

    public static Task<CrmHost> StartAsync(Engine engine, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        StartAsync(engine, settings, services, listen: false);

    /// <summary>
    /// The host on Kestrel, listening on a free loopback port (<see cref="ListeningAddress"/>), for
    /// clients that need a real socket: a browser.
    /// </summary>
    public static Task<CrmHost> StartListeningAsync(Engine engine, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        StartAsync(engine, settings, services, listen: true);

    /// <summary>Where a host started by <see cref="StartListeningAsync"/> listens (http://127.0.0.1:port).</summary>
    public Uri ListeningAddress => new(Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First());

    private static async Task<CrmHost> StartAsync(Engine engine, IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? services, bool listen)
    {
        CrmHost host;
        if (engine == Engine.Postgres)
        {
            host = new CrmHost(engine, await MigratedDatabases.CreatePostgresAsync(), settings, services: services);
        }
        else
        {
            var directory = Directory.CreateTempSubdirectory("crm-test-sqlite-").FullName;
            host = new CrmHost(engine, await MigratedDatabases.CreateSqliteAsync(directory), settings, directory, services);
        }

        if (listen)
        {
            host.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
            host.StartServer(); // migrations, key bootstrap, schema, then the socket
        }
        else
        {
            _ = host.Server; // starts it: migrations, key bootstrap, schema
        }

        // Tests deliver events when they choose: the dispatcher's round at start is over before they
        // write (it met a test's first events now and then, and its statements were counted as the test's).
        if (host.Services.GetService<Crm.Host.Events.OutboxDispatcher>() is { } dispatcher)
        {
            await dispatcher.FirstRound.WaitAsync(TimeSpan.FromMinutes(1));
        }

        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddTransient<IStartupFilter, ClientAddressFromHeader>();
            services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider, ServerErrors>();
            _services?.Invoke(services);
        });
    }

    /// <summary>Runs before the host's own middleware, as the connection would: sets the peer address from <see cref="ClientAddressHeader"/>.</summary>
    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[ClientAddressHeader].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
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
        if (disposing && Engine == Engine.Postgres)
        {
            // Npgsql keeps a pool per connection string for the process, and each host's is its
            // own: without this, every finished host's idle connections stay open for minutes and
            // the suite's hosts together reach the server's max_connections.
            Npgsql.NpgsqlConnection.ClearAllPools();
        }

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
public sealed record GraphQLResponse(HttpStatusCode Status, string ContentType, JsonObject Body, int? SqlStatements,
    int? SqlTransactions = null, int? SqlSavepoints = null)
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

    /// <summary>The transactions the request's work began (<c>X-Sql-Transaction-Count</c>); fails when the header is missing.</summary>
    public int Transactions => SqlTransactions
        ?? throw new Xunit.Sdk.XunitException($"The response ({(int)Status}) has no X-Sql-Transaction-Count header: {Body.ToJsonString()}");

    /// <summary>The savepoints the request's work made (<c>X-Sql-Savepoint-Count</c>); fails when the header is missing.</summary>
    public int Savepoints => SqlSavepoints
        ?? throw new Xunit.Sdk.XunitException($"The response ({(int)Status}) has no X-Sql-Savepoint-Count header: {Body.ToJsonString()}");

    public static async Task<GraphQLResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException($"Not a JSON object: {text}");
        return new GraphQLResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", body,
            Header(response, "X-Sql-Statement-Count"), Header(response, "X-Sql-Transaction-Count"), Header(response, "X-Sql-Savepoint-Count"));
    }

    private static int? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? int.Parse(values.First(), System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>Fails with the whole body when the response has errors.</summary>
    public GraphQLResponse ShouldSucceed()
    {
        if (Errors.Count > 0 || Status != HttpStatusCode.OK)
        {
            var body = Body.ToJsonString();
            Assert.Fail($"Expected success, got {(int)Status}: {body}{ServerErrors.For(body)}");
        }

        return this;
    }
}
