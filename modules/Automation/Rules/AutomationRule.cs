namespace Crm.Modules.Automation.Rules;

/// <summary>
/// A rule: its record type and its versions. The row is what concurrent edits of one rule lock
/// (<see cref="RuleStore"/>), so that a rule has at most one draft and one active version whatever
/// twenty admins do at once.
/// </summary>
public sealed class AutomationRule
{
    public long Id { get; set; }

    /// <summary>The registry name of the records it acts on (<c>deal</c>).</summary>
    public string EntityType { get; set; } = "";

    /// <summary>The highest version number given so far (versions are never renumbered).</summary>
    public int LatestVersion { get; set; }

    /// <summary>The version that runs; null while none does (never activated, or deactivated).</summary>
    public int? ActiveVersion { get; set; }

    public DateTime CreatedAt { get; set; }

    public long? CreatedById { get; set; }

    public DateTime UpdatedAt { get; set; }

    public List<AutomationRuleVersion> Versions { get; set; } = [];
}

/// <summary>Where a version is in its life: edited (draft), running (active), or kept for the runs that pinned it (archived).</summary>
public enum RuleState
{
    Draft,
    Active,
    Archived,
}

/// <summary>
/// One version of a rule, immutable once it leaves the draft state: a run pins the version it
/// started with, so what it does never changes under it.
/// </summary>
public sealed class AutomationRuleVersion
{
    public long Id { get; set; }

    public long RuleId { get; set; }

    public int Version { get; set; }

    public RuleState State { get; set; }

    public string Name { get; set; } = "";

    public string? Description { get; set; }

    /// <summary>The trigger, condition and actions as validated (<see cref="RuleDefinition"/>), as JSON.</summary>
    public string Definition { get; set; } = "{}";

    /// <summary>The user whose rights the runs have.</summary>
    public long RunAsUserId { get; set; }

    public DateTime CreatedAt { get; set; }

    public long? CreatedById { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? ActivatedAt { get; set; }

    public DateTime? ArchivedAt { get; set; }
}
