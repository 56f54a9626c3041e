using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using System.Text.RegularExpressions;
using Crm.Host.Modules;
using Crm.PluginSdk.Events;

namespace Crm.Host.Events;

/// <summary>A published event read back from an outbox or a delivery: its envelope and its typed data.</summary>
/// <param name="Json">The envelope as handlers receive it (for an event written before contracts, as it was upgraded).</param>
public sealed record StoredEvent(
    Guid Id,
    string Type,
    int Version,
    DateTimeOffset OccurredAt,
    long? ActorId,
    string EntityType,
    long EntityId,
    CrmEvent Data,
    string Json)
{
    /// <summary>The envelope's <c>actorKind</c> and <c>via</c>; for events stored before them, told by the actor id alone.</summary>
    public ChangeOrigin Origin { get; init; } = new(ActorId is null or 0 ? ActorKind.System : ActorKind.User, null);
}

/// <summary>A handler class under its stable name, with the event types it takes.</summary>
public sealed class EventSubscription
{
    private readonly IReadOnlyList<(Type EventType, Func<object, IReadOnlyList<StoredEvent>, CancellationToken, Task> Invoke)> _accepts;

    internal EventSubscription(string name, Type handlerType, IReadOnlyList<Type> eventTypes, bool takesBatches)
    {
        Name = name;
        HandlerType = handlerType;
        TakesBatches = takesBatches;
        _accepts = eventTypes.Select(t => (t, Invoker(t, takesBatches))).ToList();
    }

    public string Name { get; }

    public Type HandlerType { get; }

    /// <summary>Whether the handler is an <see cref="IEventBatchHandler{TEvent}"/>: the fan-out hands it a batch's events in one call.</summary>
    public bool TakesBatches { get; }

    public IEnumerable<Type> EventTypes => _accepts.Select(a => a.EventType);

    public bool Accepts(Type dataType) => _accepts.Any(a => a.EventType.IsAssignableFrom(dataType));

    /// <summary>Calls the handler on one event (a batch handler gets a list of one).</summary>
    public Task InvokeAsync(object handler, StoredEvent storedEvent, CancellationToken cancellationToken) =>
        InvokeAsync(handler, [storedEvent], cancellationToken);

    /// <summary>
    /// Calls the handler on <paramref name="events"/>, in order, each as the closest event type it
    /// takes (a handler of two related types gets an event once): a batch handler once per run of
    /// events of one type, an ordinary handler once per event.
    /// </summary>
    public async Task InvokeAsync(object handler, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        var start = 0;
        while (start < events.Count)
        {
            var closest = Closest(events[start].Data.GetType());
            var end = start + 1;
            while (end < events.Count && Closest(events[end].Data.GetType()).EventType == closest.EventType)
            {
                end++;
            }

            var run = start == 0 && end == events.Count ? events : events.Skip(start).Take(end - start).ToList();
            await closest.Invoke(handler, run, cancellationToken);
            start = end;
        }
    }

    private (Type EventType, Func<object, IReadOnlyList<StoredEvent>, CancellationToken, Task> Invoke) Closest(Type type) =>
        _accepts.Where(a => a.EventType.IsAssignableFrom(type))
            .OrderByDescending(a => Depth(a.EventType))
            .First();

    private static int Depth(Type type)
    {
        var depth = 0;
        for (var current = type; current is not null; current = current.BaseType)
        {
            depth++;
        }

        return depth;
    }

    private static Func<object, IReadOnlyList<StoredEvent>, CancellationToken, Task> Invoker(Type eventType, bool takesBatches) =>
        typeof(EventSubscription).GetMethod(takesBatches ? nameof(InvokeBatch) : nameof(InvokeEach), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(eventType)
            .CreateDelegate<Func<object, IReadOnlyList<StoredEvent>, CancellationToken, Task>>();

    private static async Task InvokeEach<TEvent>(object handler, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
        where TEvent : CrmEvent
    {
        foreach (var e in events)
        {
            await ((IEventHandler<TEvent>)handler).HandleAsync(ToDomainEvent<TEvent>(e), cancellationToken);
        }
    }

    private static Task InvokeBatch<TEvent>(object handler, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
        where TEvent : CrmEvent =>
        ((IEventBatchHandler<TEvent>)handler).HandleAsync(events.Select(ToDomainEvent<TEvent>).ToList(), cancellationToken);

    private static DomainEvent<TEvent> ToDomainEvent<TEvent>(StoredEvent e)
        where TEvent : CrmEvent =>
        new(e.Id, e.Type, e.Version, e.OccurredAt, e.ActorId, e.EntityType, e.EntityId, (TEvent)e.Data) { Origin = e.Origin };
}

/// <summary>
/// The event contracts known to this host (the SDK's and those modules declare) and the handlers
/// subscribed to them. A handler that cannot be subscribed (a bad or taken name, no event type) is
/// left out with one log line; the rest work. A plugin loaded at run time adds its contracts and
/// handlers (<see cref="Add"/>): the catalog is an immutable snapshot swapped whole, so the fan-out
/// and the retries, which read it from other threads, never see a list being changed.
/// </summary>
public sealed partial class EventCatalog
{
    private readonly ILogger<EventCatalog> _logger;
    private readonly Lock _adding = new();
    private Snapshot _current;

    /// <summary>
    /// One version of the catalog, never changed once published. <c>Owners</c> is found once: the
    /// fan-out asks for every event whether a handler's module is still in service.
    /// </summary>
    private sealed record Snapshot(
        ImmutableDictionary<(string Type, int Version), Type> Contracts,
        ImmutableSortedDictionary<string, EventSubscription> ByName,
        ImmutableDictionary<EventSubscription, ModuleEntry?> Owners)
    {
        public ConcurrentDictionary<Type, IReadOnlyList<EventSubscription>> ByEventType { get; } = new();
    }

    public EventCatalog(IEnumerable<EventHandlerRegistration> registrations, ModuleCatalog modules, ILogger<EventCatalog> logger)
    {
        _logger = logger;
        var empty = new Snapshot(ImmutableDictionary<(string, int), Type>.Empty, ImmutableSortedDictionary.Create<string, EventSubscription>(StringComparer.Ordinal),
            ImmutableDictionary<EventSubscription, ModuleEntry?>.Empty);
        // A module disabled now is still known: its events are read when it comes back.
        _current = With(empty, new[] { typeof(CrmEvent).Assembly }.Concat(modules.All.Where(m => m.State is ModuleState.Loaded or ModuleState.Disabled).Select(m => m.Assembly!)),
            registrations, registration => modules.OwnerOf(registration.HandlerType.Assembly));
    }

    /// <summary>
    /// Adds the event contracts and handlers of <paramref name="module"/>, a plugin loaded at run time
    /// (its <paramref name="registrations"/>, from its own container), as a new snapshot. A handler is
    /// checked as at start (its name free and well formed, an event type it takes); one refused is left
    /// out with one log line. Returns the subscriptions added.
    /// </summary>
    public IReadOnlyList<EventSubscription> Add(ModuleEntry module, IEnumerable<EventHandlerRegistration> registrations)
    {
        lock (_adding)
        {
            var before = _current;
            var after = With(before, [module.Assembly!], registrations, _ => module);
            Volatile.Write(ref _current, after);
            return [.. after.ByName.Values.Where(s => !before.ByName.ContainsKey(s.Name))];
        }
    }

    private Snapshot With(Snapshot snapshot, IEnumerable<Assembly> assemblies, IEnumerable<EventHandlerRegistration> registrations, Func<EventHandlerRegistration, ModuleEntry?> owner)
    {
        var contracts = snapshot.Contracts.ToBuilder();
        var byName = snapshot.ByName.ToBuilder();
        var owners = snapshot.Owners.ToBuilder();
        foreach (var assembly in assemblies)
        {
            foreach (var type in ContractTypes(assembly))
            {
                var contract = type.GetCustomAttribute<EventContractAttribute>()!;
                if (!contracts.TryAdd((contract.Type, contract.Version), type))
                {
                    _logger.LogError("The event contract {Type} version {Version} of {Class} is declared by {Other} already; it is ignored.",
                        contract.Type, contract.Version, type.FullName, contracts[(contract.Type, contract.Version)].FullName);
                }
            }
        }

        foreach (var registration in registrations)
        {
            var eventTypes = EventTypesOf(registration.HandlerType, typeof(IEventHandler<>));
            var batchEventTypes = EventTypesOf(registration.HandlerType, typeof(IEventBatchHandler<>));
            var problem = !ValidName().IsMatch(registration.Name) ? $"its name '{Shorten(registration.Name)}' is not 1 to {MaxNameLength} letters, digits and . _ - : /"
                : byName.ContainsKey(registration.Name) ? $"another handler ({byName[registration.Name].HandlerType.FullName}) has the name '{registration.Name}'"
                : eventTypes.Count == 0 && batchEventTypes.Count == 0 ? $"it implements no {nameof(IEventHandler<CrmEvent>)}<TEvent> or {nameof(IEventBatchHandler<CrmEvent>)}<TEvent>"
                : eventTypes.Count > 0 && batchEventTypes.Count > 0 ? $"it implements both {nameof(IEventHandler<CrmEvent>)}<TEvent> and {nameof(IEventBatchHandler<CrmEvent>)}<TEvent> (one or the other)"
                : null;
            if (problem is not null)
            {
                _logger.LogError("The event handler {Class} receives no events: {Problem}.", registration.HandlerType.FullName, problem);
                continue;
            }

            var takesBatches = batchEventTypes.Count > 0;
            var subscription = new EventSubscription(registration.Name, registration.HandlerType, takesBatches ? batchEventTypes : eventTypes, takesBatches);
            byName[registration.Name] = subscription;
            owners[subscription] = owner(registration);
        }

        return new Snapshot(contracts.ToImmutable(), byName.ToImmutable(), owners.ToImmutable());
    }

    public const int MaxNameLength = 200;

    public IReadOnlyCollection<EventSubscription> Subscriptions => [.. Volatile.Read(ref _current).ByName.Values];

    public EventSubscription? Find(string handlerName) => Volatile.Read(ref _current).ByName.GetValueOrDefault(handlerName);

    /// <summary>
    /// The handlers that take events of <paramref name="dataType"/>, in name order: those of a
    /// module in service, and those of a disabled one (<see cref="IsHeld"/>: their events wait for
    /// it to come back). Those of a module refused or failed take none.
    /// </summary>
    public IReadOnlyList<EventSubscription> HandlersOf(Type dataType)
    {
        var current = Volatile.Read(ref _current);
        var handlers = current.ByEventType.GetOrAdd(dataType, t => current.ByName.Values.Where(s => s.Accepts(t)).ToList()); // in name order already
        return handlers.All(Receives) ? handlers : handlers.Where(Receives).ToList();
    }

    /// <summary>The module the handler belongs to; null for the platform's own.</summary>
    public ModuleEntry? OwnerOf(EventSubscription subscription) => Volatile.Read(ref _current).Owners.GetValueOrDefault(subscription);

    /// <summary>
    /// Whether the handler's module is disabled: its deliveries are kept (not tried, no attempt
    /// counted) and looked at again every <see cref="HeldRecheck"/>, or at once when it is enabled.
    /// </summary>
    public bool IsHeld(EventSubscription subscription) => OwnerOf(subscription) is { State: ModuleState.Disabled };

    /// <summary>How often a held delivery is looked at again (enabling the module releases its deliveries at once; this covers a host that enabled it before it saw the delivery).</summary>
    public static readonly TimeSpan HeldRecheck = TimeSpan.FromSeconds(10);

    /// <summary>The prefix of every handler name of a module (<c>deals/</c>).</summary>
    public static string HandlerPrefix(string moduleId) => moduleId + "/";

    private bool Receives(EventSubscription subscription) => OwnerOf(subscription) is not { } module || module.State is ModuleState.Loaded or ModuleState.Disabled;

    /// <summary>The class of a contract and version; null when no loaded module declares it.</summary>
    public Type? ContractType(string type, int version) => Volatile.Read(ref _current).Contracts.GetValueOrDefault((type, version));

    /// <summary>The event types of the handler's implementations of <paramref name="contract"/> (<see cref="IEventHandler{TEvent}"/> or <see cref="IEventBatchHandler{TEvent}"/>).</summary>
    internal static List<Type> EventTypesOf(Type handlerType, Type contract) =>
        handlerType.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == contract)
            .Select(i => i.GetGenericArguments()[0])
            .ToList();

    private static IEnumerable<Type> ContractTypes(Assembly assembly)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            types = ex.Types.OfType<Type>().ToArray();
        }

        return types.Where(t => t is { IsAbstract: false, IsClass: true } && typeof(CrmEvent).IsAssignableFrom(t) && t.GetCustomAttribute<EventContractAttribute>() is not null);
    }

    private static string Shorten(string name) => name.Length > 50 ? name[..50] + "…" : name;

    [GeneratedRegex(@"^[A-Za-z0-9._:/-]{1,200}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();
}
