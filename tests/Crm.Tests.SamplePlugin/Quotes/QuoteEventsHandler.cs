using Crm.PluginSdk.Events;
using Crm.PluginSdk.Modules;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>How many quotes <see cref="QuoteEventsHandler"/> saw created in this process (this copy of the plugin).</summary>
public sealed class QuoteEventsSeen : ISingletonService
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);
}

/// <summary>
/// A handler of the plugin's own events, which its own outbox holds: the tests see through it that a
/// plugin loaded at run time has its outbox delivered and its handlers called, with no restart.
/// </summary>
[EventHandler("quote-events")]
public sealed class QuoteEventsHandler(QuoteEventsSeen seen) : IEventHandler<RecordCreated>
{
    public Task HandleAsync(DomainEvent<RecordCreated> domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.Data.EntityType == QuoteEntity.Name)
        {
            seen.Add();
        }

        return Task.CompletedTask;
    }
}
