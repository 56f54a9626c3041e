using Crm.Host.GraphQL;
using Crm.Host.Tests.Infrastructure;
using GraphQL;
using Microsoft.Extensions.DependencyInjection;
using Snapshooter.Xunit;

namespace Crm.Host.Tests.Platform;

public abstract class SchemaTests(HostFixture fixture)
{
    [Fact]
    public void The_committed_schema_is_the_live_schema()
    {
        var live = fixture.Host.Services.GetRequiredService<SchemaProvider>().Current.Print() + "\n";
        var committed = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "schema.graphql"));
        Assert.True(committed == live,
            $"schema/schema.graphql differs from the live schema on {fixture.Engine}. If the change is intended, run: dotnet run --project tools/Crm.Cli -- schema export");
    }

    [Fact]
    public async Task The_loaded_modules_are_listed()
    {
        var response = (await fixture.Host.QueryAsync("{ modules { id version sdkVersionRange dependsOn } }")).ShouldSucceed();
        // One snapshot for both engines (strict: see StrictSnapshots).
        Snapshot.Match(response.Body.ToJsonString(), "SchemaTests.The_loaded_modules_are_listed");
    }

    [Fact]
    public void A_swap_leaves_requests_on_the_schema_they_started_with()
    {
        var schemas = fixture.Host.Services.GetRequiredService<SchemaProvider>();
        var before = schemas.Current;
        var version = schemas.Version;
        var after = schemas.Rebuild();
        Assert.NotSame(before, after);
        Assert.Same(after, schemas.Current);
        Assert.Equal(version + 1, schemas.Version);
        Assert.Equal(before.Print(), after.Print());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class SchemaOnSqlite(SqliteHost fixture) : SchemaTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class SchemaOnPostgres(PostgresHost fixture) : SchemaTests(fixture), IClassFixture<PostgresHost>;
