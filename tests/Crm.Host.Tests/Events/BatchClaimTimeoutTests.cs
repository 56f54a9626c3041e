using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Crm.Host.Events;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Host.Tests.Events;

/// <summary>When each call of the claim tests' batch handlers ended, by handler, on the host's clock.</summary>
public sealed class ClaimJournal
{
    private readonly ConcurrentQueue<(string Handler, int Events, DateTimeOffset EndedAt)> _calls = new();

    public void Called(string handler, int events, DateTimeOffset endedAt) => _calls.Enqueue((handler, events, endedAt));

    public IReadOnlyList<(string Handler, int Events, DateTimeOffset EndedAt)> Calls => _calls.ToList();
}

/// <summary>
/// A slow batch handler (9 s of a 10 s handler timeout per call, on the tests' clock) that refuses
/// a batch of more than one contact event and takes them alone.
/// </summary>
public abstract class SlowRefusingBatchHandler(ClaimJournal journal, TimeProvider clock, string name) : IEventBatchHandler<CrmEvent>
{
    public Task HandleAsync(IReadOnlyList<DomainEvent<CrmEvent>> events, CancellationToken cancellationToken)
    {
        var contacts = events.Count(e => e.EntityType == "contact");
        if (contacts == 0)
        {
            return Task.CompletedTask;
        }

        ((FakeTimeProvider)clock).Advance(TimeSpan.FromSeconds(9));
        journal.Called(name, contacts, clock.GetUtcNow());
        return contacts > 1 ? throw new InvalidOperationException("Only one at a time.") : Task.CompletedTask;
    }
}

public sealed class SlowBatchHandlerA(ClaimJournal journal, TimeProvider clock) : SlowRefusingBatchHandler(journal, clock, Name)
{
    public const string Name = "tests/claim-a";
}

public sealed class SlowBatchHandlerB(ClaimJournal journal, TimeProvider clock) : SlowRefusingBatchHandler(journal, clock, Name)
{
    public const string Name = "tests/claim-b";
}

/// <summary>Two slow batch handlers, a clock the tests move, a 10 s handler timeout and a claim of 40 s; delivers only when a test says so.</summary>
public abstract class BatchClaimHost(Engine engine) : HostFixture(engine)
{
    public static readonly TimeSpan ClaimTimeout = TimeSpan.FromSeconds(40);

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public ClaimJournal Journal { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Events:HandlerTimeout"] = "00:00:10",
        ["Events:ClaimTimeout"] = "00:00:40",
        ["Events:WakeUp"] = "false",
        ["Events:PollInterval"] = "01:00:00",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton(Journal);
        services.AddEventHandler<SlowBatchHandlerA>(SlowBatchHandlerA.Name);
        services.AddEventHandler<SlowBatchHandlerB>(SlowBatchHandlerB.Name);
    }
}

public sealed class BatchClaimHostOnSqlite() : BatchClaimHost(Engine.Sqlite);

public sealed class BatchClaimHostOnPostgres() : BatchClaimHost(Engine.Postgres);

/// <summary>
/// A batch's claim on its events (on SQLite, the hosts' turn) expires after <c>Events:ClaimTimeout</c>,
/// after which another host may deliver them too: no batch handler call, of the whole batch or of
/// one event after a failed batch, starts unless it ends (at most a handler timeout) before that.
/// What has no time left gets a delivery row with no attempt counted, for the retries.
/// </summary>
public abstract class BatchClaimTimeoutTests(BatchClaimHost fixture)
{
    private CrmHost Host => fixture.Host;

    private async Task<List<JsonNode>> DeliveriesAsync(string handler, IReadOnlyCollection<string> contacts)
    {
        var response = (await Host.QueryAsync(
            "query($handler: String) { eventDeliveries(handler: $handler, first: 200) { nodes { state attempts lastError event { entityType entityId } } } }",
            new { handler })).ShouldSucceed();
        return response.Data!["eventDeliveries"]!["nodes"]!.AsArray()
            .Where(n => n!["event"]!["entityType"]!.GetValue<string>() == "contact" && contacts.Contains(n["event"]!["entityId"]!.GetValue<string>()))
            .Select(n => n!)
            .ToList();
    }

    [Fact]
    public async Task No_batch_handler_call_starts_that_could_outlast_the_batchs_claim()
    {
        await Host.Services.GetRequiredService<OutboxDispatcher>().DispatchPendingAsync(CancellationToken.None); // whatever the start left
        var contacts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            contacts.Add(await Host.CreateContactAsync(new { name = $"Claimed {i}" }));
        }

        // The fan-out alone (the dispatcher's round would also run the retries, which hand the
        // rows it leaves over at once).
        var fanOut = Host.Services.GetRequiredService<OutboxFanOut>();
        var outbox = Host.Services.GetServices<ModuleDatabaseRegistration>().Single(d => d.Schema == "contacts");
        var callsBefore = fixture.Journal.Calls.Count;
        var claimedAt = fixture.Clock.GetUtcNow();
        Assert.Equal(3, await fanOut.RunAsync(outbox, CancellationToken.None));

        // A: the batch (9 s, refused), then alone the first two (18 s, 27 s); its handler timeout
        // was then up for the third. B: the batch (27 + 9 = 36 s, refused), and nothing alone: a
        // call started at 36 s could end at 46 s, after the claim (40 s).
        var calls = fixture.Journal.Calls.Skip(callsBefore).ToList();
        Assert.Equal(
            [(SlowBatchHandlerA.Name, 3), (SlowBatchHandlerA.Name, 1), (SlowBatchHandlerA.Name, 1), (SlowBatchHandlerB.Name, 3)],
            calls.Select(c => (c.Handler, c.Events)));
        Assert.All(calls, c => Assert.True(c.EndedAt - claimedAt <= BatchClaimHost.ClaimTimeout, $"{c.Handler} ended {c.EndedAt - claimedAt} after the claim"));

        var a = await DeliveriesAsync(SlowBatchHandlerA.Name, contacts);
        var untriedByA = Assert.Single(a);
        Assert.Equal(contacts[2], untriedByA["event"]!["entityId"]!.GetValue<string>());
        Assert.Contains("the batch's time ran out", untriedByA["lastError"]!.GetValue<string>(), StringComparison.Ordinal);

        // B and then the history (no time left for its batch at all): a row each, due, no attempt counted.
        foreach (var handler in new[] { SlowBatchHandlerB.Name, "timeline/history" })
        {
            var rows = await DeliveriesAsync(handler, contacts);
            Assert.Equal(3, rows.Count);
            Assert.All(rows, r =>
            {
                Assert.Equal("RETRYING", r["state"]!.GetValue<string>());
                Assert.Equal(0, r["attempts"]!.GetValue<int>());
                Assert.Contains("Events:ClaimTimeout", r["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
            });
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class BatchClaimTimeoutOnSqlite(BatchClaimHostOnSqlite fixture) : BatchClaimTimeoutTests(fixture), IClassFixture<BatchClaimHostOnSqlite>;

[Trait("Engine", "Postgres")]
public sealed class BatchClaimTimeoutOnPostgres(BatchClaimHostOnPostgres fixture) : BatchClaimTimeoutTests(fixture), IClassFixture<BatchClaimHostOnPostgres>;
