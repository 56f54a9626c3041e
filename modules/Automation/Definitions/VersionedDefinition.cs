namespace Crm.Modules.Automation.Definitions;

/// <summary>Where a version is in its life: edited (draft), running (active), or kept for what pinned it (archived).</summary>
public enum DefinitionState
{
    Draft,
    Active,
    Archived,
}

/// <summary>
/// What admins edit at runtime and version (a rule, a business process): a row of a record type and
/// its versions, at most one draft and one active at a time. The row is what concurrent edits lock
/// (<see cref="VersionedDefinitions{TDefinition, TVersion}"/>), so twenty admins at once leave it so.
/// Not an entity of the model itself: each definition maps its own tables.
/// </summary>
public abstract class VersionedDefinition<TVersion>
    where TVersion : DefinitionVersion
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

    public List<TVersion> Versions { get; set; } = [];
}

/// <summary>
/// One version of a definition, immutable once it leaves the draft state: what started on it (a
/// rule's run, a process's instance) pins it, so what it does never changes under it.
/// </summary>
public abstract class DefinitionVersion
{
    public long Id { get; set; }

    public int Version { get; set; }

    public DefinitionState State { get; set; }

    public string Name { get; set; } = "";

    public string? Description { get; set; }

    /// <summary>The definition's content as validated, as JSON (its shape is the definition's own).</summary>
    public string Definition { get; set; } = "{}";

    /// <summary>
    /// The departments and roles the content names (<see cref="DirectoryReferences.Column"/>: <c>|department:7|role:3|</c>),
    /// so that deleting one finds the draft and active versions that keep it; null when it names none.
    /// </summary>
    public string? References { get; set; }

    public DateTime CreatedAt { get; set; }

    public long? CreatedById { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? ActivatedAt { get; set; }

    public DateTime? ArchivedAt { get; set; }
}
