using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Platform;

public abstract class MigrationTests(HostFixture fixture)
{
    [Fact]
    public async Task Every_module_has_migrations_for_its_whole_model_on_this_engine()
    {
        using var scope = fixture.Host.Services.CreateScope();
        var databases = scope.ServiceProvider.GetServices<ModuleDatabaseRegistration>().ToList();
        Assert.Contains(databases, d => d.Schema == "contacts");
        Assert.Contains(databases, d => d.Schema == "companies");
        foreach (var database in databases)
        {
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(database.ContextType);
            Assert.False(db.Database.HasPendingModelChanges(),
                $"{database.Schema}: the model changed without a migration; run tools/scripts/add-migration.sh for it.");
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.NotEmpty(await db.Database.GetAppliedMigrationsAsync());
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class MigrationsOnSqlite(SqliteHost fixture) : MigrationTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class MigrationsOnPostgres(PostgresHost fixture) : MigrationTests(fixture), IClassFixture<PostgresHost>;
