namespace Crm.Modules.Activities.Domain;

/// <summary>
/// A phone number or e-mail address an activity used (the number called, the address written
/// to), and the record it belongs to when known: Bitrix24's COMMUNICATIONS (TYPE, VALUE,
/// ENTITY_TYPE_ID, ENTITY_ID). The value stays when its record is deleted; the record is cleared.
/// </summary>
public sealed class ActivityCommunication
{
    public long ActivityId { get; set; }

    /// <summary>Its place in the activity's list, from 0.</summary>
    public int Position { get; set; }

    /// <summary>PHONE or EMAIL (<see cref="CommunicationTypes"/>).</summary>
    public string Type { get; set; } = "";

    /// <summary>The number or address, trimmed as contact points are.</summary>
    public string Value { get; set; } = "";

    /// <summary>The type of the record the value belongs to (a contact, a company, a lead ...), or null.</summary>
    public string? EntityType { get; set; }

    public long? EntityId { get; set; }

    /// <summary>What the activity's history shows of it, and what two lists are compared by.</summary>
    public CommunicationValue ToValue() => new(Type, Value, EntityType, EntityId);
}

/// <summary>One communication as the history keeps it.</summary>
public sealed record CommunicationValue(string Type, string Value, string? EntityType, long? EntityId);

/// <summary>The kinds of communication, and the contact points each stands for on a record.</summary>
public static class CommunicationTypes
{
    public const string Phone = "PHONE";
    public const string Email = "EMAIL";

    public static readonly string[] All = [Phone, Email];

    public static Crm.PluginSdk.Entities.ContactPointKind? KindOf(string type) => type switch
    {
        Phone => Crm.PluginSdk.Entities.ContactPointKind.Phone,
        Email => Crm.PluginSdk.Entities.ContactPointKind.Email,
        _ => null,
    };
}
