namespace Crm.Modules.Duplicates.Finding;

/// <summary>What a create (or an update that gives a record a new key) does when other records share its keys.</summary>
public enum DuplicateMode
{
    /// <summary>The write goes through; its payload's <c>duplicates</c> names the matching records.</summary>
    Warn,

    /// <summary>The write is refused (<c>DUPLICATE</c>) with the matching records named; nothing is written.</summary>
    Refuse,

    /// <summary>Nothing is checked (keys are still kept, for <c>findDuplicates</c>).</summary>
    Off,
}

/// <summary>The <c>Duplicates</c> settings.</summary>
public sealed class DuplicatesOptions
{
    /// <summary><c>Duplicates:OnCreate</c>: for every type with keys (default Warn).</summary>
    public DuplicateMode OnCreate { get; set; } = DuplicateMode.Warn;

    /// <summary><c>Duplicates:Types:&lt;type&gt;</c> (e.g. <c>Duplicates:Types:lead=Refuse</c>): a type's own mode.</summary>
    public Dictionary<string, DuplicateMode> Types { get; set; } = new(StringComparer.Ordinal);

    public DuplicateMode ModeFor(string type) => Types.TryGetValue(type, out var mode) ? mode : OnCreate;
}
