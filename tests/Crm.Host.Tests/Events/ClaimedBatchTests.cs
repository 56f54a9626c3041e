using System.Collections.Concurrent;
using System.Globalization;
using Crm.Host.Events;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Events;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Events;

/// <summary>
/// Two hosts on one database while one of them is stuck in a slow handler: on PostgreSQL each
/// claims a batch of its own and delivers it without a lock, so the stuck one holds up nothing but
/// its own events and the later events of their records; on SQLite the hosts take turns. Either
/// way nothing is lost, nothing delivered twice, and each record's events come in order.
/// </summary>
public abstract class ClaimedBatchTests(Engine engine)
{
    /// <summary>What both hosts' handlers saw, in the order they saw it.</summary>
    protected sealed class Seen
    {
        public ConcurrentQueue<(Guid EventId, long ContactId, string Type)> Events { get; } = new();
    }

    /// <summary>The contact whose first event one host's handler is stuck in, until released.</summary>
    protected sealed class Hold
    {
        public long? Contact { get; set; }

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class HoldingHandler(Seen seen, Hold hold) : IEventHandler<CrmEvent>
    {
        public async Task HandleAsync(DomainEvent<CrmEvent> domainEvent, CancellationToken cancellationToken)
        {
            if (domainEvent.EntityType != "contact")
            {
                return;
            }

            seen.Events.Enqueue((domainEvent.Id, domainEvent.EntityId, domainEvent.Type));
            if (hold.Contact == domainEvent.EntityId && hold.Entered.TrySetResult())
            {
                await hold.Released.Task.WaitAsync(cancellationToken);
            }
        }
    }

    /// <summary>Whether a second host delivers while the first is stuck in a handler (PostgreSQL), or waits its turn (SQLite).</summary>
    protected abstract bool DeliversBesideAStuckHost { get; }

    protected static WebApplicationFactory<Program> WithHandler(CrmHost host, Seen seen, Hold hold) =>
        host.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton(seen).AddSingleton(hold).AddEventHandler<HoldingHandler>("tests/holding")));

    protected static OutboxDispatcher Dispatcher(WebApplicationFactory<Program> host) => host.Services.GetRequiredService<OutboxDispatcher>();

    /// <summary>
    /// The host started and its dispatcher's own round at start ended (a late one would claim what the
    /// test writes next, with the poll and wake-ups off: it did once, and the test's own round found nothing),
    /// then a round of the test's.
    /// </summary>
    protected static async Task StartedAsync(WebApplicationFactory<Program> host)
    {
        await Dispatcher(host).FirstRound.WaitAsync(TimeSpan.FromMinutes(1));
        await Dispatcher(host).DispatchPendingAsync(CancellationToken.None);
    }

    protected static async Task<long> WaitingAsync(CrmHost host) =>
        Convert.ToInt64((await host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {host.Table("contacts", "outbox")} WHERE processed_at IS NULL"))[0]["n"], CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_host_stuck_in_a_handler_holds_up_only_its_own_batch_and_the_later_events_of_its_records()
    {
        // The stuck handler is released by the test, never by its timeout.
        await using var host = await CrmHost.StartAsync(engine, new Dictionary<string, string?>
        {
            ["Events:BatchSize"] = "10",
            ["Events:HandlerTimeout"] = "00:10:00",
            ["Events:ClaimTimeout"] = "01:00:00",
        });
        var seen = new Seen();
        var stuckHold = new Hold();
        await using var stuck = WithHandler(host, seen, stuckHold);
        await using var other = WithHandler(host, seen, new Hold());
        // Both started, and their start-up rounds done, before anything is written.
        await StartedAsync(stuck);
        await StartedAsync(other);

        var contacts = new List<long>();
        for (var i = 0; i < 15; i++)
        {
            contacts.Add(long.Parse(await host.CreateContactAsync(new { name = $"Claimed {i}" }), CultureInfo.InvariantCulture));
        }

        // The stuck host takes the first ten and sticks on the first; then that contact changes
        // (an event of a record under its claim).
        stuckHold.Contact = contacts[0];
        var stuckRound = Task.Run(() => Dispatcher(stuck).DispatchPendingAsync(CancellationToken.None));
        await stuckHold.Entered.Task.WaitAsync(TimeSpan.FromMinutes(2)); // a guard against a hang, not a measure
        (await host.QueryAsync(
            "mutation($id: ID!) { updateContact(id: $id, input: { comments: \"changed\" }) { errors { code } } }",
            new { id = contacts[0].ToString(CultureInfo.InvariantCulture) })).ShouldSucceed();

        var besideIt = await Dispatcher(other).DispatchPendingAsync(CancellationToken.None);
        if (DeliversBesideAStuckHost)
        {
            // The five the stuck host did not claim (a batch has room for the update too); not the
            // update, which waits behind its record's creation.
            Assert.Equal(5, besideIt);
            Assert.DoesNotContain(seen.Events, e => e.ContactId == contacts[0] && e.Type == RecordUpdated.TypeName);
        }
        else
        {
            Assert.Equal(0, besideIt);
        }

        stuckHold.Released.SetResult();
        Assert.Equal(10, await stuckRound);
        for (var round = 0; await WaitingAsync(host) > 0; round++)
        {
            Assert.True(round < 100, "The two hosts did not empty the outbox.");
            await Dispatcher(other).DispatchPendingAsync(CancellationToken.None);
        }

        var events = seen.Events.ToList();
        Assert.Equal(16, events.Count);
        Assert.Equal(16, events.Select(e => e.EventId).Distinct().Count());
        Assert.Equal(
            [RecordCreated.TypeName, RecordUpdated.TypeName],
            events.Where(e => e.ContactId == contacts[0]).Select(e => e.Type).ToList());
    }

    [Fact]
    public async Task Two_hosts_delivering_at_once_lose_nothing_and_deliver_nothing_twice()
    {
        await using var host = await CrmHost.StartAsync(engine, new Dictionary<string, string?> { ["Events:BatchSize"] = "7" });
        var seen = new Seen();
        await using var first = WithHandler(host, seen, new Hold());
        await using var second = WithHandler(host, seen, new Hold());
        await StartedAsync(first);
        await StartedAsync(second);
        var contacts = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            contacts.Add(await host.CreateContactAsync(new { name = $"Shared {i}" }));
        }

        foreach (var id in contacts.Take(10))
        {
            (await host.QueryAsync(
                "mutation($id: ID!) { updateContact(id: $id, input: { comments: \"changed\" }) { errors { code } } }", new { id })).ShouldSucceed();
        }

        for (var round = 0; await WaitingAsync(host) > 0; round++)
        {
            Assert.True(round < 100, "The two hosts did not empty the outbox.");
            await Task.WhenAll(new[] { first, second }.Select(h => Task.Run(() => Dispatcher(h).DispatchPendingAsync(CancellationToken.None))));
        }

        var events = seen.Events.ToList();
        Assert.Equal(50, events.Count);
        Assert.Equal(50, events.Select(e => e.EventId).Distinct().Count());
        foreach (var id in contacts.Take(10).Select(c => long.Parse(c, CultureInfo.InvariantCulture)))
        {
            Assert.Equal([RecordCreated.TypeName, RecordUpdated.TypeName], events.Where(e => e.ContactId == id).Select(e => e.Type).ToList());
        }

        if (engine == Engine.Postgres)
        {
            Assert.Empty(await host.QueryRowsAsync("SELECT module FROM platform.event_claims"));
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ClaimedBatchOnSqlite() : ClaimedBatchTests(Engine.Sqlite)
{
    protected override bool DeliversBesideAStuckHost => false;
}

[Trait("Engine", "Postgres")]
public sealed class ClaimedBatchOnPostgres() : ClaimedBatchTests(Engine.Postgres)
{
    protected override bool DeliversBesideAStuckHost => true;

    [Fact]
    public async Task The_events_of_a_host_that_died_mid_batch_are_delivered_once_its_claim_expires()
    {
        await using var host = await CrmHost.StartAsync(Engine.Postgres);
        var seen = new Seen();
        await using var survivor = WithHandler(host, seen, new Hold());
        await StartedAsync(survivor);
        var contacts = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            contacts.Add(long.Parse(await host.CreateContactAsync(new { name = $"Orphaned {i}" }), CultureInfo.InvariantCulture));
        }

        // What a host that stopped after claiming leaves behind: live claims, held by no one.
        var deadHost = Guid.NewGuid();
        await host.QueryRowsAsync(
            $"INSERT INTO platform.event_claims (module, outbox_id, entity_type, entity_id, claimed_by, expires_at) SELECT 'contacts', id, entity_type, entity_id, @p0, now() + interval '1 hour' FROM {host.Table("contacts", "outbox")} WHERE processed_at IS NULL",
            deadHost);
        Assert.Equal(0, await Dispatcher(survivor).DispatchPendingAsync(CancellationToken.None));
        Assert.Empty(seen.Events);

        await host.QueryRowsAsync("UPDATE platform.event_claims SET expires_at = now() - interval '1 second' WHERE claimed_by = @p0", deadHost);
        Assert.Equal(3, await Dispatcher(survivor).DispatchPendingAsync(CancellationToken.None));
        Assert.Equal(contacts, seen.Events.Select(e => e.ContactId).ToList());
        Assert.Equal(0, await WaitingAsync(host));
        Assert.Empty(await host.QueryRowsAsync("SELECT module FROM platform.event_claims"));
    }
}
