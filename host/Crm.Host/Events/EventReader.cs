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
        // A pooled document rather than a tree of nodes: the dispatcher reads every event once, and
        // the nodes (and re-writing "data" to deserialize it) were most of its CPU per event.
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload);
        }
        catch (JsonException ex)
        {
            logger.LogError("A stored event is not JSON ({Reason}); it is not delivered.", ex.Message);
            return null;
        }

        using (document)
        {
            var envelope = document.RootElement;
            if (envelope.ValueKind != JsonValueKind.Object)
            {
                logger.LogError("A stored event is not JSON ({Reason}); it is not delivered.", "not a JSON object");
                return null;
            }

            if (Optional(envelope, "type") is null || Optional(envelope, "version") is null)
            {
                return await legacy.UpgradeAsync((JsonObject)JsonNode.Parse(payload)!, services, cancellationToken);
            }

            var id = Optional(envelope, "id")?.GetRawText();
            try
            {
                var type = Required(envelope, "type").GetString()!;
                var version = Required(envelope, "version").GetInt32();
                if (catalog.ContractType(type, version) is not { } contract)
                {
                    logger.LogWarning("The event {Id} is a {Type} version {Version}, which no loaded module declares; it is not delivered.", id, type, version);
                    return null;
                }

                var data = (CrmEvent)(Required(envelope, "data").Deserialize(contract, EventJson.Options)
                    ?? throw new JsonException("its data is null"));
                var actorId = Optional(envelope, "actorId")?.GetInt64();
                return new StoredEvent(
                    Required(envelope, "id").GetGuid(),
                    type,
                    version,
                    Required(envelope, "occurredAt").GetDateTimeOffset(),
                    actorId,
                    Required(envelope, "entityType").GetString()!,
                    Required(envelope, "entityId").GetInt64(),
                    data,
                    payload)
                {
                    // Envelopes written before actorKind and via: the kind follows from the actor id.
                    Origin = new ChangeOrigin(
                        Optional(envelope, "actorKind")?.Deserialize<ActorKind>(EventJson.Options) ?? (actorId is null or 0 ? ActorKind.System : ActorKind.User),
                        Optional(envelope, "via")?.GetString()),
                };
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                logger.LogError("The event {Id} cannot be read ({Reason}); it is not delivered.", id, ex.Message);
                return null;
            }
        }
    }

    /// <summary>The property, or null when it is missing or JSON null.</summary>
    private static JsonElement? Optional(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static JsonElement Required(JsonElement json, string name) =>
        Optional(json, name) ?? throw new JsonException($"it has no '{name}'");

    internal static JsonNode Required(JsonObject json, string name) =>
        json[name] ?? throw new JsonException($"it has no '{name}'");
}
