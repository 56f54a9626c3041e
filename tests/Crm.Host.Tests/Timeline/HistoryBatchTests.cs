using Crm.Host.Events;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Timeline;

/// <summary>A host that delivers only when a test says so, 50 events a batch, with the history handler as the only handler.</summary>
public abstract class HistoryBatchHost(Engine engine) : HostFixture(engine)
{
    public const string History = "timeline/history";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Events:WakeUp"] = "false",
        ["Events:PollInterval"] = "01:00:00",
        ["Events:BatchSize"] = "50",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        // What is counted is the history's work (and the dispatcher's, the same for any batch): the
        // other handlers run per event and would hide it.
        foreach (var other in services.Where(d => d.ImplementationInstance is EventHandlerRegistration r && r.Name != History).ToList())
        {
            services.Remove(other);
        }
    }
}

public sealed class HistoryBatchSqliteHost() : HistoryBatchHost(Engine.Sqlite);

public sealed class HistoryBatchPostgresHost() : HistoryBatchHost(Engine.Postgres);

/// <summary>The history handler takes its events in batches: a batch's history is written by the same number of statements whatever its size (on SQLite, but for one INSERT per row).</summary>
public abstract class HistoryBatchTests(HistoryBatchHost fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task<int> CountedDispatchAsync()
    {
        using var counted = SqlStatementCounter.BeginScope();
        Assert.True(await Host.Services.GetRequiredService<OutboxDispatcher>().DispatchPendingAsync(CancellationToken.None) > 0);
        return counted.Count;
    }

    private async Task<List<string>> ChangeContactsAsync(int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = await Host.CreateContactAsync(new { name = $"History {i}" });
            (await Host.QueryAsync("mutation($id: ID!) { updateContact(id: $id, input: { lastName: \"Changed\" }) { errors { code } } }", new { id })).ShouldSucceed();
            ids.Add(id);
        }

        return ids;
    }

    [Fact]
    public async Task A_batch_of_events_writes_its_history_in_a_constant_number_of_statements()
    {
        await Host.DeliverAsync(); // whatever the start left

        var small = await ChangeContactsAsync(1);
        var smallStatements = await CountedDispatchAsync();
        var large = await ChangeContactsAsync(20);
        var largeStatements = await CountedDispatchAsync();

        // On SQLite EF Core sends one INSERT per row (its provider does not batch: a statement costs
        // no round trip there); everything else, the query for what is written already included,
        // is the same whatever the batch's size. On PostgreSQL the rows go in one batch.
        var moreRows = fixture.Host.Engine == Engine.Sqlite ? 2 * (large.Count - small.Count) : 0;
        Assert.Equal(smallStatements + moreRows, largeStatements);
        foreach (var id in small.Concat(large))
        {
            Assert.Equal(2, await Host.EntryCountAsync("contact", id));
        }

        Assert.Contains(Host.Services.GetRequiredService<EventCatalog>().Subscriptions, s => s.Name == HistoryBatchHost.History && s.TakesBatches);

        // Delivered again (at least once), the batch writes nothing twice.
        await Host.QueryRowsAsync($"UPDATE {Host.Table("contacts", "outbox")} SET processed_at = NULL WHERE entity_id IN ({string.Join(", ", large)})");
        await Host.DeliverAsync();
        foreach (var id in large)
        {
            Assert.Equal(2, await Host.EntryCountAsync("contact", id));
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class HistoryBatchOnSqlite(HistoryBatchSqliteHost fixture) : HistoryBatchTests(fixture), IClassFixture<HistoryBatchSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class HistoryBatchOnPostgres(HistoryBatchPostgresHost fixture) : HistoryBatchTests(fixture), IClassFixture<HistoryBatchPostgresHost>;
