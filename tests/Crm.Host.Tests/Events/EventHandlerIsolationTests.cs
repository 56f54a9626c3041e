using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Events;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.PluginSdk.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Host.Tests.Events;

/// <summary>What the test handlers saw, and which contacts the faulty one refuses (and how many more times).</summary>
public sealed class EventJournal
{
    private readonly ConcurrentQueue<(string Handler, string Type, long EntityId)> _seen = new();
    private readonly ConcurrentDictionary<long, int> _failures = new();

    public void Record(string handler, string type, long entityId) => _seen.Enqueue((handler, type, entityId));

    /// <summary>The changed fields of each <c>record.updated</c> the recorder received, per contact.</summary>
    public ConcurrentDictionary<long, string> ChangedFields { get; } = new();

    /// <summary>The event types <paramref name="handler"/> received for one contact, in the order it received them.</summary>
    public IReadOnlyList<string> Seen(string handler, string contactId) =>
        _seen.Where(s => s.Handler == handler && s.EntityId == long.Parse(contactId, CultureInfo.InvariantCulture)).Select(s => s.Type).ToList();

    public void FailFor(string contactId, int times = int.MaxValue) => _failures[long.Parse(contactId, CultureInfo.InvariantCulture)] = times;

    public void Heal(string contactId) => _failures.TryRemove(long.Parse(contactId, CultureInfo.InvariantCulture), out _);

    public bool ShouldFail(long entityId)
    {
        while (_failures.TryGetValue(entityId, out var left))
        {
            if (left <= 0)
            {
                return false;
            }

            if (_failures.TryUpdate(entityId, left - 1, left))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Receives every contact event.</summary>
public sealed class RecordingHandler(EventJournal journal) : IEventHandler<CrmEvent>
{
    public const string Name = "tests/recorder";

    public Task HandleAsync(DomainEvent<CrmEvent> domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.EntityType == "contact")
        {
            journal.Record(Name, domainEvent.Type, domainEvent.EntityId);
            if (domainEvent.Data is RecordUpdated updated)
            {
                journal.ChangedFields[domainEvent.EntityId] = string.Join(",", updated.Changes.Keys);
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>Receives every contact event, but throws on the contacts the journal says to fail.</summary>
public sealed class FaultyHandler(EventJournal journal) : IEventHandler<CrmEvent>
{
    public const string Name = "tests/faulty";

    public Task HandleAsync(DomainEvent<CrmEvent> domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.EntityType != "contact")
        {
            return Task.CompletedTask;
        }

        if (journal.ShouldFail(domainEvent.EntityId))
        {
            throw new InvalidOperationException($"The faulty handler refuses contact {domainEvent.EntityId}.");
        }

        journal.Record(Name, domainEvent.Type, domainEvent.EntityId);
        return Task.CompletedTask;
    }
}

/// <summary>A host with the two test handlers, a clock the tests move, 3 attempts a delivery and a first back-off of a minute.</summary>
public abstract class EventHandlerHost(Engine engine) : HostFixture(engine)
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public EventJournal Journal { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Events:MaxAttempts"] = "3",
        ["Events:RetryDelay"] = "00:01:00",
        ["Events:MaxRetryDelay"] = "01:00:00",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton(Journal);
        services.AddEventHandler<RecordingHandler>(RecordingHandler.Name);
        services.AddEventHandler<FaultyHandler>(FaultyHandler.Name);
    }
}

public sealed class EventHandlerHostOnSqlite() : EventHandlerHost(Engine.Sqlite);

public sealed class EventHandlerHostOnPostgres() : EventHandlerHost(Engine.Postgres);

/// <summary>
/// Delivery per (event, handler): a handler that throws is retried with back-off and parked alone,
/// the other handler sees every event, each handler sees a record's events in order, and an
/// administrator's retry delivers what was parked.
/// </summary>
public abstract class EventHandlerIsolationTests(EventHandlerHost fixture)
{
    private const string Created = RecordCreated.TypeName;
    private const string Updated = RecordUpdated.TypeName;
    private const string Deleted = RecordDeleted.TypeName;

    private CrmHost Host => fixture.Host;

    private EventJournal Journal => fixture.Journal;

    private Task DispatchAsync() => Host.Services.GetRequiredService<OutboxDispatcher>().DispatchPendingAsync(CancellationToken.None);

    private Task RenameAsync(string id, string name) =>
        Host.QueryAsync("mutation($id: ID!, $name: String!) { updateContact(id: $id, input: { name: $name }) { errors { code } } }", new { id, name });

    /// <summary>The faulty handler's deliveries of one contact (any state), oldest first.</summary>
    private async Task<List<JsonNode>> DeliveriesAsync(string contactId, string? state = null)
    {
        var response = (await Host.QueryAsync(
            "query($state: EventDeliveryState, $handler: String) { eventDeliveries(state: $state, handler: $handler, first: 200) { nodes { id handler state attempts lastError nextAttemptAt event { type entityType entityId json } } } }",
            new { state, handler = FaultyHandler.Name })).ShouldSucceed();
        return response.Data!["eventDeliveries"]!["nodes"]!.AsArray()
            .Where(n => n!["event"]!["entityType"]!.GetValue<string>() == "contact" && n["event"]!["entityId"]!.GetValue<string>() == contactId)
            .Select(n => n!)
            .ToList();
    }

    private static int Attempts(JsonNode delivery) => delivery["attempts"]!.GetValue<int>();

    private static string State(JsonNode delivery) => delivery["state"]!.GetValue<string>();

    [Fact]
    public async Task A_failing_handler_is_retried_with_back_off_and_parked_alone_while_the_other_handler_gets_every_event()
    {
        var doomed = await Host.CreateContactAsync(new { name = "Doomed" });
        Journal.FailFor(doomed);
        await RenameAsync(doomed, "Doomed 2");
        var fine = await Host.CreateContactAsync(new { name = "Fine" });
        await RenameAsync(doomed, "Doomed 3");
        await DispatchAsync();

        // The healthy handler has everything, in order; the faulty one everything but the doomed contact's.
        Assert.Equal([Created, Updated, Updated], Journal.Seen(RecordingHandler.Name, doomed));
        Assert.Equal([Created], Journal.Seen(RecordingHandler.Name, fine));
        Assert.Equal([Created], Journal.Seen(FaultyHandler.Name, fine));
        Assert.Empty(Journal.Seen(FaultyHandler.Name, doomed));
        var deliveries = await DeliveriesAsync(doomed);
        Assert.Equal(["RETRYING", "WAITING", "WAITING"], deliveries.Select(State));
        Assert.Equal([Created, Updated, Updated], deliveries.Select(d => d["event"]!["type"]!.GetValue<string>()));
        Assert.Equal(1, Attempts(deliveries[0]));
        Assert.Contains("refuses contact", deliveries[0]["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await DeliveriesAsync(fine));

        // The back-off holds: not tried again before a minute, then again after two more.
        fixture.Clock.Advance(TimeSpan.FromSeconds(59));
        await DispatchAsync();
        Assert.Equal(1, Attempts((await DeliveriesAsync(doomed))[0]));
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        await DispatchAsync();
        Assert.Equal(2, Attempts((await DeliveriesAsync(doomed))[0]));
        fixture.Clock.Advance(TimeSpan.FromSeconds(119));
        await DispatchAsync();
        Assert.Equal(2, Attempts((await DeliveriesAsync(doomed))[0]));
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        await DispatchAsync();

        // Parked after Events:MaxAttempts, and left alone however long we wait.
        var parked = Assert.Single(await DeliveriesAsync(doomed, "PARKED"));
        Assert.Equal(3, Attempts(parked));
        Assert.Null(parked["nextAttemptAt"]);
        fixture.Clock.Advance(TimeSpan.FromDays(1));
        await DispatchAsync();
        Assert.Equal(3, Attempts(Assert.Single(await DeliveriesAsync(doomed, "PARKED"))));
        Assert.Empty(Journal.Seen(FaultyHandler.Name, doomed));

        // Both handlers still get new events, of other records at once; the doomed contact's wait behind its parked one.
        var later = await Host.CreateContactAsync(new { name = "Later" });
        await RenameAsync(doomed, "Doomed 4");
        await DispatchAsync();
        Assert.Equal([Created], Journal.Seen(FaultyHandler.Name, later));
        Assert.Equal([Created], Journal.Seen(RecordingHandler.Name, later));
        Assert.Equal([Created, Updated, Updated, Updated], Journal.Seen(RecordingHandler.Name, doomed));
        Assert.Equal(["PARKED", "WAITING", "WAITING", "WAITING"], (await DeliveriesAsync(doomed)).Select(State));
    }

    [Fact]
    public async Task Retrying_a_parked_delivery_redelivers_it_and_the_events_waiting_behind_it_in_order()
    {
        var first = await Host.CreateContactAsync(new { name = "First" });
        var second = await Host.CreateContactAsync(new { name = "Second" });
        await DispatchAsync(); // the creations go through
        Journal.FailFor(first);
        Journal.FailFor(second);
        await RenameAsync(first, "First 2");
        await Host.QueryAsync("mutation($id: ID!) { deleteContact(id: $id) { errors { code } } }", new { id = first });
        await RenameAsync(second, "Second 2");
        await DispatchAsync(); // the rest fails once
        for (var attempt = 2; attempt <= 3; attempt++)
        {
            fixture.Clock.Advance(TimeSpan.FromHours(1));
            await DispatchAsync();
        }

        var parked = Assert.Single(await DeliveriesAsync(first, "PARKED"));
        Assert.Equal(Updated, parked["event"]!["type"]!.GetValue<string>());
        Assert.Single(await DeliveriesAsync(second, "PARKED"));

        // A retry puts it back in line, due now, with fresh attempts: it and what waited behind it arrive, in order.
        Journal.Heal(first);
        var retried = (await Host.QueryAsync("mutation($ids: [ID!]) { retryEventDeliveries(ids: $ids) { count errors { code } } }",
            new { ids = new[] { parked["id"]!.GetValue<string>() } })).ShouldSucceed();
        Assert.Equal(1, retried.Data!["retryEventDeliveries"]!["count"]!.GetValue<int>());
        Assert.Equal("RETRYING", State(Assert.Single(await DeliveriesAsync(first), d => d["id"]!.GetValue<string>() == parked["id"]!.GetValue<string>())));
        await DispatchAsync();
        Assert.Equal([Created, Updated, Deleted], Journal.Seen(FaultyHandler.Name, first));
        Assert.Empty(await DeliveriesAsync(first));

        // Every parked delivery of a handler at once; still failing, it counts its attempts afresh.
        var all = (await Host.QueryAsync("mutation($handler: String) { retryEventDeliveries(handler: $handler) { count errors { code } } }",
            new { handler = FaultyHandler.Name })).ShouldSucceed();
        Assert.True(all.Data!["retryEventDeliveries"]!["count"]!.GetValue<int>() >= 1);
        await DispatchAsync();
        var again = Assert.Single(await DeliveriesAsync(second));
        Assert.Equal(("RETRYING", 1), (State(again), Attempts(again)));
        Journal.Heal(second);
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        await DispatchAsync();
        Assert.Equal([Created, Updated], Journal.Seen(FaultyHandler.Name, second));
        Assert.Empty(await DeliveriesAsync(second));

        // The healthy handler saw all of it once, at the first round.
        Assert.Equal([Created, Updated, Deleted], Journal.Seen(RecordingHandler.Name, first));
        Assert.Equal([Created, Updated], Journal.Seen(RecordingHandler.Name, second));
    }

    [Fact]
    public async Task A_handler_that_fails_once_still_sees_each_record_in_order_while_other_records_go_on()
    {
        var slow = await Host.CreateContactAsync(new { name = "Slow" });
        await DispatchAsync();
        Journal.FailFor(slow, times: 1);
        await RenameAsync(slow, "Slow 2"); // fails once: the two after it wait behind it
        var quick = await Host.CreateContactAsync(new { name = "Quick" });
        await RenameAsync(slow, "Slow 3");
        await RenameAsync(quick, "Quick 2");
        await Host.QueryAsync("mutation($id: ID!) { deleteContact(id: $id) { errors { code } } }", new { id = slow });
        await DispatchAsync();
        Assert.Equal([Created], Journal.Seen(FaultyHandler.Name, slow));
        Assert.Equal([Created, Updated], Journal.Seen(FaultyHandler.Name, quick));
        Assert.Equal(["RETRYING", "WAITING", "WAITING"], (await DeliveriesAsync(slow)).Select(State));

        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        await DispatchAsync();
        Assert.Equal([Created, Updated, Updated, Deleted], Journal.Seen(FaultyHandler.Name, slow));
        Assert.Empty(await DeliveriesAsync(slow));
        Assert.Equal([Created, Updated, Updated, Deleted], Journal.Seen(RecordingHandler.Name, slow));
    }

    [Fact]
    public async Task An_event_stored_before_contracts_is_delivered_as_its_contract()
    {
        var id = await Host.CreateContactAsync(new { name = "Old" });
        await DispatchAsync();
        var eventId = Guid.NewGuid();
        var occurredAt = fixture.Clock.GetUtcNow().UtcDateTime;
        // The shape events had before contracts: a kind, changes keyed by property names.
        var payload = new JsonObject
        {
            ["id"] = eventId,
            ["entityType"] = "contact",
            ["entityId"] = long.Parse(id, CultureInfo.InvariantCulture),
            ["kind"] = "updated",
            ["occurredAt"] = occurredAt,
            ["actorId"] = 1,
            ["changes"] = new JsonObject { ["name"] = new JsonObject { ["oldValue"] = "Older", ["newValue"] = "Old" } },
        }.ToJsonString();
        await Host.QueryRowsAsync(
            $"INSERT INTO {Host.Table("contacts", "outbox")} (event_id, entity_type, entity_id, kind, payload, occurred_at, attempts) VALUES (@p0, 'contact', @p1, 'updated', @p2, @p3, 0)",
            Host.Engine == Engine.Postgres ? eventId : eventId.ToString().ToUpperInvariant(), long.Parse(id, CultureInfo.InvariantCulture), payload, occurredAt);
        await DispatchAsync();

        Assert.Equal([Created, Updated], Journal.Seen(RecordingHandler.Name, id));
        Assert.Equal([Created, Updated], Journal.Seen(FaultyHandler.Name, id));
        Assert.Equal("name", Journal.ChangedFields[long.Parse(id, CultureInfo.InvariantCulture)]);
    }

    [Fact]
    public void Delivery_settings_ten_times_over_their_limit_are_refused_naming_each_key()
    {
        // The host's own validation (run at start, ValidateOnStart), as registered.
        var validations = Host.Services.GetServices<Microsoft.Extensions.Options.IValidateOptions<OutboxOptions>>().ToList();
        Assert.NotEmpty(validations);
        var failures = validations
            .Select(v => v.Validate(null, new OutboxOptions
            {
                BatchSize = 10 * OutboxOptions.MaxBatchSize,
                MaxAttempts = 10 * OutboxOptions.MaxMaxAttempts,
                WakeUpInterval = 10 * OutboxOptions.MaxWakeUpInterval,
            }))
            .SelectMany(r => r.Failures ?? [])
            .ToList();
        Assert.Contains("Events:BatchSize must be 1 to 1000.", failures);
        Assert.Contains("Events:MaxAttempts must be 1 to 100.", failures);
        Assert.Contains("Events:WakeUpInterval must be 0 to 00:00:01.", failures);
        Assert.Contains("Events:WakeUpInterval must be 0 to 00:00:01.",
            validations.SelectMany(v => v.Validate(null, new OutboxOptions { WakeUpInterval = TimeSpan.FromMilliseconds(-1) }).Failures ?? []));
        Assert.True(validations.All(v => v.Validate(null, new OutboxOptions()).Succeeded));
    }

    [Fact]
    public void A_claim_timeout_shorter_than_four_handler_timeouts_is_refused()
    {
        // A batch may outlive its claim otherwise, and another host would deliver its events a second time while it runs.
        var validations = Host.Services.GetServices<Microsoft.Extensions.Options.IValidateOptions<OutboxOptions>>().ToList();
        var tooShort = new OutboxOptions { HandlerTimeout = TimeSpan.FromMinutes(1), ClaimTimeout = TimeSpan.FromSeconds(239) };
        Assert.Contains(
            "Events:ClaimTimeout must be at least four times Events:HandlerTimeout.",
            validations.SelectMany(v => v.Validate(null, tooShort).Failures ?? []));
        var enough = new OutboxOptions { HandlerTimeout = TimeSpan.FromMinutes(1), ClaimTimeout = TimeSpan.FromMinutes(4) };
        Assert.True(validations.All(v => v.Validate(null, enough).Succeeded));
    }

    [Fact]
    public async Task Administering_deliveries_needs_the_settings_right_and_every_input_is_bounded()
    {
        var (_, _, key) = await Host.NewUserWithKeyAsync("deliveries");
        var list = await Host.QueryAsync("{ eventDeliveries(state: PARKED) { nodes { id } } }", apiKey: key);
        Assert.Equal(["FORBIDDEN"], list.ErrorCodes);
        var retry = (await Host.QueryAsync("mutation { retryEventDeliveries(handler: \"tests/faulty\") { count errors { code } } }", apiKey: key)).ShouldSucceed();
        Assert.Equal("FORBIDDEN", retry.Data!["retryEventDeliveries"]!["errors"]![0]!["code"]!.GetValue<string>());
        var discard = (await Host.QueryAsync("mutation { discardEventDeliveries(ids: [\"1\"]) { count errors { code } } }", apiKey: key)).ShouldSucceed();
        Assert.Equal("FORBIDDEN", discard.Data!["discardEventDeliveries"]!["errors"]![0]!["code"]!.GetValue<string>());

        // Ten times each limit: refused before any work.
        var page = await Host.QueryAsync("{ eventDeliveries(first: 2000) { nodes { id } } }");
        Assert.Equal(["LIMIT_EXCEEDED"], page.ErrorCodes);
        var longName = new string('h', 10 * EventDelivery.MaxHandlerLength);
        var named = await Host.QueryAsync("query($handler: String) { eventDeliveries(handler: $handler) { nodes { id } } }", new { handler = longName });
        Assert.Equal(["LIMIT_EXCEEDED"], named.ErrorCodes);
        var retryNamed = await Host.QueryAsync("mutation($handler: String) { retryEventDeliveries(handler: $handler) { count } }", new { handler = longName });
        Assert.Equal(["LIMIT_EXCEEDED"], retryNamed.ErrorCodes);
        var manyIds = Enumerable.Range(1, 2000).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var many = await Host.QueryAsync("mutation($ids: [ID!]!) { discardEventDeliveries(ids: $ids) { count } }", new { ids = manyIds });
        Assert.Equal(["LIMIT_EXCEEDED"], many.ErrorCodes);
        var cursor = await Host.QueryAsync("{ eventDeliveries(after: \"not a cursor\") { nodes { id } } }");
        Assert.Equal(["INVALID_CURSOR"], cursor.ErrorCodes);

        // Both or neither of ids and handler; an id that is not parked refuses the lot.
        var both = (await Host.QueryAsync("mutation { retryEventDeliveries(ids: [\"1\"], handler: \"tests/faulty\") { count errors { code } } }")).ShouldSucceed();
        Assert.Equal("VALIDATION", both.Data!["retryEventDeliveries"]!["errors"]![0]!["code"]!.GetValue<string>());
        var missing = (await Host.QueryAsync("mutation { retryEventDeliveries(ids: [\"999999999\"]) { count errors { code path } } }")).ShouldSucceed();
        Assert.Equal(0, missing.Data!["retryEventDeliveries"]!["count"]!.GetValue<int>());
        Assert.Equal("NOT_FOUND", missing.Data!["retryEventDeliveries"]!["errors"]![0]!["code"]!.GetValue<string>());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class EventHandlerIsolationOnSqlite(EventHandlerHostOnSqlite fixture) : EventHandlerIsolationTests(fixture), IClassFixture<EventHandlerHostOnSqlite>;

[Trait("Engine", "Postgres")]
public sealed class EventHandlerIsolationOnPostgres(EventHandlerHostOnPostgres fixture) : EventHandlerIsolationTests(fixture), IClassFixture<EventHandlerHostOnPostgres>;
