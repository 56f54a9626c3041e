using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Events;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Host.Tests.Events;

/// <summary>What the test batch handler was called with and what it handled, and which contacts make a call throw or hang.</summary>
public sealed class BatchJournal
{
    private readonly ConcurrentQueue<IReadOnlyList<Guid>> _calls = new();
    private readonly ConcurrentQueue<(Guid EventId, string Type, long ContactId)> _handled = new();
    private readonly ConcurrentDictionary<long, bool> _failing = new();
    private readonly ConcurrentDictionary<long, bool> _hanging = new();

    public void Called(IReadOnlyList<Guid> contactEvents) => _calls.Enqueue(contactEvents);

    public void Handled(Guid eventId, string type, long contactId) => _handled.Enqueue((eventId, type, contactId));

    /// <summary>Each call's contact events (ids), in the order the calls came, failed ones included.</summary>
    public IReadOnlyList<IReadOnlyList<Guid>> Calls => _calls.ToList();

    /// <summary>The event types handled (in calls that succeeded) for one contact, in order.</summary>
    public IReadOnlyList<string> HandledFor(string contactId) =>
        _handled.Where(h => h.ContactId == Id(contactId)).Select(h => h.Type).ToList();

    /// <summary>The events handled for one contact, by id, in order (a repeat would show twice).</summary>
    public IReadOnlyList<Guid> HandledEventsFor(string contactId) =>
        _handled.Where(h => h.ContactId == Id(contactId)).Select(h => h.EventId).ToList();

    public void FailFor(string contactId) => _failing[Id(contactId)] = true;

    public void HangFor(string contactId) => _hanging[Id(contactId)] = true;

    public void Heal(string contactId)
    {
        _failing.TryRemove(Id(contactId), out _);
        _hanging.TryRemove(Id(contactId), out _);
    }

    public bool Fails(long contactId) => _failing.ContainsKey(contactId);

    public bool Hangs(long contactId) => _hanging.ContainsKey(contactId);

    private static long Id(string contactId) => long.Parse(contactId, CultureInfo.InvariantCulture);
}

/// <summary>
/// A batch handler of every event that handles a call's contact events all or none: a call with an
/// event of a failing contact throws, one with a hanging contact's event moves the clock past the
/// handler timeout and waits for its token.
/// </summary>
public sealed class TestBatchHandler(BatchJournal journal, TimeProvider clock) : IEventBatchHandler<CrmEvent>
{
    public const string Name = "tests/batch";

    public async Task HandleAsync(IReadOnlyList<DomainEvent<CrmEvent>> events, CancellationToken cancellationToken)
    {
        var contacts = events.Where(e => e.EntityType == "contact").ToList();
        if (contacts.Count == 0)
        {
            return;
        }

        journal.Called(contacts.Select(e => e.Id).ToList());
        if (contacts.Any(e => journal.Hangs(e.EntityId)))
        {
            ((FakeTimeProvider)clock).Advance(BatchHandlerHost.HandlerTimeout + TimeSpan.FromSeconds(1));
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (contacts.FirstOrDefault(e => journal.Fails(e.EntityId)) is { } bad)
        {
            throw new InvalidOperationException($"The batch handler refuses contact {bad.EntityId}.");
        }

        foreach (var e in contacts)
        {
            journal.Handled(e.Id, e.Type, e.EntityId);
        }
    }
}

/// <summary>A host with the test batch handler, a clock the tests move, a 10 s handler timeout, 3 attempts a delivery and a first back-off of a minute.</summary>
public abstract class BatchHandlerHost(Engine engine) : HostFixture(engine)
{
    public static readonly TimeSpan HandlerTimeout = TimeSpan.FromSeconds(10);

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public BatchJournal Journal { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Events:HandlerTimeout"] = "00:00:10",
        ["Events:MaxAttempts"] = "3",
        ["Events:RetryDelay"] = "00:01:00",
        ["Events:MaxRetryDelay"] = "01:00:00",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton(Journal);
        services.AddEventHandler<TestBatchHandler>(TestBatchHandler.Name);
    }
}

public sealed class BatchHandlerHostOnSqlite() : BatchHandlerHost(Engine.Sqlite);

public sealed class BatchHandlerHostOnPostgres() : BatchHandlerHost(Engine.Postgres);

/// <summary>
/// A batch handler keeps the guarantees of an ordinary one: a failing or hanging call costs no event
/// its delivery (the events are handed over again one at a time, so only the bad one gets a
/// delivery row), each record's events arrive in order, a record with a delivery waiting is left
/// out of batches, and retries hand over one event at a time.
/// </summary>
public abstract class BatchHandlerTests(BatchHandlerHost fixture)
{
    private const string Created = RecordCreated.TypeName;
    private const string Updated = RecordUpdated.TypeName;

    private CrmHost Host => fixture.Host;

    private BatchJournal Journal => fixture.Journal;

    private Task DispatchAsync() => Host.Services.GetRequiredService<OutboxDispatcher>().DispatchPendingAsync(CancellationToken.None);

    private Task RenameAsync(string id, string name) =>
        Host.QueryAsync("mutation($id: ID!, $name: String!) { updateContact(id: $id, input: { name: $name }) { errors { code } } }", new { id, name });

    /// <summary>The batch handler's deliveries of one contact through the administrators' query, oldest first.</summary>
    private async Task<List<JsonNode>> DeliveriesAsync(string contactId)
    {
        var response = (await Host.QueryAsync(
            "query($handler: String) { eventDeliveries(handler: $handler, first: 200) { nodes { id state attempts lastError event { id type entityType entityId } } } }",
            new { handler = TestBatchHandler.Name })).ShouldSucceed();
        return response.Data!["eventDeliveries"]!["nodes"]!.AsArray()
            .Where(n => n!["event"]!["entityType"]!.GetValue<string>() == "contact" && n["event"]!["entityId"]!.GetValue<string>() == contactId)
            .Select(n => n!)
            .ToList();
    }

    private static string State(JsonNode delivery) => delivery["state"]!.GetValue<string>();

    private static int Attempts(JsonNode delivery) => delivery["attempts"]!.GetValue<int>();

    [Fact]
    public async Task A_batch_that_throws_on_one_event_costs_the_others_nothing_and_only_the_bad_one_gets_a_delivery()
    {
        await DispatchAsync(); // whatever earlier tests left
        var bad = await Host.CreateContactAsync(new { name = "Bad" });
        Journal.FailFor(bad);
        var good = await Host.CreateContactAsync(new { name = "Good" });
        await RenameAsync(bad, "Bad 2");
        await RenameAsync(good, "Good 2");
        var other = await Host.CreateContactAsync(new { name = "Other" });
        await RenameAsync(bad, "Bad 3");
        await DispatchAsync();

        // The batch call had all six and threw; then each alone: the good ones once each, in order.
        var callsOfThisRound = Journal.Calls.Where(c => c.Count == 6).ToList();
        Assert.Single(callsOfThisRound);
        Assert.Equal([Created, Updated], Journal.HandledFor(good));
        Assert.Equal([Created], Journal.HandledFor(other));
        Assert.Equal(2, Journal.HandledEventsFor(good).Distinct().Count());
        Assert.Empty(Journal.HandledFor(bad));

        // Only the bad event has a failed delivery; the bad contact's later events wait behind it.
        var deliveries = await DeliveriesAsync(bad);
        Assert.Equal(["RETRYING", "WAITING", "WAITING"], deliveries.Select(State));
        Assert.Equal([Created, Updated, Updated], deliveries.Select(d => d["event"]!["type"]!.GetValue<string>()));
        Assert.Equal([1, 0, 0], deliveries.Select(Attempts));
        Assert.Contains("refuses contact", deliveries[0]["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await DeliveriesAsync(good));
        Assert.Empty(await DeliveriesAsync(other));

        // While its delivery waits, the bad contact's new events stay out of the batches.
        Journal.Heal(bad);
        await RenameAsync(bad, "Bad 4");
        await RenameAsync(good, "Good 3");
        await DispatchAsync();
        var goodUpdate = Journal.HandledEventsFor(good)[^1];
        var lastBatch = Assert.Single(Journal.Calls, c => c.Contains(goodUpdate));
        Assert.Single(lastBatch);
        Assert.Empty(Journal.HandledFor(bad));
        Assert.Equal(["RETRYING", "WAITING", "WAITING", "WAITING"], (await DeliveriesAsync(bad)).Select(State));

        // After the back-off the retries hand them over one at a time, in order.
        var callsBefore = Journal.Calls.Count;
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        await DispatchAsync();
        Assert.Equal([Created, Updated, Updated, Updated], Journal.HandledFor(bad));
        Assert.Equal(4, Journal.HandledEventsFor(bad).Distinct().Count());
        Assert.All(Journal.Calls.Skip(callsBefore), c => Assert.Single(c));
        Assert.Empty(await DeliveriesAsync(bad));
        Assert.Equal([Created, Updated, Updated], Journal.HandledFor(good));
    }

    [Fact]
    public async Task A_hanging_batch_is_cut_off_at_the_handler_timeout_and_its_other_events_are_still_delivered_once()
    {
        await DispatchAsync();
        var before = await Host.CreateContactAsync(new { name = "Before" });
        var hanging = await Host.CreateContactAsync(new { name = "Hanging" });
        Journal.HangFor(hanging);
        await RenameAsync(hanging, "Hanging 2");
        var after = await Host.CreateContactAsync(new { name = "After" });
        await DispatchAsync();

        // The batch (4 events) timed out; alone, "before" went through, the hanging one timed out
        // again and its later event waits behind it; the one-at-a-time round had no time left for
        // "after", which the retries of the same round handed over alone.
        Assert.Single(Journal.Calls, c => c.Count == 4);
        Assert.Equal([Created], Journal.HandledFor(before));
        Assert.Equal([Created], Journal.HandledFor(after));
        Assert.Single(Journal.HandledEventsFor(after));
        Assert.Empty(Journal.HandledFor(hanging));
        var deliveries = await DeliveriesAsync(hanging);
        Assert.Equal(["RETRYING", "WAITING"], deliveries.Select(State));
        Assert.Equal(1, Attempts(deliveries[0]));
        Assert.Contains("Events:HandlerTimeout", deliveries[0]["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await DeliveriesAsync(before));
        Assert.Empty(await DeliveriesAsync(after));

        Journal.Heal(hanging);
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        await DispatchAsync();
        Assert.Equal([Created, Updated], Journal.HandledFor(hanging));
        Assert.Empty(await DeliveriesAsync(hanging));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class BatchHandlerOnSqlite(BatchHandlerHostOnSqlite fixture) : BatchHandlerTests(fixture), IClassFixture<BatchHandlerHostOnSqlite>;

[Trait("Engine", "Postgres")]
public sealed class BatchHandlerOnPostgres(BatchHandlerHostOnPostgres fixture) : BatchHandlerTests(fixture), IClassFixture<BatchHandlerHostOnPostgres>;
