using Crm.PluginSdk.Entities.Bindings;
using Crm.PluginSdk.Records;

namespace Crm.Modules.Activities.Domain;

/// <summary>A call, e-mail, meeting, to-do or a provider's own kind of activity; Bitrix24's crm.activity.</summary>
[CrmRecord(ActivityEntity.Name)]
public sealed class Activity : AuditedRecord, ISearchableRecord
{
    IEnumerable<string?> ISearchableRecord.SearchTexts => [Subject, DescriptionText];

    IEnumerable<string> ISearchableRecord.SearchHandles => [];

    IEnumerable<string> ISearchableRecord.SearchPhones => [];

    /// <summary>CALL, EMAIL, MEETING, TODO or a type a provider declared.</summary>
    public string TypeId { get; set; } = "";

    /// <summary>Who declared the type: "crm" for the built-in ones, else the module's id.</summary>
    public string ProviderId { get; set; } = "";

    public string Subject { get; set; } = "";

    /// <summary>Plain text, or HTML (sanitised) when <see cref="DescriptionType"/> is HTML.</summary>
    public string? Description { get; set; }

    /// <summary>PLAIN or HTML.</summary>
    public string DescriptionType { get; set; } = ActivityValues.Plain;

    /// <summary>INCOMING, OUTGOING or NONE.</summary>
    public string Direction { get; set; } = ActivityValues.NoDirection;

    public DateTime? StartTime { get; set; }

    public DateTime? EndTime { get; set; }

    public DateTime? Deadline { get; set; }

    public bool Completed { get; set; }

    public DateTime? CompletedAt { get; set; }

    /// <summary>LOW, MEDIUM or HIGH, as Bitrix24's.</summary>
    public string Priority { get; set; } = ActivityValues.Medium;

    public long? ResponsibleId { get; set; }

    public List<ActivityBinding> Bindings { get; set; } = [];

    /// <summary>The phone numbers and e-mail addresses used, in order (see <see cref="ActivityCommunication"/>).</summary>
    public List<ActivityCommunication> Communications { get; set; } = [];

    /// <summary>What search reads of the description: its text, without markup.</summary>
    private string? DescriptionText => DescriptionType == ActivityValues.Html && Description is { } html ? HtmlText.Of(html) : Description;
}

/// <summary>One record an activity concerns: a deal, a contact, a plugin's quote ...</summary>
public sealed class ActivityBinding : IRecordBinding
{
    public long RecordId { get; set; }

    public string EntityType { get; set; } = "";

    public long EntityId { get; set; }
}

public static class ActivityValues
{
    public const string Plain = "PLAIN";
    public const string Html = "HTML";
    public const string NoDirection = "NONE";
    public const string Medium = "MEDIUM";
    public const string PlatformProvider = "crm";

    public static readonly string[] DescriptionTypes = [Plain, Html];
    public static readonly string[] Directions = ["INCOMING", "OUTGOING", NoDirection];
    public static readonly string[] Priorities = ["LOW", Medium, "HIGH"];
    public static readonly string[] BuiltInTypes = ["CALL", "EMAIL", "MEETING", "TODO"];
}
