using System.Collections.Concurrent;
using System.Globalization;
using Crm.Host.Events;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Events;

/// <summary>A host that delivers only when a test says so, 50 events a batch, with the recording and the faulty handler.</summary>
public abstract class OutboxBatchHost(Engine engine) : HostFixture(engine)
{
    public EventJournal Journal { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Events:BatchSize"] = "50",
        ["Events:MaxAttempts"] = "3",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton(Journal);
        services.AddEventHandler<RecordingHandler>(RecordingHandler.Name);
        services.AddEventHandler<FaultyHandler>(FaultyHandler.Name);
        // What is counted here is the dispatcher's own work; the modules' handlers write per event
        // (the timeline's history, for one) and would hide it.
        foreach (var moduleHandler in services.Where(d => d.ImplementationInstance is EventHandlerRegistration r && !r.Name.StartsWith("tests/", StringComparison.Ordinal)).ToList())
        {
            services.Remove(moduleHandler);
        }
    }
}

public sealed class OutboxBatchHostOnSqlite() : OutboxBatchHost(Engine.Sqlite);

public sealed class OutboxBatchHostOnPostgres() : OutboxBatchHost(Engine.Postgres);

/// <summary>A batch is claimed and marked by set-based statements: their number does not grow with the events in it; a failing handler still stays alone.</summary>
public abstract class OutboxBatchTests(OutboxBatchHost fixture)
{
    private CrmHost Host => fixture.Host;

    private EventJournal Journal => fixture.Journal;

    private OutboxDispatcher Dispatcher => Host.Services.GetRequiredService<OutboxDispatcher>();

    private async Task<int> CountedDispatchAsync()
    {
        using var counted = SqlStatementCounter.BeginScope();
        await Dispatcher.DispatchPendingAsync(CancellationToken.None);
        return counted.Count;
    }

    private async Task<List<string>> CreateContactsAsync(int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await Host.CreateContactAsync(new { name = $"Batch {i}" }));
        }

        return ids;
    }

    [Fact]
    public async Task The_statements_of_a_batch_do_not_grow_with_its_events_and_a_failing_handler_stays_alone()
    {
        await Dispatcher.DispatchPendingAsync(CancellationToken.None); // whatever earlier tests left

        // One failing delivery in each batch, so that both record the same kind of work.
        var small = await CreateContactsAsync(2);
        Journal.FailFor(small[0]);
        var smallStatements = await CountedDispatchAsync();
        var large = await CreateContactsAsync(45);
        Journal.FailFor(large[17]);
        var largeStatements = await CountedDispatchAsync();

        Assert.Equal(smallStatements, largeStatements);

        // Every event reached the recorder; the faulty handler every one but the two it refused,
        // which wait alone as deliveries to retry; the outbox is marked through.
        foreach (var id in small.Concat(large))
        {
            Assert.Equal([RecordCreated.TypeName], Journal.Seen(RecordingHandler.Name, id));
            Assert.Equal(id == small[0] || id == large[17] ? Array.Empty<string>() : [RecordCreated.TypeName], Journal.Seen(FaultyHandler.Name, id));
        }

        var deliveries = await Host.QueryRowsAsync(
            $"SELECT handler, entity_id, state FROM {Host.Table("platform", "event_deliveries")} WHERE entity_type = 'contact' AND entity_id IN ({small[0]}, {large[17]})");
        Assert.Equal(2, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal((FaultyHandler.Name, "Retrying"), ((string)d["handler"]!, (string)d["state"]!)));
        var waiting = await Host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {Host.Table("contacts", "outbox")} WHERE processed_at IS NULL");
        Assert.Equal(0L, Convert.ToInt64(waiting[0]["n"], CultureInfo.InvariantCulture));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class OutboxBatchOnSqlite(OutboxBatchHostOnSqlite fixture) : OutboxBatchTests(fixture), IClassFixture<OutboxBatchHostOnSqlite>;

[Trait("Engine", "Postgres")]
public sealed class OutboxBatchOnPostgres(OutboxBatchHostOnPostgres fixture) : OutboxBatchTests(fixture), IClassFixture<OutboxBatchHostOnPostgres>;

/// <summary>Every contact event each handler call received, by event id, and a way to wait until some have come.</summary>
public sealed class DeliveryLedger
{
    private readonly ConcurrentDictionary<Guid, int> _calls = new();
    private readonly ConcurrentDictionary<long, Guid> _createdEvents = new();
    private readonly SemaphoreSlim _recorded = new(0);

    public void Record(Guid eventId, string type, long contactId)
    {
        _calls.AddOrUpdate(eventId, 1, (_, n) => n + 1);
        if (type == RecordCreated.TypeName)
        {
            _createdEvents[contactId] = eventId;
        }

        _recorded.Release();
    }

    /// <summary>How many times the handler was called with this event.</summary>
    public int Calls(Guid eventId) => _calls.TryGetValue(eventId, out var n) ? n : 0;

    /// <summary>The id of the <c>record.created</c> event the handler received for a contact, if it did.</summary>
    public Guid? CreatedEventOf(string contactId) =>
        _createdEvents.TryGetValue(long.Parse(contactId, CultureInfo.InvariantCulture), out var id) ? id : null;

    /// <summary>
    /// Waits until <paramref name="done"/> holds, checked after each delivery. The bound only ends a
    /// test that would otherwise wait forever (the dispatcher's poll in these hosts is an hour).
    /// </summary>
    public async Task WaitUntilAsync(Func<bool> done, string what)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (!done())
            {
                await _recorded.WaitAsync(bound.Token);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Not delivered without a poll: {what}.");
        }
    }
}

/// <summary>Records every contact event it is called with.</summary>
public sealed class LedgerHandler(DeliveryLedger ledger) : IEventHandler<CrmEvent>
{
    public const string Name = "tests/ledger";

    public Task HandleAsync(DomainEvent<CrmEvent> domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.EntityType == "contact")
        {
            ledger.Record(domainEvent.Id, domainEvent.Type, domainEvent.EntityId);
        }

        return Task.CompletedTask;
    }
}

/// <summary>A host whose dispatcher runs on its own, woken by writes; its poll (an hour) never comes during a test.</summary>
public abstract class WakingHost(Engine engine) : HostFixture(engine)
{
    public DeliveryLedger Ledger { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Events:WakeUp"] = "true",
        ["Events:PollInterval"] = "01:00:00",
        ["Events:BatchSize"] = "20",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton(Ledger);
        services.AddEventHandler<LedgerHandler>(LedgerHandler.Name);
    }
}

public sealed class WakingHostOnSqlite() : WakingHost(Engine.Sqlite);

public sealed class WakingHostOnPostgres() : WakingHost(Engine.Postgres);

/// <summary>A write wakes the dispatcher, with no poll; many writers at once lose no event and get none delivered twice.</summary>
public abstract class OutboxWakeUpTests(WakingHost fixture)
{
    protected CrmHost Host => fixture.Host;

    protected DeliveryLedger Ledger => fixture.Ledger;

    [Fact]
    public async Task A_committed_write_wakes_the_dispatcher_without_waiting_for_the_poll()
    {
        var contact = await Host.CreateContactAsync(new { name = "Woken" });

        await Ledger.WaitUntilAsync(() => Ledger.CreatedEventOf(contact) is not null, $"the creation of contact {contact}");
    }

    [Fact]
    public async Task Twenty_concurrent_writers_lose_no_event_and_get_none_delivered_twice()
    {
        const int writers = 20, each = 5;
        var contacts = (await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var ids = new List<string>();
            for (var i = 0; i < each; i++)
            {
                ids.Add(await Host.CreateContactAsync(new { name = $"Writer {w} contact {i}" }));
            }

            return ids;
        })))).SelectMany(ids => ids).ToList();

        await Ledger.WaitUntilAsync(() => contacts.All(c => Ledger.CreatedEventOf(c) is not null), $"the creations of {writers * each} contacts");
        // A round of our own waits for the dispatcher's round in progress, so the marks are written when it returns.
        await Host.Services.GetRequiredService<OutboxDispatcher>().DispatchPendingAsync(CancellationToken.None);

        var rows = await Host.QueryRowsAsync(
            $"SELECT event_id, entity_id, processed_at FROM {Host.Table("contacts", "outbox")} WHERE kind = 'record.created' AND entity_id IN ({string.Join(",", contacts)})");
        Assert.Equal(writers * each, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.NotNull(row["processed_at"]);
            var eventId = row["event_id"] is Guid guid ? guid : Guid.Parse((string)row["event_id"]!, CultureInfo.InvariantCulture);
            Assert.Equal(1, Ledger.Calls(eventId));
        });
        var deliveries = await Host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {Host.Table("platform", "event_deliveries")} WHERE handler = '{LedgerHandler.Name}'");
        Assert.Equal(0L, Convert.ToInt64(deliveries[0]["n"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Rounds_woken_by_writes_start_at_most_once_per_wake_up_interval_and_a_write_after_a_quiet_spell_goes_at_once()
    {
        var ledger = new DeliveryLedger();
        await using var host = await CrmHost.StartAsync(fixture.Engine, new Dictionary<string, string?>
        {
            ["Events:WakeUp"] = "true",
            ["Events:PollInterval"] = "01:00:00",
            ["Events:WakeUpInterval"] = "00:00:01",
        }, services =>
        {
            services.AddSingleton(ledger);
            services.AddEventHandler<LedgerHandler>(LedgerHandler.Name);
        });
        await host.Services.GetRequiredService<OutboxDispatcher>().FirstRound;
        await Task.Delay(TimeSpan.FromMilliseconds(1200)); // a quiet spell longer than the interval

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var first = await host.CreateContactAsync(new { name = "After a quiet spell" });
        var firstWritten = clock.Elapsed;
        await ledger.WaitUntilAsync(() => ledger.CreatedEventOf(first) is not null, $"the creation of contact {first}");
        var firstDelivered = clock.Elapsed;
        var second = await host.CreateContactAsync(new { name = "Soon after" });
        await ledger.WaitUntilAsync(() => ledger.CreatedEventOf(second) is not null, $"the creation of contact {second}");
        var secondDelivered = clock.Elapsed;

        // The first went at once (not held for an interval); the second was woken within the interval of the first's
        // round (which began after the clock started) and waited for its end.
        Assert.True(firstDelivered - firstWritten < TimeSpan.FromSeconds(1), $"The first event waited {firstDelivered - firstWritten}.");
        Assert.True(secondDelivered >= TimeSpan.FromSeconds(1), $"The second event was delivered {secondDelivered} after the clock started, within the interval.");
    }
}

[Trait("Engine", "Sqlite")]
public sealed class OutboxWakeUpOnSqlite(WakingHostOnSqlite fixture) : OutboxWakeUpTests(fixture), IClassFixture<WakingHostOnSqlite>;

/// <summary>On PostgreSQL, also what another writer commits (here: SQL, bypassing the host) wakes the dispatcher, through NOTIFY, even after the listening connection was cut.</summary>
[Trait("Engine", "Postgres")]
public sealed class OutboxWakeUpOnPostgres(WakingHostOnPostgres fixture) : OutboxWakeUpTests(fixture), IClassFixture<WakingHostOnPostgres>
{
    private async Task<string> WriteBySqlAsync(string name)
    {
        var contact = await Host.CreateContactAsync(new { name });
        // Deliver the API's own event first, so that only the row written by SQL is left to wake anyone.
        await Ledger.WaitUntilAsync(() => Ledger.CreatedEventOf(contact) is not null, $"the creation of contact {contact}");
        var eventId = Guid.NewGuid();
        var envelope = $$$"""{"id":"{{{eventId}}}","type":"record.created","version":1,"occurredAt":"2026-01-01T00:00:00Z","actorId":1,"entityType":"contact","entityId":{{{contact}}},"data":{"entityType":"contact","recordId":{{{contact}}}}}""";
        await Host.QueryRowsAsync(
            "INSERT INTO contacts.outbox (event_id, entity_type, entity_id, kind, payload, occurred_at, attempts) VALUES (@p0, 'contact', @p1, 'record.created', @p2, now(), 0)",
            eventId, long.Parse(contact, CultureInfo.InvariantCulture), envelope);
        await Ledger.WaitUntilAsync(() => Ledger.Calls(eventId) > 0, $"the event {eventId} written by SQL");
        return contact;
    }

    [Fact]
    public async Task Start_up_changes_nothing_that_is_in_place_and_puts_back_a_missing_trigger()
    {
        // Replacing a trigger locks its outbox against writes: a start must not do it when nothing changed.
        const string catalogRows = """
            SELECT (SELECT string_agg(t.xmin::text, ',' ORDER BY t.oid) FROM pg_trigger t WHERE t.tgname = 'crm_outbox_notify') AS triggers,
                   (SELECT string_agg(p.xmin::text, ',') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'platform' AND p.proname = 'crm_outbox_notify') AS function
            """;
        var before = (await Host.QueryRowsAsync(catalogRows)).Single();

        await SetUpEventStreamsAsync();

        var after = (await Host.QueryRowsAsync(catalogRows)).Single();
        Assert.NotNull(before["triggers"]);
        Assert.Equal(before["triggers"], after["triggers"]);
        Assert.Equal(before["function"], after["function"]);

        await Host.QueryRowsAsync("DROP TRIGGER crm_outbox_notify ON contacts.outbox");
        await SetUpEventStreamsAsync();

        // Only the put-back trigger can wake the dispatcher for a row written by SQL (its poll is an hour).
        await WriteBySqlAsync("After the trigger was put back");
    }

    private async Task SetUpEventStreamsAsync()
    {
        using var scope = Host.Services.CreateScope();
        await EventStreamSetup.EnsureAsync(
            scope.ServiceProvider.GetRequiredService<Crm.Host.Data.PlatformDbContext>(),
            Host.Services.GetServices<ModuleDatabaseRegistration>(),
            CancellationToken.None);
    }

    [Fact]
    public async Task Every_outbox_has_the_index_of_its_waiting_events_that_the_claim_reads()
    {
        // The claim reads its batch in outbox order from this partial index, not from the primary
        // key past every event delivered before (all of the outbox's history).
        var outboxes = (await Host.QueryRowsAsync(
                "SELECT table_schema AS s FROM information_schema.tables WHERE table_name = 'outbox' AND table_catalog = current_database()"))
            .Select(r => (string)r["s"]!).Order().ToList();
        var indexed = (await Host.QueryRowsAsync(
                "SELECT schemaname AS s, indexdef AS d FROM pg_indexes WHERE tablename = 'outbox' AND indexname = @p0", OutboxFanOut.WaitingIndex))
            .ToList();

        Assert.Contains("contacts", outboxes);
        Assert.Equal(outboxes, indexed.Select(r => (string)r["s"]!).Order());
        Assert.All(indexed, r => Assert.EndsWith("(id) WHERE (processed_at IS NULL)", (string)r["d"]!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_event_written_by_another_writer_is_delivered_through_notify() =>
        await WriteBySqlAsync("Notified");

    [Fact]
    public async Task The_listener_connects_again_after_its_connection_is_cut()
    {
        const string listener = "SELECT pid FROM pg_stat_activity WHERE application_name = 'crm outbox listener' AND datname = current_database()";
        // The listener connects at start-up, in the background: wait for it.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        List<Dictionary<string, object?>> listening;
        while ((listening = await Host.QueryRowsAsync(listener)).Count == 0)
        {
            await Task.Delay(50, bound.Token);
        }

        await Host.QueryRowsAsync($"SELECT pg_terminate_backend({listening[0]["pid"]})");

        await WriteBySqlAsync("After the cut");
    }
}
