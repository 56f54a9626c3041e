using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Events;

namespace Crm.Host.Events;

/// <summary>
/// Reads stored events back into their contracts: envelopes (<c>{ id, type, version, ..., data }</c>)
/// by the contract they name, and events written before contracts existed through
/// <see cref="LegacyEvents"/>, which upgrades them to version 1 of theirs.
/// </summary>
public sealed class EventReader(EventCatalog catalog, LegacyEvents legacy, ILogger<EventReader> logger)
{
    /// <summary>The event, or null (said in the log) when it cannot be read: no loaded module declares its contract, or it is not an event.</summary>
    public async Task<StoredEvent?> ReadAsync(string payload, IServiceProvider services, CancellationToken cancellationToken)
    {
        JsonObject envelope;
        try
        {
            envelope = JsonNode.Parse(payload) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException ex)
        {
            logger.LogError("A stored event is not JSON ({Reason}); it is not delivered.", ex.Message);
            return null;
        }

        if (envelope["type"] is null || envelope["version"] is null)
        {
            return await legacy.UpgradeAsync(envelope, services, cancellationToken);
        }

        try
        {
            var type = Required(envelope, "type").GetValue<string>();
            var version = Required(envelope, "version").GetValue<int>();
            if (catalog.ContractType(type, version) is not { } contract)
            {
                logger.LogWarning("The event {Id} is a {Type} version {Version}, which no loaded module declares; it is not delivered.", envelope["id"], type, version);
                return null;
            }

            var data = (CrmEvent)(Required(envelope, "data").Deserialize(contract, EventJson.Options)
                ?? throw new JsonException("its data is null"));
            return new StoredEvent(
                Required(envelope, "id").GetValue<Guid>(),
                type,
                version,
                Required(envelope, "occurredAt").GetValue<DateTimeOffset>(),
                envelope["actorId"]?.GetValue<long>(),
                Required(envelope, "entityType").GetValue<string>(),
                Required(envelope, "entityId").GetValue<long>(),
                data,
                payload);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            logger.LogError("The event {Id} cannot be read ({Reason}); it is not delivered.", envelope["id"], ex.Message);
            return null;
        }
    }

    internal static JsonNode Required(JsonObject json, string name) =>
        json[name] ?? throw new JsonException($"it has no '{name}'");
}
