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

/// <summary>The outcome of an edit: the item as saved, or why not (paths start at "input").</summary>
public sealed record SelectionListEdit(SelectionListItem? Item, IReadOnlyList<GraphQL.UserError> Errors, int MovedRecords = 0);

/// <summary>
/// Edits selection lists with every rule applied (ids, semantics, system items, records moved off
/// a removed item), for the lists' own API and for modules whose records own a list (a pipeline
/// owns its stages).
/// </summary>
public interface ISelectionListEditor
{
    /// <summary>Input keys: id, name, sort, color, semantics, probability.</summary>
    Task<SelectionListEdit> AddItemAsync(string entityId, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken);

    Task<SelectionListEdit> UpdateItemAsync(string entityId, string id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken);

    Task<SelectionListEdit> RemoveItemAsync(string entityId, string id, string? moveTo, CancellationToken cancellationToken);

    Task<IReadOnlyList<GraphQL.UserError>> ReorderAsync(string entityId, IReadOnlyList<string> ids, CancellationToken cancellationToken);

    /// <summary>Creates a list with its items as given (a new pipeline's stages).</summary>
    Task CreateListAsync(string entityId, IReadOnlyList<SelectionListItem> items, CancellationToken cancellationToken);

    Task DeleteListAsync(string entityId, CancellationToken cancellationToken);
}
