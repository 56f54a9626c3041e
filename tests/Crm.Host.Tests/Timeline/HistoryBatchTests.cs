using System.Globalization;
using System.Text.Json.Nodes;
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

/// <summary>
/// The history handler takes its events in batches: a batch's history is written by the same
/// number of statements whatever its size (one INSERT of all its entries, skipping those written
/// before), all of it or nothing.
/// </summary>
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

        // The entries of 2 events and of 40 go in one INSERT each, on both engines.
        Assert.Equal(smallStatements, largeStatements);
        foreach (var id in small.Concat(large))
        {
            Assert.Equal(2, await Host.EntryCountAsync("contact", id));
        }

        Assert.Contains(Host.Services.GetRequiredService<EventCatalog>().Subscriptions, s => s.Name == HistoryBatchHost.History && s.TakesBatches);

        // Delivered again (at least once), the batch writes nothing twice.
        await Host.QueryRowsAsync($"UPDATE {Host.Table("contacts", "outbox")} SET processed_at = NULL WHERE entity_id IN ({string.Join(", ", large)})");
        // The same statements, but for the live readers' signal (PostgreSQL's NOTIFY): nothing new was written.
        Assert.Equal(smallStatements - (fixture.Host.Engine == Engine.Postgres ? 1 : 0), await CountedDispatchAsync());
        foreach (var id in large)
        {
            Assert.Equal(2, await Host.EntryCountAsync("contact", id));
        }
    }

    [Fact]
    public async Task A_batch_whose_stage_moves_fail_leaves_nothing_and_its_good_events_are_written_alone()
    {
        await Host.DeliverAsync(); // whatever the start left
        var good = await Host.CreateDealAsync(new { title = "Written alone" });
        var broken = await Host.CreateDealAsync(new { title = "Never moved" });

        // A stage change with no stage to move to: its entry goes in with the batch's others, then
        // its move is refused (the column is NOT NULL), and the whole batch rolls back.
        var bad = Guid.NewGuid();
        var payload = new JsonObject
        {
            ["id"] = bad,
            ["type"] = DealStageChanged.TypeName,
            ["version"] = 1,
            ["occurredAt"] = DateTimeOffset.UtcNow,
            ["entityType"] = "deal",
            ["entityId"] = long.Parse(broken, CultureInfo.InvariantCulture),
            ["data"] = new JsonObject { ["dealId"] = long.Parse(broken, CultureInfo.InvariantCulture), ["pipelineId"] = 0, ["from"] = "NEW", ["to"] = null, ["semantics"] = "PROCESS" },
        }.ToJsonString();
        await Host.QueryRowsAsync(
            $"INSERT INTO {Host.Table("deals", "outbox")} (event_id, entity_type, entity_id, kind, payload, occurred_at, attempts) VALUES (@p0, 'deal', @p1, @p2, @p3, @p4, 0)",
            bad, long.Parse(broken, CultureInfo.InvariantCulture), DealStageChanged.TypeName, payload, DateTime.UtcNow);

        await Host.Services.GetRequiredService<OutboxDispatcher>().DispatchPendingAsync(CancellationToken.None);

        // Handed over alone after the batch failed: the good events have their entries, the bad one
        // neither its entry nor its move, and a delivery to retry.
        Assert.Equal(1, await Host.EntryCountAsync("deal", good));
        Assert.Equal(1, await Host.EntryCountAsync("deal", broken));
        Assert.Equal(0, await Host.CountAsync($"SELECT COUNT(*) FROM {Host.Table("timeline", "entries")} WHERE event_id = @p0", bad));
        Assert.Equal(0, await Host.CountAsync($"SELECT COUNT(*) FROM {Host.Table("timeline", "stage_moves")} WHERE event_id = @p0", bad));
        var delivery = Assert.Single(await Host.QueryRowsAsync($"SELECT last_error FROM {Host.Table("platform", "event_deliveries")} WHERE event_id = @p0 AND handler = @p1", bad, HistoryBatchHost.History));
        Assert.Contains("to_id", (string)delivery["last_error"]!, StringComparison.Ordinal); // refused at the moves, after its entry went in
    }
}

[Trait("Engine", "Sqlite")]
public sealed class HistoryBatchOnSqlite(HistoryBatchSqliteHost fixture) : HistoryBatchTests(fixture), IClassFixture<HistoryBatchSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class HistoryBatchOnPostgres(HistoryBatchPostgresHost fixture) : HistoryBatchTests(fixture), IClassFixture<HistoryBatchPostgresHost>;
