using System.Data.Common;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// A failure nobody planned for (here: a table gone from under the host) is
/// <c>INTERNAL_SERVER_ERROR</c> with a trace id to find it in the log, and tells the client
/// nothing else: no stack trace, no exception, no SQL, no words of the database.
/// </summary>
public abstract partial class InternalErrorTests(Engine engine)
{
    [Fact]
    public async Task A_failing_field_is_INTERNAL_SERVER_ERROR_with_a_trace_id_and_nothing_more()
    {
        await using var host = await CrmHost.StartAsync(engine);
        await DropTableAsync(host, "contacts", "contacts");

        using var response = await host.SendRawAsync(PostQuery("{ contacts { totalCount } }"));

        var text = await response.Content.ReadAsStringAsync();
        var error = Assert.Single(JsonNode.Parse(text)!["errors"]!.AsArray())!;
        Assert.Equal("INTERNAL_SERVER_ERROR", error["extensions"]!["code"]!.GetValue<string>());
        Assert.Matches(InternalMessage(), error["message"]!.GetValue<string>());
        Assert.Null(error["extensions"]!["data"]);
        AssertNothingLeaks(text, engine == Engine.Postgres ? "contacts.contacts" : "contacts_contacts");
    }

    [Fact]
    public async Task A_failure_before_execution_is_INTERNAL_SERVER_ERROR_with_a_trace_id_and_nothing_more()
    {
        await using var host = await CrmHost.StartAsync(engine);
        await DropTableAsync(host, "platform", "api_keys");

        // A key the host has not seen is looked up in the table that is gone.
        using var response = await host.SendRawAsync(PostQuery("{ contacts { totalCount } }"), apiKey: "a-key-never-seen-" + Guid.NewGuid().ToString("N"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"{(int)response.StatusCode}: {text}");
        Assert.Equal(GraphQLHttp.ResponseMediaType, response.Content.Headers.ContentType?.MediaType);
        var error = Assert.Single(JsonNode.Parse(text)!["errors"]!.AsArray())!;
        Assert.Equal("INTERNAL_SERVER_ERROR", error["extensions"]!["code"]!.GetValue<string>());
        var message = error["message"]!.GetValue<string>();
        Assert.Matches(InternalMessage(), message);
        Assert.Contains(error["extensions"]!["traceId"]!.GetValue<string>(), message, StringComparison.Ordinal);
        AssertNothingLeaks(text, "api_keys");
    }

    private static void AssertNothingLeaks(string body, string table)
    {
        foreach (var leak in new[] { "Exception", "   at ", "SQLite", "Npgsql", "SELECT", "42P01", table })
        {
            Assert.False(body.Contains(leak, StringComparison.Ordinal), $"'{leak}' in {body}");
        }
    }

    private static async Task DropTableAsync(CrmHost host, string schema, string table)
    {
        await using DbConnection connection = host.Engine == Engine.Postgres ? new NpgsqlConnection(host.ConnectionString) : new SqliteConnection(host.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = host.Engine == Engine.Postgres ? $"DROP TABLE {schema}.{table} CASCADE" : $"DROP TABLE {schema}_{table}";
        await command.ExecuteNonQueryAsync();
    }

    [GeneratedRegex(@"^Internal error \(trace [^\s)]+\); the server log has the details\.$")]
    private static partial Regex InternalMessage();
}

[Trait("Engine", "Sqlite")]
public sealed class InternalErrorOnSqlite() : InternalErrorTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class InternalErrorOnPostgres() : InternalErrorTests(Engine.Postgres);
