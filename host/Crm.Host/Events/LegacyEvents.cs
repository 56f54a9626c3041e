using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Lists;

namespace Crm.Host.Events;

/// <summary>
/// Events written before contracts existed (<c>{ id, entityType, entityId, kind, occurredAt,
/// actorId, changes, data }</c>, still in outboxes after an upgrade) are delivered as version 1
/// of their contract, the same id and time:
/// <list type="bullet">
/// <item><c>created</c>, <c>updated</c>, <c>deleted</c> become <see cref="RecordCreated"/>,
/// <see cref="RecordUpdated"/>, <see cref="RecordDeleted"/>; the changes are renamed to the fields'
/// GraphQL names and those of properties the type does not publish (a deal's stage semantics,
/// stored as a number) are dropped.</item>
/// <item>A deal's <c>stageChanged</c> becomes <see cref="DealStageChanged"/>: the pipeline is read
/// from the stage id (<c>C3:WON</c> is pipeline 3, an id without prefix pipeline 0), the semantics
/// (which the old event did not carry) is the stage's when the event is delivered.</item>
/// <item>A lead's <c>converted</c> becomes <see cref="LeadConverted"/>; a list item's
/// <c>semanticsChanged</c> becomes <see cref="ListItemSemanticsChanged"/> without <c>from</c>.</item>
/// </list>
/// Anything else is not delivered (said in the log).
/// </summary>
public sealed class LegacyEvents(IEntityRegistry registry, ILogger<LegacyEvents> logger)
{
    public async Task<StoredEvent?> UpgradeAsync(JsonObject old, IServiceProvider services, CancellationToken cancellationToken)
    {
        try
        {
            var id = EventReader.Required(old, "id").GetValue<Guid>();
            var entityType = EventReader.Required(old, "entityType").GetValue<string>();
            var entityId = EventReader.Required(old, "entityId").GetValue<long>();
            var kind = EventReader.Required(old, "kind").GetValue<string>();
            var occurredAt = EventReader.Required(old, "occurredAt").GetValue<DateTimeOffset>();
            var actorId = old["actorId"]?.GetValue<long>();
            var data = old["data"] as JsonObject;
            CrmEvent? upgraded = (kind, entityType) switch
            {
                ("created", _) => new RecordCreated(entityType, entityId),
                ("deleted", _) => new RecordDeleted(entityType, entityId),
                ("updated", _) => new RecordUpdated(entityType, entityId, Changes(entityType, old["changes"] as JsonObject)),
                ("stageChanged", "deal") => await StageChangedAsync(entityId, data, services, cancellationToken),
                ("converted", "lead") => new LeadConverted(entityId, Long(data, "contactId"), Long(data, "companyId"), Long(data, "dealId")),
                ("semanticsChanged", ListItemSemanticsChanged.SubjectType) => new ListItemSemanticsChanged(
                    Text(data, "entityId") ?? "", Text(data, "itemId") ?? "", null,
                    Enum.TryParse<ListItemSemantics>(Text(data, "semantics"), out var semantics) ? semantics : null),
                _ => null,
            };
            if (upgraded is null)
            {
                logger.LogWarning("The event {Id} ({Kind} of {EntityType}) was written before event contracts and has none; it is not delivered.", id, kind, entityType);
                return null;
            }

            var (type, version) = EventJson.ContractOf(upgraded.GetType());
            var subject = upgraded.GetSubject();
            return new StoredEvent(id, type, version, occurredAt, actorId, subject.EntityType, subject.EntityId, upgraded,
                EventJson.Envelope(id, upgraded, occurredAt, actorId, new ChangeOrigin(actorId is null or 0 ? ActorKind.System : ActorKind.User, null)));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            logger.LogError("An event written before event contracts cannot be read ({Reason}); it is not delivered.", ex.Message);
            return null;
        }
    }

    /// <summary>The old changes, keyed by the fields' GraphQL names, without those of unpublished properties.</summary>
    private SortedDictionary<string, FieldChange> Changes(string entityType, JsonObject? changes)
    {
        var result = new SortedDictionary<string, FieldChange>(StringComparer.Ordinal);
        var type = registry.Find(entityType);
        var published = type?.Fields.Values.Where(f => f.Custom is null)
            .GroupBy(f => Camel(f.Property.Name))
            .ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);
        var properties = type?.RecordType.GetProperties().Select(p => Camel(p.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, change) in changes ?? [])
        {
            var key = published?.GetValueOrDefault(name)
                // A property the type does not publish was internal; anything else (custom fields, link lists) kept its public name.
                ?? (properties?.Contains(name) == true ? null : name);
            if (key is not null)
            {
                result[key] = new FieldChange(change?["oldValue"]?.DeepClone(), change?["newValue"]?.DeepClone());
            }
        }

        return result;
    }

    private static async Task<DealStageChanged> StageChangedAsync(long dealId, JsonObject? data, IServiceProvider services, CancellationToken cancellationToken)
    {
        var from = Text(data, "oldStageId") ?? "";
        var to = Text(data, "newStageId") ?? "";
        // Bitrix24's stage ids: "C3:WON" is a stage of pipeline 3, the default pipeline's have no prefix.
        var colon = to.IndexOf(':', StringComparison.Ordinal);
        var pipeline = to.StartsWith('C') && colon > 1 && long.TryParse(to.AsSpan(1, colon - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var list = pipeline == 0 ? "DEAL_STAGE" : $"DEAL_STAGE_{pipeline.ToString(CultureInfo.InvariantCulture)}";
        ListItemSemantics? semantics = null;
        if (services.GetService<ISelectionLists>() is { } lists)
        {
            semantics = (await lists.GetItemsAsync(list, cancellationToken)).FirstOrDefault(i => i.Id == to)?.Semantics;
        }

        // A stage removed since: Bitrix24's final stages end in WON and LOSE.
        semantics ??= to.EndsWith("WON", StringComparison.Ordinal) ? ListItemSemantics.Success
            : to.EndsWith("LOSE", StringComparison.Ordinal) ? ListItemSemantics.Failure
            : ListItemSemantics.Process;
        return new DealStageChanged(dealId, pipeline, from, to, semantics.Value);
    }

    private static string Camel(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);

    private static string? Text(JsonObject? data, string name) => data?[name]?.GetValue<string>();

    private static long? Long(JsonObject? data, string name) => data?[name]?.GetValue<long>();
}
