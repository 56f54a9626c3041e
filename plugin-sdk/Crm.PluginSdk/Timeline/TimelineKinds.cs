using System.Text.Json.Nodes;
using Crm.PluginSdk.Events;

namespace Crm.PluginSdk.Timeline;

/// <summary>The type of a typed field of a declared timeline entry, as its GraphQL field shows it.</summary>
public enum TimelineFieldType
{
    String,

    /// <summary>A record or user id: stored as a JSON number or string, shown as <c>ID</c>.</summary>
    Id,

    Int,

    Float,

    Boolean,

    /// <summary>An ISO 8601 instant, stored as a JSON string.</summary>
    DateTime,

    /// <summary>Any JSON value, shown as its JSON text (<c>String</c>), as field changes are.</summary>
    Json,
}

/// <summary>One typed field of a declared kind, read from the entry's data by its <paramref name="Name"/>.</summary>
/// <param name="Name">camelCase, 1 to 64 letters and digits; not one of the fields every entry has (id, kind, occurredAt, actor, entityType, entityId).</param>
/// <param name="Type">How the value is stored in the data and shown.</param>
/// <param name="Nullable">Whether the field may be null (a non-null field missing from an entry's data reads as null, so declare a field non-null only when every entry has it).</param>
/// <param name="Description">What the field says, for the schema.</param>
public sealed record TimelineDataField(string Name, TimelineFieldType Type, bool Nullable, string Description);

/// <summary>
/// A kind of timeline entry a module or plugin writes (an activity created, an e-mail sent, an
/// automation run): the timeline serves it as a GraphQL object type of its own implementing
/// <c>TimelineEntry</c>, whose fields are read from the entry's data. Checked when the host loads
/// the module (see <see cref="ITimelineKinds"/>); a module whose kinds break a rule is refused.
/// </summary>
/// <param name="ModuleId">The declaring module's id: the kind is that module's, and the host refuses a declaration that names another.</param>
/// <param name="Kind">camelCase, 1 to 64 letters and digits, unique among all modules and not one of the platform's own kinds (created, fieldsChanged, stageChanged, converted, deleted, comment...).</param>
/// <param name="GraphTypeName">The object type's name: PascalCase letters and digits ending in <c>Entry</c>, at most 100, not starting with <c>Timeline</c> (the platform's own), unique.</param>
/// <param name="Description">What the entry tells, for the schema.</param>
/// <param name="Fields">Its typed data fields, at most <see cref="TimelineKindRules.MaxFields"/>.</param>
public sealed record TimelineKindDeclaration(string ModuleId, string Kind, string GraphTypeName, string Description, IReadOnlyList<TimelineDataField> Fields);

/// <summary>
/// An entry a projection makes from an event: on record <paramref name="EntityId"/> of type
/// <paramref name="EntityType"/> (its registry name, "deal", "quote"), of a kind its module
/// declared, with the data its fields are read from. When, who and through what are the event's.
/// </summary>
public sealed record TimelineEntryDraft(string EntityType, long EntityId, string Kind, JsonObject Data);

/// <summary>
/// A module's or plugin's timeline entries: the kinds it declares and how its entries are made
/// from published events, with no reference to the Timeline module. A module's class implementing
/// it (public, with a public constructor without parameters) is found by convention, as
/// <see cref="Activities.IActivityTypeDeclarations"/> is. The timeline's history handler asks every
/// projection for every event after it committed, and writes what they return once per
/// (event, record, kind): a redelivered event writes nothing.
/// </summary>
public interface ITimelineKinds
{
    /// <summary>The kinds the module declares; read once, when the host loads it.</summary>
    IEnumerable<TimelineKindDeclaration> Kinds { get; }

    /// <summary>
    /// The entries to write for <paramref name="domainEvent"/> (none for an event that concerns
    /// the module not). Runs on the outbox's hot path for every event: pure and cheap, reading
    /// nothing but the event (no database, no services). Entries of kinds the module did not
    /// declare are dropped, and so are all of an event's entries when it throws (logged).
    /// </summary>
    IEnumerable<TimelineEntryDraft> Project(DomainEvent<CrmEvent> domainEvent);
}
