using Crm.PluginSdk.Events;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Hosting;

namespace Crm.Tests.SamplePlugin.Faults;

/// <summary>How many contact events <see cref="ContactEventsHandler"/> handled in this process.</summary>
public sealed class ContactEventsSeen : ISingletonService
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);
}

/// <summary>A handler of another module's events, as a partner's plugin would have.</summary>
[EventHandler("contact-events")]
public sealed class ContactEventsHandler : IEventHandler<RecordCreated>
{
    private readonly ContactEventsSeen _seen;

    public ContactEventsHandler(ContactEventsSeen seen)
    {
        FaultSettings.ThrowIfAsked(EntryPoint.EventHandlerConstructor);
        _seen = seen;
    }

    public Task HandleAsync(DomainEvent<RecordCreated> domainEvent, CancellationToken cancellationToken)
    {
        if (domainEvent.Data.EntityType == "contact")
        {
            _seen.Add();
        }

        return Task.CompletedTask;
    }
}

/// <summary>A background service of the plugin's own: it waits for the host to stop (or throws, when a test asks).</summary>
public sealed class FaultProbeBackgroundService : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        FaultSettings.ThrowIfAsked(EntryPoint.BackgroundServiceStart);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        FaultSettings.ThrowIfAsked(EntryPoint.BackgroundServiceRun);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // the host stops
        }
    }
}
