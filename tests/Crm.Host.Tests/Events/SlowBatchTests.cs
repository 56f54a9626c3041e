using System.Globalization;
using Crm.Host.Events;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Host.Tests.Events;

/// <summary>A host whose only extra handler takes 6 s (of a clock the tests own) over each contact event, with a 10 s handler timeout.</summary>
public abstract class SlowBatchHost(Engine engine) : HostFixture(engine)
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Events:HandlerTimeout"] = "00:00:10",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Clock);
        services.AddEventHandler<SlowHandler>(SlowHandler.Name);
    }
}

public sealed class SlowBatchHostOnSqlite() : SlowBatchHost(Engine.Sqlite);

public sealed class SlowBatchHostOnPostgres() : SlowBatchHost(Engine.Postgres);

/// <summary>Moves the host's clock 6 s on for every contact event it is given: a slow handler, within its timeout.</summary>
public sealed class SlowHandler(TimeProvider clock) : IEventHandler<CrmEvent>
{
    public const string Name = "tests/slow";

    public Task HandleAsync(DomainEvent<CrmEvent> domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.EntityType == "contact")
        {
            ((FakeTimeProvider)clock).Advance(TimeSpan.FromSeconds(6));
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// A batch stops taking events once its handlers have used a handler timeout's worth of time: it
/// holds a transaction (and on PostgreSQL the outbox's stream) while they run, and a batch of 500
/// slow events must not hold them for 500 timeouts. What it leaves waits for the next round.
/// </summary>
public abstract class SlowBatchTests(SlowBatchHost fixture)
{
    private CrmHost Host => fixture.Host;

    private OutboxDispatcher Dispatcher => Host.Services.GetRequiredService<OutboxDispatcher>();

    private async Task<long> WaitingAsync() =>
        Convert.ToInt64((await Host.QueryRowsAsync($"SELECT COUNT(*) AS n FROM {Host.Table("contacts", "outbox")} WHERE processed_at IS NULL"))[0]["n"], CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_batch_of_slow_events_stops_after_a_handler_timeout_and_the_next_round_goes_on()
    {
        await Dispatcher.DispatchPendingAsync(CancellationToken.None); // whatever the start left
        for (var i = 0; i < 4; i++)
        {
            await Host.CreateContactAsync(new { name = $"Slow {i}" });
        }

        // 0 s before the first, 6 s before the second, 12 s (over the 10 s timeout) before the third.
        Assert.Equal(2, await Dispatcher.DispatchPendingAsync(CancellationToken.None));
        Assert.Equal(2, await WaitingAsync());
        Assert.Equal(2, await Dispatcher.DispatchPendingAsync(CancellationToken.None));
        Assert.Equal(0, await WaitingAsync());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class SlowBatchOnSqlite(SlowBatchHostOnSqlite fixture) : SlowBatchTests(fixture), IClassFixture<SlowBatchHostOnSqlite>;

[Trait("Engine", "Postgres")]
public sealed class SlowBatchOnPostgres(SlowBatchHostOnPostgres fixture) : SlowBatchTests(fixture), IClassFixture<SlowBatchHostOnPostgres>;
