using System.Data.Common;
using System.Net;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Crm.Host.Tests.GraphQL;

/// <summary><c>/healthz</c> (the process answers) and <c>/readyz</c> (the database answers, every migration applied).</summary>
public abstract class HealthTests(HostFixture fixture)
{
    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(CrmHost host, string path)
    {
        using var response = await host.SendRawAsync(new HttpRequestMessage(HttpMethod.Get, path), apiKey: null);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Healthz_is_200_without_a_key()
    {
        var (status, body) = await GetAsync(fixture.Host, "/healthz");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body.Trim());
    }

    [Fact]
    public async Task Readyz_is_200_when_every_migration_is_applied()
    {
        var (status, body) = await GetAsync(fixture.Host, "/readyz");

        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal("ready", body.Trim());
    }

    [Fact]
    public async Task Readyz_on_a_migrated_database_makes_no_module_context_and_sends_no_EF_command()
    {
        // A host of its own, whose requests run in the test's flow, so that only the probe's work is counted.
        await using var host = await CrmHost.StartAsync(fixture.Engine);
        host.Server.PreserveExecutionContext = true;

        using var work = EfWorkInFlow.Start();
        var (status, body) = await GetAsync(host, "/readyz");

        Assert.True(status == HttpStatusCode.OK, body);
        // One plain statement reads every module's migrations history; EF's check per module (a
        // context, its model and two statements each) is only for saying what is missing.
        Assert.Empty(work.Contexts);
        Assert.Empty(work.Commands);
    }

    [Fact]
    public async Task Readyz_is_503_naming_the_module_when_one_of_its_migrations_is_not_applied()
    {
        // A host of its own: this one stops being ready.
        await using var host = await CrmHost.StartAsync(fixture.Engine);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(host, "/readyz")).Status);

        var forgotten = await ForgetLastMigrationAsync(host, "contacts");
        var (status, body) = await GetAsync(host, "/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var problems = body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("not ready", problems[0]);
        var problem = Assert.Single(problems[1..]);
        Assert.StartsWith("contacts:", problem, StringComparison.Ordinal);
        Assert.Contains(forgotten, problem, StringComparison.Ordinal);
        // Alive all the same: liveness does not depend on the database.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(host, "/healthz")).Status);
    }

    /// <summary>Deletes the newest row of a module's migrations history, as if its last migration had not run; returns its id.</summary>
    private static async Task<string> ForgetLastMigrationAsync(CrmHost host, string schema)
    {
        await using DbConnection connection = host.Engine == Engine.Postgres
            ? new NpgsqlConnection(host.ConnectionString)
            : new SqliteConnection(host.ConnectionString);
        await connection.OpenAsync();
        var table = host.Engine == Engine.Postgres ? $"{schema}.\"__migrations\"" : $"{schema}___migrations";

        await using var select = connection.CreateCommand();
        select.CommandText = $"SELECT \"MigrationId\" FROM {table} ORDER BY \"MigrationId\" DESC LIMIT 1";
        var last = (string)(await select.ExecuteScalarAsync())!;

        await using var delete = connection.CreateCommand();
        delete.CommandText = $"DELETE FROM {table} WHERE \"MigrationId\" = @id";
        var parameter = delete.CreateParameter();
        parameter.ParameterName = "@id";
        parameter.Value = last;
        delete.Parameters.Add(parameter);
        Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        return last;
    }
}

[Trait("Engine", "Sqlite")]
public sealed class HealthOnSqlite(SqliteHost fixture) : HealthTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class HealthOnPostgres(PostgresHost fixture) : HealthTests(fixture), IClassFixture<PostgresHost>;
