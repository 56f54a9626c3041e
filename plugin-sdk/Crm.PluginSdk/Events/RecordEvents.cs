namespace Crm.PluginSdk.Events;

/// <summary>
/// A record of a registered type (a contact, a deal, a plugin's quote) was created. Written by the
/// SDK for every record type, in the transaction that created it.
/// </summary>
/// <param name="EntityType">The type's registry name, e.g. <c>contact</c>.</param>
/// <param name="RecordId">The new record's id.</param>
[EventContract(TypeName, 1)]
public sealed record RecordCreated(string EntityType, long RecordId) : CrmEvent
{
    public const string TypeName = "record.created";

    public override EventSubject GetSubject() => new(EntityType, RecordId);
}

/// <summary>
/// A record of a registered type was changed: each field that changed, keyed by its public
/// GraphQL name (custom fields by theirs, e.g. <c>ufCrmBudget</c>; link lists by their input
/// name, e.g. <c>companyIds</c>), with its old and new value as JSON. Fields a module keeps for
/// itself (not in the API) are never included; a change of only such fields writes no event.
/// </summary>
[EventContract(TypeName, 1)]
public sealed record RecordUpdated(string EntityType, long RecordId, IReadOnlyDictionary<string, FieldChange> Changes) : CrmEvent
{
    public const string TypeName = "record.updated";

    public override EventSubject GetSubject() => new(EntityType, RecordId);
}

/// <summary>A record of a registered type was deleted (after every reference to it was cleared, each with its own <see cref="RecordUpdated"/>).</summary>
[EventContract(TypeName, 1)]
public sealed record RecordDeleted(string EntityType, long RecordId) : CrmEvent
{
    public const string TypeName = "record.deleted";

    public override EventSubject GetSubject() => new(EntityType, RecordId);
}
