namespace Crm.PluginSdk.Lists;

/// <summary>What a status or stage means for the record on it.</summary>
public enum ListItemSemantics
{
    /// <summary>Work in progress.</summary>
    Process,

    /// <summary>Done and won (a converted lead, a won deal).</summary>
    Success,

    /// <summary>Done and lost (junk, a lost deal).</summary>
    Failure,
}

/// <summary>
/// One item of an admin-editable selection list (Bitrix24's <c>crm.status</c>): lead statuses
/// (<c>STATUS</c>), sources (<c>SOURCE</c>), deal stages per pipeline (<c>DEAL_STAGE</c>,
/// <c>DEAL_STAGE_1</c> with ids such as <c>C1:NEW</c>), types, industries, honorifics ...
/// </summary>
public sealed record SelectionListItem(
    string EntityId,
    string Id,
    string Name,
    int Sort,
    string? Color,
    ListItemSemantics? Semantics,
    bool System,
    int? Probability = null);

/// <summary>
/// Reads selection lists. Implemented by the module that stores them; within a request the
/// lists are read once, however many fields ask.
/// </summary>
public interface ISelectionLists
{
    Task<IReadOnlyList<SelectionListItem>> GetItemsAsync(string entityId, CancellationToken cancellationToken);
}

/// <summary>Creates and drops whole lists, for modules whose own records own a list (a pipeline owns its stages).</summary>
public interface ISelectionListEditor
{
    Task CreateListAsync(string entityId, IReadOnlyList<SelectionListItem> items, CancellationToken cancellationToken);

    Task DeleteListAsync(string entityId, CancellationToken cancellationToken);
}
