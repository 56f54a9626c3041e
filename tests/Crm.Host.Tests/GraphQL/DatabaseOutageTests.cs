using System.Net;
using System.Text.RegularExpressions;
using Crm.Host.Tests.Infrastructure;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// While the database cannot be reached, or takes no writes, requests fail with what the client
/// can act on: <c>SERVICE_UNAVAILABLE</c>, HTTP 503 with <c>Retry-After</c>, the kind of trouble
/// named, a trace id, nothing of the database's own words. The host recovers when it can.
/// </summary>
public abstract partial class DatabaseOutageTests(Engine engine)
{
    private const string Read = "{ contacts { totalCount } }";
    private const string Write = "mutation { createContact(input: { name: \"Ann\", lastName: \"Outage\" }) { contact { id } errors { code } } }";

    [Fact]
    public async Task A_query_during_an_outage_is_503_SERVICE_UNAVAILABLE_and_works_again_after_it()
    {
        await using var host = await CrmHost.StartAsync(engine);
        // Several requests at once leave several connections in the pool, and the administrator's
        // key known (cached) from here on.
        foreach (var answer in await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => host.QueryAsync(Read))))
        {
            answer.ShouldSucceed();
        }

        await using (var outage = await DatabaseTrouble.OutageAsync(host))
        {
            using var response = await host.SendRawAsync(PostQuery(Read));
            await AssertUnavailableAsync(response, "The database cannot be reached right now; try again shortly", retryAfter: 5);
        }

        // Every request after it works: none meets a pooled session the outage ended.
        for (var i = 0; i < 6; i++)
        {
            (await host.QueryAsync(Read)).ShouldSucceed();
        }
    }

    [Fact]
    public async Task Authentication_that_cannot_read_the_database_is_503_too()
    {
        await using var host = await CrmHost.StartAsync(engine);

        await using var outage = await DatabaseTrouble.OutageAsync(host);
        // A key the host has not seen: checking it needs the database, before anything executes.
        using var response = await host.SendRawAsync(PostQuery(Read), apiKey: "a-key-never-seen-" + Guid.NewGuid().ToString("N"));

        await AssertUnavailableAsync(response, "The database cannot be reached right now; try again shortly", retryAfter: 5);
    }

    [Fact]
    public async Task Readyz_is_503_saying_the_database_cannot_be_reached_and_200_again_after()
    {
        await using var host = await CrmHost.StartAsync(engine);

        await using (var outage = await DatabaseTrouble.OutageAsync(host))
        {
            using var response = await host.SendRawAsync(new HttpRequestMessage(HttpMethod.Get, "/readyz"), apiKey: null);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, body);
            var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("not ready", lines[0]);
            Assert.StartsWith("database: the database cannot be reached: ", Assert.Single(lines[1..]), StringComparison.Ordinal);
            // Alive all the same.
            using var alive = await host.SendRawAsync(new HttpRequestMessage(HttpMethod.Get, "/healthz"), apiKey: null);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }

        using var ready = await host.SendRawAsync(new HttpRequestMessage(HttpMethod.Get, "/readyz"), apiKey: null);
        Assert.True(ready.StatusCode == HttpStatusCode.OK, $"/readyz after the outage: {(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task A_write_to_a_read_only_database_is_503_naming_it_read_only_while_reads_work()
    {
        await using var host = await CrmHost.StartAsync(engine);
        var before = await host.CountAsync("contacts");

        await using (var readOnly = await DatabaseTrouble.ReadOnlyAsync(host))
        {
            using var response = await readOnly.Host.SendRawAsync(PostQuery(Write));
            await AssertUnavailableAsync(response, "The database is read-only: nothing can be written until an administrator makes it writable", retryAfter: 60);
            Assert.Equal(before, await readOnly.Host.CountAsync("contacts"));
        }

        Assert.Equal(before, await host.CountAsync("contacts"));
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response, string says, int retryAfter)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {text}");
        Assert.Equal(TimeSpan.FromSeconds(retryAfter), response.Headers.RetryAfter?.Delta);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        var body = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        var errors = body["errors"]!.AsArray();
        Assert.NotEmpty(errors);
        foreach (var error in errors)
        {
            Assert.Equal("SERVICE_UNAVAILABLE", error!["extensions"]!["code"]!.GetValue<string>());
            var message = error["message"]!.GetValue<string>();
            Assert.StartsWith(says, message, StringComparison.Ordinal);
            Assert.Matches(TraceId(), message);
        }

        // Nothing of the exception or of the database's own words.
        foreach (var leak in new[] { "Exception", "   at ", "SQLite", "Npgsql", "attempt to write", "accepting connections", "terminating connection", "read-only transaction" })
        {
            Assert.False(text.Contains(leak, StringComparison.Ordinal), $"'{leak}' in {text}");
        }
    }

    [GeneratedRegex(@"\(trace [^\s)]+\)\.$")]
    private static partial Regex TraceId();
}

[Trait("Engine", "Sqlite")]
public sealed class DatabaseOutageOnSqlite() : DatabaseOutageTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class DatabaseOutageOnPostgres() : DatabaseOutageTests(Engine.Postgres);
