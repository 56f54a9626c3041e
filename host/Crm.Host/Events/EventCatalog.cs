using System.Collections.Concurrent;
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
    private readonly IReadOnlyList<(Type EventType, Func<object, StoredEvent, CancellationToken, Task> Invoke)> _accepts;

    internal EventSubscription(string name, Type handlerType, IReadOnlyList<Type> eventTypes)
    {
        Name = name;
        HandlerType = handlerType;
        _accepts = eventTypes.Select(t => (t, Invoker(t))).ToList();
    }

    public string Name { get; }

    public Type HandlerType { get; }

    public IEnumerable<Type> EventTypes => _accepts.Select(a => a.EventType);

    public bool Accepts(Type dataType) => _accepts.Any(a => a.EventType.IsAssignableFrom(dataType));

    /// <summary>Calls the handler's <see cref="IEventHandler{TEvent}"/> of the closest event type (a handler of two related types gets the event once).</summary>
    public Task InvokeAsync(object handler, StoredEvent storedEvent, CancellationToken cancellationToken)
    {
        var type = storedEvent.Data.GetType();
        var closest = _accepts.Where(a => a.EventType.IsAssignableFrom(type))
            .OrderByDescending(a => Depth(a.EventType))
            .First();
        return closest.Invoke(handler, storedEvent, cancellationToken);
    }

    private static int Depth(Type type)
    {
        var depth = 0;
        for (var current = type; current is not null; current = current.BaseType)
        {
            depth++;
        }

        return depth;
    }

    private static Func<object, StoredEvent, CancellationToken, Task> Invoker(Type eventType) =>
        typeof(EventSubscription).GetMethod(nameof(Invoke), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(eventType)
            .CreateDelegate<Func<object, StoredEvent, CancellationToken, Task>>();

    private static Task Invoke<TEvent>(object handler, StoredEvent e, CancellationToken cancellationToken)
        where TEvent : CrmEvent =>
        ((IEventHandler<TEvent>)handler).HandleAsync(
            new DomainEvent<TEvent>(e.Id, e.Type, e.Version, e.OccurredAt, e.ActorId, e.EntityType, e.EntityId, (TEvent)e.Data) { Origin = e.Origin },
            cancellationToken);
}

/// <summary>
/// The event contracts known to this host (the SDK's and those modules declare) and the handlers
/// subscribed to them. A handler that cannot be subscribed (a bad or taken name, no event type) is
/// left out with one log line; the rest work.
/// </summary>
public sealed partial class EventCatalog
{
    private readonly Dictionary<(string Type, int Version), Type> _contracts = [];
    private readonly Dictionary<string, EventSubscription> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, IReadOnlyList<EventSubscription>> _byEventType = new();
    private readonly ModuleCatalog _modules;

    // Found once: the fan-out asks for every event whether a handler's module is still in service.
    private readonly Dictionary<EventSubscription, ModuleEntry?> _owners = [];

    public EventCatalog(IEnumerable<EventHandlerRegistration> registrations, ModuleCatalog modules, ILogger<EventCatalog> logger)
    {
        _modules = modules;
        foreach (var assembly in new[] { typeof(CrmEvent).Assembly }.Concat(modules.Loaded.Select(m => m.Assembly!)))
        {
            foreach (var type in ContractTypes(assembly))
            {
                var contract = type.GetCustomAttribute<EventContractAttribute>()!;
                if (!_contracts.TryAdd((contract.Type, contract.Version), type))
                {
                    logger.LogError("The event contract {Type} version {Version} of {Class} is declared by {Other} already; it is ignored.",
                        contract.Type, contract.Version, type.FullName, _contracts[(contract.Type, contract.Version)].FullName);
                }
            }
        }

        foreach (var registration in registrations)
        {
            var eventTypes = registration.HandlerType.GetInterfaces()
                .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEventHandler<>))
                .Select(i => i.GetGenericArguments()[0])
                .ToList();
            var problem = !ValidName().IsMatch(registration.Name) ? $"its name '{Shorten(registration.Name)}' is not 1 to {MaxNameLength} letters, digits and . _ - : /"
                : _byName.ContainsKey(registration.Name) ? $"another handler ({_byName[registration.Name].HandlerType.FullName}) has the name '{registration.Name}'"
                : eventTypes.Count == 0 ? $"it implements no {nameof(IEventHandler<CrmEvent>)}<TEvent>"
                : null;
            if (problem is not null)
            {
                logger.LogError("The event handler {Class} receives no events: {Problem}.", registration.HandlerType.FullName, problem);
                continue;
            }

            var subscription = new EventSubscription(registration.Name, registration.HandlerType, eventTypes);
            _byName[registration.Name] = subscription;
            _owners[subscription] = modules.OwnerOf(registration.HandlerType.Assembly);
        }
    }

    public const int MaxNameLength = 200;

    public IReadOnlyCollection<EventSubscription> Subscriptions => _byName.Values;

    public EventSubscription? Find(string handlerName) => _byName.GetValueOrDefault(handlerName);

    /// <summary>The handlers that take events of <paramref name="dataType"/>, in name order; those of a module out of service (it failed) take none.</summary>
    public IReadOnlyList<EventSubscription> HandlersOf(Type dataType)
    {
        var handlers = _byEventType.GetOrAdd(dataType, t => _byName.Values.Where(s => s.Accepts(t)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList());
        return handlers.All(InService) ? handlers : handlers.Where(InService).ToList();
    }

    /// <summary>The module the handler belongs to; null for the platform's own.</summary>
    public ModuleEntry? OwnerOf(EventSubscription subscription) => _owners.GetValueOrDefault(subscription);

    private bool InService(EventSubscription subscription) => OwnerOf(subscription) is not { } module || _modules.InService(module);

    /// <summary>The class of a contract and version; null when no loaded module declares it.</summary>
    public Type? ContractType(string type, int version) => _contracts.GetValueOrDefault((type, version));

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
