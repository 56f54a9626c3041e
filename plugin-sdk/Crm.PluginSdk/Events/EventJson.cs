using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Crm.PluginSdk.Events;

/// <summary>
/// The JSON of published events: camelCase names, enums by their GraphQL names
/// (<c>SUCCESS</c>, <c>FAILURE</c>), as the API shows them.
/// </summary>
internal static class EventJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false) },
    };

    private static readonly ConcurrentDictionary<Type, (string Type, int Version)> Contracts = new();

    /// <summary>The contract name and version an event type declares (see <see cref="EventContractAttribute"/>).</summary>
    public static (string Type, int Version) ContractOf(Type eventType) =>
        Contracts.GetOrAdd(eventType, static t => t.GetCustomAttribute<EventContractAttribute>() is { } contract
            ? (contract.Type, contract.Version)
            : throw new InvalidOperationException($"{t.FullName} is published as an event but has no [EventContract(name, version)]."));

    /// <summary>
    /// The stored and delivered form of an event: <c>{ id, type, version, occurredAt, actorId,
    /// actorKind, via, entityType, entityId, data }</c>, <c>data</c> being the contract's own JSON.
    /// </summary>
    public static string Envelope(Guid id, CrmEvent data, DateTimeOffset occurredAt, long? actorId, ChangeOrigin origin)
    {
        var (type, version) = ContractOf(data.GetType());
        var subject = data.GetSubject();
        var envelope = new JsonObject
        {
            ["id"] = id,
            ["type"] = type,
            ["version"] = version,
            ["occurredAt"] = occurredAt,
            ["actorId"] = actorId,
            ["actorKind"] = JsonSerializer.SerializeToNode(origin.Kind, Options),
            ["via"] = origin.Via,
            ["entityType"] = subject.EntityType,
            ["entityId"] = subject.EntityId,
            ["data"] = JsonSerializer.SerializeToNode(data, data.GetType(), Options),
        };
        return envelope.ToJsonString(Options);
    }
}
