using System.Globalization;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Platform;

/// <summary>
/// Module contexts are pooled: a scope leases one per context type and gives it back when it ends.
/// Whatever a scope left in its context — tracked entities, events about to be published, an open
/// transaction, a failed save, a rolled-back session — must not reach the scope that leases it next.
/// </summary>
public abstract class ContextPoolingTests(HostFixture fixture)
{
    /// <summary>Scopes poisoned at once: more contexts than the host's background work keeps leased at any moment.</summary>
    private const int Poisoned = 8;

    /// <summary>Scopes that lease afterwards, all at once: enough to empty the pool, however it was filled before.</summary>
    private const int Leases = 40;

    private CrmHost Host => fixture.Host;

    private static AsyncServiceScope SignedIn(IServiceProvider root, long userId)
    {
        var scope = root.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().SignIn(userId, isAdministrator: true);
        return scope;
    }

    private static ModuleDbContext Deals(IServiceProvider services) =>
        (ModuleDbContext)services.GetRequiredService(services.GetRequiredService<IEnumerable<ModuleDatabaseRegistration>>().Single(r => r.Schema == "deals").ContextType);

    private static OutboxMessage Row(Guid eventId, long dealId) =>
        new() { EventId = eventId, EntityType = "deal", EntityId = dealId, Kind = "test.pooling", Payload = "{}", OccurredAt = DateTime.UtcNow };

    private async Task<long> OutboxRowsAsync(long dealId) => Convert.ToInt64(
        (await Host.QueryRowsAsync($"SELECT COUNT(*) FROM {Host.Table("deals", "outbox")} WHERE entity_id = @p0", dealId)).Single().Values.Single(),
        CultureInfo.InvariantCulture);

    /// <summary>Leaves something different behind in the scope's context, by <paramref name="kind"/>.</summary>
    private static async Task PoisonAsync(IServiceProvider services, int kind, long dealId)
    {
        var db = Deals(services);
        switch (kind)
        {
            case 0:
                // An event published and never saved, and a row added and never saved.
                db.Publish(new RecordUpdated("deal", dealId, new Dictionary<string, FieldChange> { ["title"] = new(null, "leaked") }));
                db.Outbox.Add(Row(Guid.NewGuid(), dealId));
                break;
            case 1:
                // A save that fails (the same event id twice) leaves its rows tracked as added.
                var eventId = Guid.NewGuid();
                db.Outbox.AddRange(Row(eventId, dealId), Row(eventId, dealId));
                await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
                Assert.NotEmpty(db.ChangeTracker.Entries());
                break;
            case 2:
                // A session transaction rolled back after a save inside it.
                await Assert.ThrowsAsync<InvalidOperationException>(() => services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync<int>(async () =>
                {
                    db.Outbox.Add(Row(Guid.NewGuid(), dealId));
                    await db.SaveChangesAsync();
                    throw new InvalidOperationException("a later step failed");
                }));
                break;
            default:
                // A transaction of the context's own, left open when the scope ends (once, and last: on SQLite it holds the write lock).
                await db.Database.BeginTransactionAsync();
                db.Publish(new RecordUpdated("deal", dealId, new Dictionary<string, FieldChange> { ["title"] = new(null, "leaked") }));
                break;
        }
    }

    [Fact]
    public async Task A_context_back_from_a_scope_carries_nothing_into_the_next_one()
    {
        var dealId = long.Parse(await Host.CreateDealAsync(new { title = Records.NewMarker("Pool") }), CultureInfo.InvariantCulture);
        var before = await OutboxRowsAsync(dealId);

        // Scopes held open together, so that each poisons a context of its own.
        var poisoned = new HashSet<ModuleDbContext>(ReferenceEqualityComparer.Instance);
        var scopes = new List<AsyncServiceScope>();
        for (var i = 0; i < Poisoned; i++)
        {
            var scope = SignedIn(Host.Services, userId: 1);
            scopes.Add(scope);
            await PoisonAsync(scope.ServiceProvider, i == Poisoned - 1 ? 3 : i % 3, dealId);
            poisoned.Add(Deals(scope.ServiceProvider));
        }

        foreach (var scope in scopes)
        {
            await scope.DisposeAsync();
        }

        scopes.Clear();
        var reused = 0;
        try
        {
            for (var i = 0; i < Leases; i++)
            {
                var scope = SignedIn(Host.Services, userId: 1);
                scopes.Add(scope);
                var db = Deals(scope.ServiceProvider);
                var session = scope.ServiceProvider.GetRequiredService<CrmDatabaseSession>();
                reused += poisoned.Contains(db) ? 1 : 0;

                Assert.Empty(db.ChangeTracker.Entries());
                Assert.Null(db.Database.CurrentTransaction);
                Assert.Same(session, db.Session); // and with it the scope's actor, clock and custom fields
                Assert.Same(session.Connection, db.Database.GetDbConnection());
                // Nothing left to publish: a save with no changes writes no event.
                await db.SaveChangesAsync();
            }
        }
        finally
        {
            foreach (var scope in scopes)
            {
                await scope.DisposeAsync();
            }
        }

        // Without a pool every scope makes its own context: this proves the contexts above were leased again.
        Assert.True(reused > 0, "no context came back from the pool");
        Assert.Equal(before, await OutboxRowsAsync(dealId));
    }

    [Fact]
    public async Task A_request_after_failed_saves_works_on_a_clean_context()
    {
        var marker = Records.NewMarker("PoolHttp");
        var id = await Host.CreateDealAsync(new { title = marker });
        var dealId = long.Parse(id, CultureInfo.InvariantCulture);
        for (var i = 0; i < Poisoned; i++)
        {
            await using var scope = SignedIn(Host.Services, userId: 1);
            await PoisonAsync(scope.ServiceProvider, kind: 1, dealId);
        }

        var before = await OutboxRowsAsync(dealId);
        var answer = (await Host.QueryAsync(
            "mutation($id: ID!, $t: String!) { updateDeal(id: $id, input: { title: $t }) { deal { title } errors { code } } }",
            new { id, t = marker + "b" })).ShouldSucceed();

        Assert.Equal(marker + "b", answer.Data!["updateDeal"]!["deal"]!["title"]!.GetValue<string>());
        Assert.Empty(answer.Data!["updateDeal"]!["errors"]!.AsArray());
        Assert.Equal(1, answer.Transactions);
        Assert.Equal(0, answer.Savepoints); // the pool restores the context's settings as made, savepoints off
        // Its own event only, not the rows the failed saves left tracked.
        Assert.Equal(before + 1, await OutboxRowsAsync(dealId));
    }

    [Fact]
    public void The_design_time_factory_makes_a_context_with_its_own_connection_and_migrations()
    {
        // What `dotnet ef` calls: the context is made from its options alone, outside any pool or scope.
        using var db = new Crm.Host.Data.PlatformDesignTimeFactory().CreateDbContext([]);

        Assert.NotNull(db.Database.GetConnectionString());
        Assert.Null(db.Session);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.NotNull(db.Model.FindEntityType(typeof(OutboxMessage)));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ContextPoolingOnSqlite(SqliteHost fixture) : ContextPoolingTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ContextPoolingOnPostgres(PostgresHost fixture) : ContextPoolingTests(fixture), IClassFixture<PostgresHost>;
