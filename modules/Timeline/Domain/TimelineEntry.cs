using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Events;

namespace Crm.Modules.Timeline.Domain;

/// <summary>
/// One thing that happened to one record, as its timeline shows it: written once per (event,
/// record, kind) from the published events. <see cref="Id"/> only grows, so a reader that kept the
/// last id it saw (a subscription resuming) reads what came after with <c>id &gt; last</c>.
/// </summary>
public sealed class TimelineEntry
{
    public long Id { get; set; }

    /// <summary>The event it was written from: with <see cref="EntityType"/>, <see cref="EntityId"/> and <see cref="Kind"/>, unique, so a redelivered event writes nothing.</summary>
    public Guid EventId { get; set; }

    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }

    /// <summary>See <see cref="TimelineKinds"/>.</summary>
    public string Kind { get; set; } = "";

    public DateTime OccurredAt { get; set; }

    /// <summary>The user whose change it was (0 or null: the platform's own).</summary>
    public long? ActorId { get; set; }

    /// <summary>The event's actor kind, by its GraphQL name (<c>USER</c>, <c>API_KEY</c>, ...).</summary>
    public string ActorKind { get; set; } = "";

    /// <summary>The channel the change came through (<c>graphql</c>, <c>import</c>, ...).</summary>
    public string? Via { get; set; }

    /// <summary>What the kind needs, as JSON: the changed fields with old and new values, the stages, the records a lead became.</summary>
    public string Data { get; set; } = "{}";

    /// <summary>The longest channel kept (as the column): a longer one is cut.</summary>
    public const int MaxViaLength = 64;

    /// <summary>
    /// An entry of one change, whoever writes it (the history from an event, a module's declared
    /// kind, a comment): the actor's kind by its GraphQL name and the channel cut to the column.
    /// </summary>
    public static TimelineEntry Of(Guid eventId, DateTime occurredAt, long? actorId, ChangeOrigin origin, string entityType, long entityId, string kind, JsonObject data) => new()
    {
        EventId = eventId,
        EntityType = entityType,
        EntityId = entityId,
        Kind = kind,
        OccurredAt = occurredAt,
        ActorId = actorId,
        ActorKind = JsonNamingPolicy.SnakeCaseUpper.ConvertName(origin.Kind.ToString()),
        Via = origin.Via is { Length: > MaxViaLength } via ? via[..MaxViaLength] : origin.Via,
        Data = data.ToJsonString(DataJson),
    };

    /// <summary>An entry written from a published event, at its time, by its actor.</summary>
    public static TimelineEntry Of(DomainEvent<CrmEvent> e, string entityType, long entityId, string kind, JsonObject data) =>
        Of(e.Id, e.OccurredAt.UtcDateTime, e.ActorId, e.Origin, entityType, entityId, kind, data);

    private static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web);
}

/// <summary>The kinds of entries the platform writes.</summary>
public static class TimelineKinds
{
    public const string Created = "created";

    public const string FieldsChanged = "fieldsChanged";

    public const string StageChanged = "stageChanged";

    public const string Converted = "converted";

    public const string Deleted = "deleted";

    /// <summary>A user's comment (written with the comment, shown as it is now, removed with it).</summary>
    public const string Comment = "comment";
}
